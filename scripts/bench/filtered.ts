/**
 * Filtered search at one index size: a filter allowing about 1% of passages (every hundredth
 * article), timed without the query embedding, and a check that each query got exactly k results.
 * Run alone (`npx tsx scripts/bench/filtered.ts 100k`) it prints that; with `--sweep` it also times
 * the vector half both ways at several filter widths, through the graph with the filter as a mask
 * and exactly over the allowed passages' vectors, in wall and CPU time: the costs
 * `exactSearchLimit` (hnsw-store.ts) chooses between.
 */
import { fileURLToPath } from 'node:url';
import type { Embedder } from '../../src/embeddings/embedder.js';
import type { LoadedIndex } from '../../src/store/load.js';
import { searchIndex } from '../../src/retrieval/search.js';
import { compileFilter, type SearchFilter } from '../../src/retrieval/filter.js';
import { latency, round, type Latency } from './stats.js';

export interface FilteredResult {
  /** Share of passages the filter allows. */
  share: number;
  allowed: number;
  k: number;
  /** The whole search (both halves, fusion, relevance, dedupe), query embedding excluded. */
  fused: Latency;
  /**
   * Process CPU time per fused search (ms): on a machine shared with other work, wall time includes
   * waiting for a core, CPU time does not. Absent in reports from before it was measured.
   */
  fusedCpuMs?: number;
  keyword: Latency;
  vector: Latency;
  /** Queries that got exactly k results (of `queries`), with no relevance floor so the filter alone decides. */
  exactK: number;
  queries: number;
  /** Results outside the filter, over all queries: must be 0. */
  outside: number;
}

/** Every `step`-th article, so the filter allows about 1/step of the passages. */
export function everyNthArticle(index: LoadedIndex, step: number): SearchFilter {
  return { articleIds: index.table.articleSummaries().filter((_, i) => i % step === 0).map((a) => a.id) };
}

export async function measureFiltered(index: LoadedIndex, embedder: Embedder, questions: string[], k = 5): Promise<FilteredResult> {
  const filter = everyNthArticle(index, 100);
  const { allowed, rows } = compileFilter(index.table, filter);
  const anyRelevant = { relevance: { minSimilarity: -1, minCoverage: 0 } };
  for (const q of questions.slice(0, 20)) await searchIndex(index, embedder, q, { k, filter });
  const fusedMs: number[] = [];
  let exactK = 0;
  let outside = 0;
  const cpu = process.cpuUsage();
  for (const q of questions) {
    const t = performance.now();
    await searchIndex(index, embedder, q, { k, filter });
    fusedMs.push(performance.now() - t);
  }
  const fusedCpu = process.cpuUsage(cpu);
  for (const q of questions) {
    const response = await searchIndex(index, embedder, q, { k, filter }, anyRelevant);
    if (response.results.length === Math.min(k, rows.length)) exactK++;
    for (const r of response.results) if (allowed[index.table.rowOf(r.passage.id)!] !== 1) outside++;
  }
  const keywordMs: number[] = [];
  for (const q of questions) {
    const t = performance.now();
    // As searchIndex runs it: the filter compiled, then the half over 50 candidates.
    index.keywords.search(q.trim(), 50, compileFilter(index.table, filter).allowed);
    keywordMs.push(performance.now() - t);
  }
  const vectorMs: number[] = [];
  for (const q of questions) {
    const query = await embedder.embedQuery(q.trim());
    const t = performance.now();
    await searchIndex(index, { ...embedder, embedQuery: async () => query }, q, { k, mode: 'vector', filter });
    vectorMs.push(performance.now() - t);
  }
  return {
    share: round(rows.length / index.table.size, 4),
    allowed: rows.length,
    k,
    fused: latency(fusedMs),
    fusedCpuMs: round((fusedCpu.user + fusedCpu.system) / 1000 / questions.length),
    keyword: latency(keywordMs),
    vector: latency(vectorMs),
    exactK,
    queries: questions.length,
    outside,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { loadIndex } = await import('../../src/store/load.js');
  const { ensureSyntheticIndex, vectorsFor } = await import('./cache.js');
  const { syntheticModel } = await import('./synthetic.js');
  const { benchQuestions } = await import('./questions.js');
  const size = Number((process.argv[2] ?? '10k').replace(/k$/i, '000').replace(/m$/i, '000000'));
  const built = await ensureSyntheticIndex(size, (l) => console.error(l));
  const index = await loadIndex(built.indexDir, { model: syntheticModel });
  const vectors = vectorsFor(size);
  const questions = benchQuestions(200);
  const embedder: Embedder = {
    modelId: syntheticModel.id,
    dimension: 384,
    embedPassages: async () => {
      throw new Error('not used');
    },
    embedQuery: async (text) => vectors.ofText(`query:${text}`),
  };
  console.log(JSON.stringify(await measureFiltered(index, embedder, questions)));
  if (process.argv.includes('--sweep')) {
    // The vector half both ways, by filter width; only its CPU time is the cost model's (wall time
    // on a shared machine includes waiting for a core).
    for (const step of [1000, 200, 100, 50, 20, 10, 5]) {
      const filter = everyNthArticle(index, step);
      const { rows } = compileFilter(index.table, filter);
      const times: Record<string, number[]> = { graph: [], exact: [] };
      const cpu: Record<string, number> = { graph: 0, exact: 0 };
      for (const q of questions.slice(0, 40)) {
        const query = vectors.ofText(`query:${q.trim()}`);
        const fixed = { ...embedder, embedQuery: async () => query };
        for (const [way, exactVectorRows] of [['graph', 0], ['exact', Infinity]] as const) {
          const c = process.cpuUsage();
          const t = performance.now();
          await searchIndex(index, fixed, q, { k: 5, mode: 'vector', filter }, { exactVectorRows });
          times[way]!.push(performance.now() - t);
          const used = process.cpuUsage(c);
          cpu[way]! += (used.user + used.system) / 1000;
        }
      }
      const perQuery = (way: string): string => (cpu[way]! / times[way]!.length).toFixed(2);
      console.log(
        `1/${step}: ${rows.length} rows  graph ${JSON.stringify(latency(times.graph!))} cpu ${perQuery('graph')} ms  exact ${JSON.stringify(latency(times.exact!))} cpu ${perQuery('exact')} ms`,
      );
    }
  }
}
