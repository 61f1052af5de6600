/**
 * Freshness over a synthetic index: how soon new articles are answerable when applied as delta
 * segments, what deltas cost searches, and what a merge costs. Embedding is excluded (synthetic
 * vectors, their time subtracted). The cached index is never changed: its build folder is linked into
 * a work folder (hard links; every file of a build is replaced, never written in place) and updated there.
 *
 * `npx tsx scripts/bench/freshness.ts 100k` runs one size alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { articleLimits } from '../../src/config/defaults.js';
import type { Embedder } from '../../src/embeddings/embedder.js';
import type { Article } from '../../src/articles/article.js';
import { parseJsonl } from '../../src/articles/jsonl.js';
import { buildIndex } from '../../src/store/build.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { SegmentedFileStore } from '../../src/store/index-store.js';
import { loadIndex, releaseIndex, type LoadedIndex } from '../../src/store/load.js';
import { searchIndex } from '../../src/retrieval/search.js';
import { ensureSyntheticIndex, outDir, sizeLabel, vectorsFor } from './cache.js';
import { benchQuestions } from './questions.js';
import { jsquadParagraphs, rng, SyntheticEmbedder, syntheticModel } from './synthetic.js';
import { latency, median, round, type Latency } from './stats.js';

/** New articles per update, and paragraphs (passages) each. */
const ARTICLES_PER_UPDATE = 10;
const PARAGRAPHS = 5;
/** Updates applied: the latency rows are taken after `DELTA_STEPS` of them. */
const DELTA_STEPS = [5, 20] as const;

export interface FreshnessResult {
  size: number;
  /** Per update: applying 10 new articles until a query finds them (ms, embedding excluded). */
  answerableMs: number[];
  answerable: { median: number; max: number; first: number };
  /** Updates whose new articles a search for each one's word found: among its results, and first in keyword mode (of `updates`). */
  found: number;
  updates: number;
  /**
   * Search latency (query embedding excluded) after 0, 5 and 20 updates, each applied as a delta
   * (`segments`: how many delta segments they are searched as once small ones are compacted), and
   * on the reference index.
   */
  latency: { deltas: number; segments: number; passages: number; latency: Latency }[];
  /** The index the deltas are compared with: the merged build, or at sizes not merged the build without deltas. */
  reference: { kind: 'merged' | 'base'; latency: Latency; mergeMs?: number; mergeEmbedded?: number };
  /** p95 with 20 deltas over the reference's p95. */
  ratio20: number;
  /** The highest p95 ratio over the reference with any number of deltas measured (the floor's "up to 20"). */
  worstRatio: number;
  queries: number;
}

/** Links every file of `from` (a folder tree) into `to`. */
function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else fs.linkSync(source, target);
  }
}

/** A JSONL file of new articles in `articlesDir`, each with a word found nowhere else; returns them as the build parses them. */
function newArticles(articlesDir: string, update: number, sentences: string[]): { articles: Article[]; words: string[] } {
  const random = rng(1000 + update);
  const pick = (): string => sentences[Math.floor(random() * sentences.length)]!;
  const words: string[] = [];
  const lines: string[] = [];
  for (let a = 0; a < ARTICLES_PER_UPDATE; a++) {
    // Two letters for the update, one for the article: no word's bigrams are a subset of another's.
    const letters = 'アイウエオカキクケコ';
    const word = `フレッシュミナト${letters[Math.floor(update / 10) % 10]}${letters[update % 10]}号${letters[a]}`;
    words.push(word);
    const paragraphs = Array.from({ length: PARAGRAPHS }, (_, p) => {
      let text = p === 0 ? `${word}が発表された。` : '';
      while (text.length < 120) text += pick();
      return text.slice(0, 390);
    });
    lines.push(JSON.stringify({ id: `fresh-${update}-${a}`, title: `${word}の速報`, source: 'synthetic (fresh)', body: paragraphs.join('\n\n') }));
  }
  const name = `fresh-${String(update).padStart(3, '0')}.jsonl`;
  const text = `${lines.join('\n')}\n`;
  fs.writeFileSync(path.join(articlesDir, name), text);
  return { articles: parseJsonl(text, name), words };
}

/** A synthetic embedder that counts the milliseconds spent embedding passages, to be subtracted. */
class TimedEmbedder extends SyntheticEmbedder {
  ms = 0;
  override async embedPassages(texts: string[]): Promise<Float32Array[]> {
    const t = performance.now();
    const out = await super.embedPassages(texts);
    this.ms += performance.now() - t;
    return out;
  }
}

