import { articleLimits } from '../../src/config/defaults.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Embeddings } from '@langchain/core/embeddings';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { loadArticles } from '../../src/articles/load.js';
import { toPassages, passageEmbeddingText } from '../../src/passages/chunk.js';
import { buildIndex } from '../../src/store/build.js';
import { loadIndex } from '../../src/store/load.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { indexFiles } from '../../src/store/manifest.js';
import { PassageTable } from '../../src/store/passage-table.js';
import { searchIndex } from '../../src/retrieval/search.js';
import { hnswDefaults } from '../../src/vectors/hnsw-store.js';
import type { Embedder } from '../../src/embeddings/embedder.js';
import { ensureSyntheticIndex, vectorsFor } from './cache.js';
import { syntheticModel } from './synthetic.js';
import { benchQuestions } from './questions.js';
import { buildSameJob, loadSameJob, saveSameJob, searchSameJob, type SameJob } from './same-job.js';
import { latency, median, round } from './stats.js';

/** Hands LangChain the precomputed vectors, as kiji's side gets them: no model on either side. */
class PrecomputedEmbeddings extends Embeddings {
  constructor(private readonly byText: Map<string, Float32Array>, private readonly query: (t: string) => Float32Array) {
    super({});
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => Array.from(this.byText.get(t)!));
  }
  async embedQuery(text: string): Promise<number[]> {
    return Array.from(this.query(text));
  }
}

const dirBytes = (dir: string): number =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? dirBytes(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).size), 0);

/**
 * kiji vs LangChain.js HNSWLib on the same passages and vectors (same hnswlib, same M=16 and
 * efConstruction=200, which are LangChain's defaults too). Each step alternates the contenders.
 *
 * Like for like, each column starts from the same input and ends in the same state:
 * - build: the articles file -> an index saved on disk. kiji: `buildIndex` (parse, chunk, hash,
 *   embed, HNSW, keyword index, passage table, files written and published). LangChain: the same
 *   file parsed and chunked by kiji's own code (LangChain has no loader for it), `fromTexts`, `save`.
 *   `fromTextsMs` is LangChain's in-memory build alone, the figure the like-for-like row uses.
 * - save: an index in memory -> its files. kiji: serializing the passage table and writing all four
 *   files (the keyword index is bytes in hand after a build); LangChain: `save` (JSON docstore included).
 * - load: files -> searchable. kiji: `loadIndex` (texts read whole up to 64 MB, else left on disk); LangChain: `HNSWLib.load`.
 * - search: a question's vector -> 5 passages with their texts. kiji: `searchIndex` in vector mode
 *   (HNSW with 50 candidates for paging and the relevance tail, texts read from disk, near-duplicates
 *   collapsed, an answer sentence each); LangChain: `similaritySearchVectorWithScore`, ef raised to kiji's.
 *
 * Like for like (`sameJob`): LangChain's own job, vectors and texts, done by kiji's VectorStore and
 * passage table (same-job.ts), column by column against the same LangChain figures.
 */
