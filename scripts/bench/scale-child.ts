/**
 * One index size, measured in its own process so RSS after load is that index's alone.
 * Usage: tsx scripts/bench/scale-child.ts <size> <queries> <exactQueries> <out.json>
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadIndex } from '../../src/store/load.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { indexFiles, readIndexFile, readManifest } from '../../src/store/manifest.js';
import { PassageTable } from '../../src/store/passage-table.js';
import { KeywordIndex } from '../../src/keywords/bm25.js';
import { VectorStore } from '../../src/vectors/hnsw-store.js';
import { searchIndex } from '../../src/retrieval/search.js';
import type { Embedder } from '../../src/embeddings/embedder.js';
import { ensureSyntheticIndex, vectorsFor } from './cache.js';
import { syntheticModel } from './synthetic.js';
import { benchQuestions } from './questions.js';
import { latency, mb, round } from './stats.js';
import { readHnswVectors, exactTopK } from './exact.js';

const [sizeArg, queriesArg, exactArg, outFile] = process.argv.slice(2);
const size = Number(sizeArg);
const built = await ensureSyntheticIndex(size, (l) => console.error(l));
const candidates = 50;

// The native module is loaded once before timing: load time is the index's, not dlopen's.
await VectorStore.create(4, 1);
const rssBefore = process.memoryUsage().rss;
global.gc?.();
let t = performance.now();
const index = await loadIndex(built.indexDir, { model: syntheticModel });
const loadMs = performance.now() - t;
global.gc?.();
const rssAfterLoad = process.memoryUsage().rss;
const dir = currentBuildDir(built.indexDir)!;
const files = Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).size]));
const diskBytes = Object.values(files).reduce((a, b) => a + b, 0);

// Where load time goes (measured after the RSS reading, so these copies do not count there).
const manifest = readManifest(dir);
t = performance.now();
PassageTable.deserialize(readIndexFile(dir, manifest, indexFiles.passages), path.join(dir, indexFiles.texts), dir);
const passagesMs = performance.now() - t;
t = performance.now();
KeywordIndex.open(path.join(dir, indexFiles.keywords)).close();
const keywordsMs = performance.now() - t;
t = performance.now();
await VectorStore.load(path.join(dir, indexFiles.vectors), manifest.model!.dimension, manifest.hnsw, manifest.files[indexFiles.vectors] ?? -1);
const vectorsMs = performance.now() - t;

// Query vectors are computed up front: search latency here excludes the query embedding.
const vectors = vectorsFor(size);
const questions = benchQuestions(Number(queriesArg));
const queryVectors = new Map(questions.map((q) => [q.trim(), vectors.ofText(`query:${q.trim()}`)]));
const precomputed: Embedder = {
  modelId: syntheticModel.id,
  dimension: 384,
  embedPassages: async () => {
    throw new Error('not used');
  },
  embedQuery: async (text) => queryVectors.get(text) ?? vectors.ofText(`query:${text}`),
};

const keywordMs: number[] = [];
const vectorMs: number[] = [];
const fusedMs: number[] = [];
// Warm-up: first calls pay JIT and page faults of a cold mapped index.
for (const q of questions.slice(0, 20)) await searchIndex(index, precomputed, q, { k: 5 });
for (const q of questions) {
  const qv = queryVectors.get(q.trim())!;
  t = performance.now();
  index.keywords.search(q.trim(), candidates);
  keywordMs.push(performance.now() - t);
  t = performance.now();
  index.vectors!.search(qv, candidates);
  vectorMs.push(performance.now() - t);
  t = performance.now();
  await searchIndex(index, precomputed, q, { k: 5 });
  fusedMs.push(performance.now() - t);
}

// Exact search over the same vectors, read straight from the HNSW file.
const matrix = readHnswVectors(path.join(dir, indexFiles.vectors));
const exactQuestions = questions.slice(0, Number(exactArg));
const exactMs: number[] = [];
const hnswMs: number[] = [];
const truth: number[][] = [];
for (const q of exactQuestions) {
  const qv = queryVectors.get(q.trim())!;
  // Alternating HNSW and exact query by query, so both see the same machine load.
  t = performance.now();
  index.vectors!.search(qv, candidates);
  hnswMs.push(performance.now() - t);
  t = performance.now();
  truth.push(exactTopK(matrix, qv, 10));
  exactMs.push(performance.now() - t);
}
const recallAt = (ef: number): number => {
  const store = index.vectors! as unknown as { index: { setEf(ef: number): void }; params: { efSearch: number } };
  const saved = store.params.efSearch;
  (store.params as { efSearch: number }).efSearch = ef;
  store.index.setEf(ef);
  let hits = 0;
  exactQuestions.forEach((q, i) => {
    const got = new Set(index.vectors!.search(queryVectors.get(q.trim())!, Math.max(candidates, 10)).slice(0, 10).map((h) => h.label));
    for (const label of truth[i]!) if (got.has(label)) hits++;
  });
  (store.params as { efSearch: number }).efSearch = saved;
  store.index.setEf(saved);
  return round(hits / (10 * exactQuestions.length), 4);
};
const recall = recallAt(index.manifest.hnsw.efSearch);
const recallByEf = Object.fromEntries([50, 64, 96, 128, 200].map((ef) => [ef, recallAt(ef)]));

const result = {
  size,
  passages: index.table.size,
  hnsw: index.manifest.hnsw,
  buildMs: built.buildMs,
  diskBytes,
  diskMB: mb(diskBytes),
  files,
  loadMs: round(loadMs, 1),
  loadBreakdownMs: { passages: round(passagesMs, 1), keywords: round(keywordsMs, 1), vectors: round(vectorsMs, 1) },
  rssAfterLoadMB: mb(rssAfterLoad),
  rssBeforeLoadMB: mb(rssBefore),
  keyword: latency(keywordMs),
  vector: latency(vectorMs),
  fused: latency(fusedMs),
  hnswAlternated: latency(hnswMs),
  exact: latency(exactMs),
  exactQueries: exactQuestions.length,
  recallAt10: recall,
  recallByEf,
};
fs.writeFileSync(outFile!, JSON.stringify(result, null, 2));