export async function benchFreshness(size: number, log: (line: string) => void, options: { merge: boolean; queries: number }): Promise<FreshnessResult> {
  const built = await ensureSyntheticIndex(size, log);
  const work = path.join(outDir, `freshness-${sizeLabel(size)}`);
  fs.rmSync(work, { recursive: true, force: true });
  const indexDir = path.join(work, 'index');
  const articlesDir = path.join(work, 'articles');
  const buildDir = currentBuildDir(built.indexDir)!;
  linkTree(buildDir, path.join(indexDir, path.basename(buildDir)));
  fs.writeFileSync(path.join(indexDir, 'CURRENT'), `${path.basename(buildDir)}\n`);
  fs.mkdirSync(articlesDir, { recursive: true });
  fs.linkSync(built.articles, path.join(articlesDir, 'synthetic.jsonl'));

  const vectors = vectorsFor(size);
  const embedder = new TimedEmbedder(vectors);
  const store = new SegmentedFileStore(indexDir, { model: syntheticModel });
  const base = await store.load();
  const sentences = jsquadParagraphs().flatMap((p) => p.split(/(?<=。)/)).filter((s) => s.length >= 8 && s.length <= 150);

  log(`  ${sizeLabel(size)}: applying ${DELTA_STEPS.at(-1)} updates of ${ARTICLES_PER_UPDATE} articles...`);
  const snapshots = new Map<number, LoadedIndex>([[0, base]]);
  const answerableMs: number[] = [];
  let found = 0;
  let current = base;
  for (let update = 1; update <= DELTA_STEPS.at(-1)!; update++) {
    const { articles, words } = newArticles(articlesDir, update, sentences);
    embedder.ms = 0;
    const t = performance.now();
    current = (await store.apply(current, { articles, removed: [] }, embedder)).snapshot;
    const first = await searchIndex(current, embedder, words[0]!, { k: 5 });
    answerableMs.push(performance.now() - t - embedder.ms);
    // Found: each article among the results of a search for its word, and first in keyword mode. Not
    // first in the fused list: there an article its word alone finds ties with the vector list's best
    // (both 1 after min-max), which list order breaks, and a sibling (the same word but one letter) that
    // the synthetic vectors place high in both lists can pass it.
    let all = true;
    for (let a = 0; a < words.length; a++) {
      const fused = a === 0 ? first : await searchIndex(current, embedder, words[a]!, { k: 5 });
      const keyword = await searchIndex(current, embedder, words[a]!, { k: 1, mode: 'keyword' });
      all &&= fused.results.some((r) => r.passage.articleId === articles[a]!.id) && keyword.results[0]?.passage.articleId === articles[a]!.id;
    }
    if (all) found++;
    if ((DELTA_STEPS as readonly number[]).includes(update)) snapshots.set(update, current);
  }

  let reference: LoadedIndex = base;
  let mergeMs: number | undefined;
  let mergeEmbedded: number | undefined;
  if (options.merge) {
    // Merged in a linked copy, so the snapshots above keep their build folder.
    const mergeDir = path.join(work, 'merged');
    linkTree(indexDir, mergeDir);
    log(`  ${sizeLabel(size)}: merging ${DELTA_STEPS.at(-1)} deltas into a new build...`);
    const t = performance.now();
    const report = await buildIndex({
      articlesPath: articlesDir,
      articleMaxBytes: articleLimits.maxBytesCeiling,
      indexDir: mergeDir,
      model: syntheticModel,
      hnsw: built.hnsw,
      getEmbedder: async () => embedder,
    });
    mergeMs = performance.now() - t;
    mergeEmbedded = report.embedded;
    reference = await loadIndex(mergeDir, { model: syntheticModel });
  }

  log(`  ${sizeLabel(size)}: search latency with 0, ${DELTA_STEPS.join(', ')} deltas and the ${options.merge ? 'merged' : 'base'} index...`);
  const questions = benchQuestions(options.queries);
  const queryVectors = new Map(questions.map((q) => [q.trim(), vectors.ofText(`query:${q.trim()}`)]));
  const fixed: Embedder = { ...embedder, modelId: embedder.modelId, dimension: embedder.dimension, embedPassages: (t) => embedder.embedPassages(t), embedQuery: async (q) => queryVectors.get(q)! };
  const contenders: [string, LoadedIndex][] = [...[...snapshots].map(([n, index]) => [String(n), index] as [string, LoadedIndex]), ['reference', reference]];
  const times = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  for (const [, index] of contenders) for (const q of questions.slice(0, 20)) await searchIndex(index, fixed, q, { k: 5 });
  // Alternating, so the shared machine's drift falls on every contender alike.
  for (let i = 0; i < questions.length; i++) {
    for (let c = 0; c < contenders.length; c++) {
      const [name, index] = contenders[(c + i) % contenders.length]!;
      const t = performance.now();
      await searchIndex(index, fixed, questions[i]!, { k: 5 });
      times.get(name)!.push(performance.now() - t);
    }
  }
  const rows = [...snapshots].map(([deltas, index]) => ({
    deltas,
    segments: index.segments?.deltas.length ?? 0,
    passages: index.segments?.size ?? index.table.size,
    latency: latency(times.get(String(deltas))!),
  }));
  const referenceLatency = latency(times.get('reference')!);
  if (reference !== base) releaseIndex(reference);
  releaseIndex(base);
  fs.rmSync(work, { recursive: true, force: true });
  const twenty = rows.find((r) => r.deltas === DELTA_STEPS.at(-1))!;
  return {
    size,
    answerableMs: answerableMs.map((x) => round(x, 1)),
    answerable: { median: round(median(answerableMs), 1), max: round(Math.max(...answerableMs), 1), first: round(answerableMs[0]!, 1) },
    found,
    updates: answerableMs.length,
    latency: rows,
    reference: { kind: options.merge ? 'merged' : 'base', latency: referenceLatency, ...(mergeMs !== undefined ? { mergeMs: round(mergeMs, 0), mergeEmbedded } : {}) },
    ratio20: round(twenty.latency.p95 / referenceLatency.p95, 3),
    worstRatio: round(Math.max(...rows.filter((r) => r.deltas > 0).map((r) => r.latency.p95 / referenceLatency.p95)), 3),
    queries: questions.length,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { parseSize } = await import('./args.js');
  const size = parseSize(process.argv[2] ?? '10k');
  console.log(JSON.stringify(await benchFreshness(size, (l) => console.error(l), { merge: size < 1_000_000, queries: 1000 }), null, 2));
}