export async function benchPeer(size: number, rounds: number, queries: number, log: (l: string) => void) {
  const built = await ensureSyntheticIndex(size, log);
  const vectors = vectorsFor(size);
  const { articles } = await loadArticles(built.articles);
  const passages = articles.flatMap((a) => toPassages(a));
  const byText = new Map(passages.map((p) => [passageEmbeddingText(p), vectors.ofText(passageEmbeddingText(p))]));
  const questions = benchQuestions(queries).map((q) => q.trim());
  const queryVector = new Map(questions.map((q) => [q, vectors.ofText(`query:${q}`)]));
  const query = (t: string): Float32Array => queryVector.get(t) ?? vectors.ofText(`query:${t}`);
  const kijiEmbedder: Embedder = {
    modelId: syntheticModel.id,
    dimension: 384,
    embedPassages: async (texts) => texts.map((t) => byText.get(t)!),
    embedQuery: async (t) => query(t),
  };
  const peerEmbeddings = new PrecomputedEmbeddings(byText, query);
  const texts = passages.map(passageEmbeddingText);

  const times = {
    kiji: { build: [] as number[], save: [] as number[], load: [] as number[] },
    peer: { build: [] as number[], parse: [] as number[], fromTexts: [] as number[], save: [] as number[], load: [] as number[] },
  };
  const sameJobTimes = { build: [] as number[], save: [] as number[], load: [] as number[], search: [] as number[], peerSearch: [] as number[] };
  const dimension = 384;
  const passageVectors = texts.map((t) => byText.get(t)!);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `kiji-bench-peer-${size}-`));
  let kijiBytes = 0;
  let peerBytes = 0;
  let kijiIndexDir = '';
  let peerDir = '';
  let sameJob: SameJob | undefined;
  for (let r = 0; r < rounds; r++) {
    // kiji: articles file -> passages -> keyword index + HNSW, written and published (its save is inside the build).
    kijiIndexDir = path.join(root, `kiji-${r}`);
    let t = performance.now();
    await buildIndex({ articlesPath: built.articles, articleMaxBytes: articleLimits.maxBytesCeiling, indexDir: kijiIndexDir, model: syntheticModel, getEmbedder: async () => kijiEmbedder, embedChunk: 1024 });
    times.kiji.build.push(performance.now() - t);
    kijiBytes = dirBytes(currentBuildDir(kijiIndexDir)!);
    // LangChain: the same articles file -> passages (kiji's parser and chunker) -> texts + metadata
    // -> HNSW + docstore, then saved: the same input and the same end state as kiji's build.
    t = performance.now();
    const parsed = (await loadArticles(built.articles)).articles.flatMap((a) => toPassages(a));
    const peerTexts = parsed.map(passageEmbeddingText);
    const peerMetadatas = parsed.map((p) => ({ id: p.id, articleId: p.articleId, title: p.title, paragraph: p.paragraph, source: p.source }));
    const parseMs = performance.now() - t;
    const store = await HNSWLib.fromTexts(peerTexts, peerMetadatas, peerEmbeddings);
    const fromTextsMs = performance.now() - t - parseMs;
    peerDir = path.join(root, `peer-${r}`);
    const saveStarted = performance.now();
    await store.save(peerDir);
    const saveMs = performance.now() - saveStarted;
    times.peer.build.push(performance.now() - t);
    times.peer.parse.push(parseMs);
    times.peer.fromTexts.push(fromTextsMs);
    times.peer.save.push(saveMs);
    peerBytes = dirBytes(peerDir);
    // LangChain's job done by kiji's own stores (vectors + passage table, no keyword index), right
    // after LangChain's fromTexts so the like-for-like build ratio compares runs under the same load.
    sameJob?.vectors.release();
    t = performance.now();
    sameJob = await buildSameJob(parsed, passageVectors);
    sameJobTimes.build.push(performance.now() - t);
    log(
      `  peer ${size} round ${r + 1}/${rounds}: build kiji ${Math.round(times.kiji.build.at(-1)!)} ms / LangChain ${Math.round(times.peer.build.at(-1)!)} ms (parse ${Math.round(parseMs)} + fromTexts ${Math.round(fromTextsMs)} + save ${Math.round(saveMs)}); kiji vectors + passage table ${Math.round(sameJobTimes.build.at(-1)!)} ms`,
    );
  }
  // kiji's save alone: the writes buildIndex does for a finished build (table, keywords, vectors).
  for (let r = 0; r < rounds; r++) {
    const loaded = await loadIndex(kijiIndexDir, { model: syntheticModel });
    const out = fs.mkdtempSync(path.join(root, 'kiji-save-'));
    // Before the clock, the index as a build holds it before writing: the keyword index's bytes (a
    // loaded index reads them from its file) and the passage table in memory (a loaded one leaves its
    // texts on disk).
    const keywordBytes = loaded.keywords.serialize();
    loaded.keywords.close();
    const table = PassageTable.fromPassages(passages, Array.from(loaded.table.labels()));
    const t = performance.now();
    // On the clock, as LangChain's save stringifies its docstore: the passage table's serialization.
    const { columns, texts: blob } = table.serialize();
    // As buildIndex writes them: all four files at once on libuv's pool.
    const vectorsSaved = loaded.vectors!.save(path.join(out, indexFiles.vectors));
    await Promise.all([
      vectorsSaved,
      fs.promises.writeFile(path.join(out, indexFiles.passages), columns),
      fs.promises.writeFile(path.join(out, indexFiles.texts), blob),
      fs.promises.writeFile(path.join(out, indexFiles.keywords), keywordBytes),
    ]);
    times.kiji.save.push(performance.now() - t);
  }

  let kiji = await loadIndex(kijiIndexDir, { model: syntheticModel });
  let peer = await HNSWLib.load(peerDir, peerEmbeddings);
  // LangChain's job done by kiji's stores, like for like (its build is timed in the rounds above):
  // kiji's VectorStore and passage table (texts and citations) against LangChain's HNSWLib and its
  // docstore; kiji's figures above also hold its keyword index, which LangChain lacks.
  const sameJobDir = fs.mkdtempSync(path.join(root, 'kiji-same-job-'));
  for (let r = 0; r < Math.max(rounds, 3); r++) {
    const t = performance.now();
    await saveSameJob(sameJob!, sameJobDir);
    sameJobTimes.save.push(performance.now() - t);
  }
  sameJob!.vectors.release();
  const sameJobBytes = dirBytes(sameJobDir);
  let loadedSameJob = sameJob!;
  // Loads take 0.1-2 s: five rounds, each contender in turn, so all three see the same machine load.
  for (let r = 0; r < 5; r++) {
    let t = performance.now();
    kiji = await loadIndex(kijiIndexDir, { model: syntheticModel });
    times.kiji.load.push(performance.now() - t);
    t = performance.now();
    peer = await HNSWLib.load(peerDir, peerEmbeddings);
    times.peer.load.push(performance.now() - t);
    loadedSameJob.vectors.release();
    t = performance.now();
    loadedSameJob = await loadSameJob(sameJobDir, dimension);
    sameJobTimes.load.push(performance.now() - t);
  }
  // Same search breadth on both (LangChain leaves hnswlib's ef at 10, which loses recall).
  peer.index.setEf(hnswDefaults.efSearch);
  const search = { kijiHybrid: [] as number[], kijiVector: [] as number[], peer: [] as number[] };
  for (const q of questions.slice(0, 10)) {
    await searchIndex(kiji, kijiEmbedder, q, { k: 5 });
    await peer.similaritySearchVectorWithScore(Array.from(query(q)), 5);
  }
  // Each question is searched by both sides, first by one and then by the other in turn: the second
  // search of a question walks graph pages the first just brought into the CPU caches (at 10k the same
  // HNSW search took 0.22 ms first and 0.08 ms right after), so a fixed order favoured whoever went second.
  const timed = async (into: number[], run: () => Promise<unknown>): Promise<void> => {
    const t = performance.now();
    await run();
    into.push(performance.now() - t);
  };
  const inTurn = async (i: number, a: () => Promise<void>, b: () => Promise<void>): Promise<void> => {
    if (i % 2 === 0) {
      await a();
      await b();
    } else {
      await b();
      await a();
    }
  };
  for (const [i, q] of questions.entries()) {
    await inTurn(
      i,
      () => timed(search.kijiVector, () => searchIndex(kiji, kijiEmbedder, q, { k: 5, mode: 'vector' })),
      () => timed(search.peer, () => peer.similaritySearchVectorWithScore(Array.from(query(q)), 5)),
    );
    await timed(search.kijiHybrid, () => searchIndex(kiji, kijiEmbedder, q, { k: 5 }));
  }

  for (const [i, q] of questions.entries()) {
    const qv = query(q);
    await inTurn(
      i,
      () => timed(sameJobTimes.search, async () => searchSameJob(loadedSameJob, qv, 5)),
      () => timed(sameJobTimes.peerSearch, () => peer.similaritySearchVectorWithScore(Array.from(qv), 5)),
    );
  }
  fs.rmSync(root, { recursive: true, force: true });
  const ratio = (a: number[], b: number[]): number => round(median(a) / median(b), 3);
  return {
    size,
    rounds,
    kiji: { buildMs: round(median(times.kiji.build), 0), saveMs: round(median(times.kiji.save), 0), loadMs: round(median(times.kiji.load), 0), bytes: kijiBytes, searchVector: latency(search.kijiVector), searchHybrid: latency(search.kijiHybrid) },
    peer: {
      buildMs: round(median(times.peer.build), 0),
      parseMs: round(median(times.peer.parse), 0),
      fromTextsMs: round(median(times.peer.fromTexts), 0),
      saveMs: round(median(times.peer.save), 0),
      loadMs: round(median(times.peer.load), 0),
      bytes: peerBytes,
      search: latency(search.peer),
    },
    /** The build ratio as earlier reports gave it: kiji's whole build against LangChain's in-memory `fromTexts` alone. */
    buildVsFromTexts: ratio(times.kiji.build, times.peer.fromTexts),
    /** LangChain's job (vectors + texts) done by kiji's VectorStore and passage table: the like-for-like row. */
    sameJob: {
      kiji: {
        buildMs: round(median(sameJobTimes.build), 0),
        saveMs: round(median(sameJobTimes.save), 0),
        loadMs: round(median(sameJobTimes.load), 0),
        bytes: sameJobBytes,
        search: latency(sameJobTimes.search),
      },
      peerSearch: latency(sameJobTimes.peerSearch),
      ratios: {
        build: ratio(sameJobTimes.build, times.peer.fromTexts),
        save: ratio(sameJobTimes.save, times.peer.save),
        load: ratio(sameJobTimes.load, times.peer.load),
        searchP50: ratio(sameJobTimes.search, sameJobTimes.peerSearch),
        diskBytes: round(sameJobBytes / peerBytes, 3),
      },
    },
    ratios: {
      build: ratio(times.kiji.build, times.peer.build),
      save: ratio(times.kiji.save, times.peer.save),
      load: ratio(times.kiji.load, times.peer.load),
      searchVectorP50: ratio(search.kijiVector, search.peer),
      searchHybridP50: ratio(search.kijiHybrid, search.peer),
      diskBytes: round(kijiBytes / peerBytes, 3),
    },
  };
}
