/**
 * Child process of hnsw-fuzz.int.test.ts: loads damaged copies of a graph one after another and uses
 * each one that loads as a build and a search would. It runs apart from the test runner so that a
 * crash in native code ends this process with a signal, which the test reports with the seed.
 *
 * argv: a JSON job file { dim, m, cases: [{ seed, file }] }. stdout: one JSON line per case
 * ({ seed, outcome: 'loaded' | 'refused', detail }), a `{ seed, start: true }` line before each
 * (so a crash names the case it happened in) and `{ done: true }` at the end.
 */
import fs from 'node:fs';
import { isKijiError } from '../../src/errors.js';
import { VectorStore } from '../../src/vectors/hnsw-store.js';

interface Job {
  dim: number;
  m: number;
  cases: { seed: number; file: string }[];
}

const job = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as Job;
const say = (line: object): void => void fs.writeSync(1, `${JSON.stringify(line)}\n`);
/** Collects the wrapper of a graph that failed to load, so a double free there shows at its own case. */
const collect = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);

/** Problems with a search result: labels hnswlib-node can store are 32-bit and unique in a graph. */
function badHits(hits: { label: number; similarity: number }[], k: number): string | undefined {
  if (hits.length > k) return `${hits.length} hits for k=${k}`;
  const labels = new Set<number>();
  for (const { label } of hits) {
    if (!Number.isInteger(label) || label < 0 || label > 0xffffffff) return `label ${label} out of range`;
    if (labels.has(label)) return `label ${label} twice`;
    labels.add(label);
  }
  return undefined;
}

function queries(dim: number, seed: number): Float32Array[] {
  let state = seed;
  const next = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  return Array.from({ length: 4 }, () => Float32Array.from({ length: dim }, next));
}

for (const { seed, file } of job.cases) {
  say({ seed, start: true });
  let store: VectorStore;
  try {
    store = await VectorStore.load(file, job.dim, { m: job.m }, fs.statSync(file).size);
  } catch (error) {
    say({ seed, outcome: 'refused', detail: isKijiError(error) ? `${error.code}: ${error.message}` : `not a KijiError: ${String(error)}` });
    collect();
    continue;
  }
  let problem: string | undefined;
  let used = 'ok';
  try {
    // What a query does, then what an incremental build does with the previous graph.
    for (const query of queries(job.dim, seed)) {
      const hits = store.search(query, 10);
      problem ??= badHits(hits, 10);
      // The filtered searches: a mask walk and an exact read of every other label (the fuzzed graph holds 400).
      const some = Uint32Array.from({ length: 200 }, (_, i) => 2 * i + (seed % 2));
      const mask = new Uint8Array(400);
      for (const label of some) mask[label] = 1;
      problem ??= badHits(store.search(query, 10, mask), 10);
      problem ??= badHits(store.searchAmong(query, 10, some), 10);
      for (const hit of hits.slice(0, 2)) store.vector(hit.label);
      if (hits[0]) store.remove(hits[0].label);
    }
    const fresh = queries(job.dim, seed + 1);
    store.addMany(fresh.map((_, i) => 900_000 + i), fresh, 2);
    store.renumber();
    problem ??= badHits(store.search(fresh[0]!, 10), 10);
  } catch (error) {
    // A graph that loads may still hold what no check can see (a vector's values): an error while
    // using it is allowed, a crash is not.
    used = `error while used: ${error instanceof Error ? error.message : String(error)}`;
  }
  store.release();
  say({ seed, outcome: 'loaded', detail: problem ?? used });
  collect();
}
say({ done: true });
