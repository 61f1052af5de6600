import fs from 'node:fs';
import path from 'node:path';
import type { Passage } from '../../src/passages/passage.js';
import { indexFiles } from '../../src/store/manifest.js';
import { PassageTable } from '../../src/store/passage-table.js';
import { VectorStore } from '../../src/vectors/hnsw-store.js';

/**
 * LangChain HNSWLib's job done with kiji's own stores, for the like-for-like peer row: vectors and
 * passages in; vectors, texts and citation fields saved, loaded, and a query vector in, the nearest
 * passages with their texts out. No keyword index, which LangChain has no counterpart of.
 */
export interface SameJob {
  vectors: VectorStore;
  table: PassageTable;
}

/** Passage i gets label i, so a hit's label is its row (a real index maps them: labels are reused). */
export async function buildSameJob(passages: readonly Passage[], vectors: readonly Float32Array[]): Promise<SameJob> {
  const store = await VectorStore.create(vectors[0]?.length ?? 0, vectors.length);
  const labels = passages.map((_, i) => i);
  store.addMany(labels, vectors);
  // As kiji's builds do once their vectors are in.
  store.renumber();
  return { vectors: store, table: PassageTable.fromPassages(passages, labels) };
}

/** The three files, written at once on libuv's pool as a build writes them. */
export async function saveSameJob(job: SameJob, dir: string): Promise<void> {
  const { columns, texts } = job.table.serialize();
  await Promise.all([
    job.vectors.save(path.join(dir, indexFiles.vectors)),
    fs.promises.writeFile(path.join(dir, indexFiles.passages), columns),
    fs.promises.writeFile(path.join(dir, indexFiles.texts), texts),
  ]);
}

/** As `loadIndex` does: the graph read on libuv's pool while the table loads (texts as PassageTable.deserialize decides). */
export async function loadSameJob(dir: string, dimension: number): Promise<SameJob> {
  const file = path.join(dir, indexFiles.vectors);
  const { loaded } = await VectorStore.startLoad(file, dimension, {}, fs.statSync(file).size);
  const passagesFile = path.join(dir, indexFiles.passages);
  const table = PassageTable.deserialize(fs.readFileSync(passagesFile), path.join(dir, indexFiles.texts), passagesFile);
  return { vectors: await loaded, table };
}

/** The `k` nearest passages, each with its text and citation fields, as LangChain returns Documents. */
export function searchSameJob(job: SameJob, query: Float32Array, k: number): { passage: Passage; similarity: number }[] {
  return job.vectors.search(query, k).map((hit) => ({ passage: job.table.passage(hit.label), similarity: hit.similarity }));
}
