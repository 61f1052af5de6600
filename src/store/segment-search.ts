/**
 * Both halves of a search over a build with delta segments (store/segment-set.ts): every live
 * passage of every segment competes, under the set's one row numbering and a mask of live (and
 * filter-allowed) rows. The keyword half searches the segments as one index under the collection's
 * statistics; the vector half searches the build's graph and each delta's vectors and merges the hits.
 */
import { KeywordIndex, type KeywordHit } from '../keywords/bm25.js';
import type { VectorHit } from '../vectors/hnsw-store.js';
import type { LoadedIndex } from './load.js';
import { createRequire } from 'node:module';
import type { RowFilter, SegmentSet } from './segment-set.js';
import type { LoadedDelta } from './segments.js';
import { ExactRows, type ExactHits } from '../vectors/exact-rows.js';

/** A hit of the vector half under the global row numbering. */
export interface RowHit {
  row: number;
  similarity: number;
}

/**
 * The rows a search over `segments` may return: alive and, with `filter`, allowed by it. Undefined
 * when every row may be (no filter, nothing dead).
 */
export function liveFilter(segments: SegmentSet, filter: RowFilter | undefined): RowFilter | undefined {
  const { alive } = segments;
  if (filter === undefined && segments.deadBase === 0 && !hasDead(segments)) return undefined;
  const allowed = new Uint8Array(alive.length);
  let count = 0;
  if (filter === undefined) {
    allowed.set(alive);
    for (let r = 0; r < alive.length; r++) count += alive[r]!;
  } else {
    for (let r = 0; r < alive.length; r++) count += allowed[r] = alive[r]! & filter.allowed[r]!;
  }
  const rows = new Uint32Array(count);
  for (let r = 0, i = 0; i < count; r++) if (allowed[r] === 1) rows[i++] = r;
  return { allowed, rows };
}

const deadCounts = new WeakMap<SegmentSet, boolean>();

function hasDead(segments: SegmentSet): boolean {
  let dead = deadCounts.get(segments);
  if (dead === undefined) {
    dead = segments.alive.includes(0);
    deadCounts.set(segments, dead);
  }
  return dead;
}

/** The keyword half: every segment searched as one index under the collection's statistics; `doc` is the global row. */
export function segmentKeywordSearch(index: LoadedIndex, segments: SegmentSet, text: string, k: number, filter: RowFilter | undefined): KeywordHit[] {
  const keywordSegments = [index.keywords, ...segments.deltas.map((delta) => delta.keywords)];
  return KeywordIndex.searchSegments(keywordSegments, text, k, filter?.allowed, segments.stats());
}

/**
 * The vector half: the base's graph (through `baseSearch`, given the base's share of the filter) and
 * each delta's vectors exactly, merged by similarity. Without a filter, a base with few dead rows is
 * searched for `k` plus that many and its dead hits dropped, which keeps the unfiltered graph search.
 */
export function segmentVectorSearch(
  index: LoadedIndex,
  segments: SegmentSet,
  query: Float32Array,
  k: number,
  filter: RowFilter | undefined,
  baseSearch: (k: number, filter: RowFilter | undefined) => RowHit[],
): RowHit[] {
  const { baseSize, alive } = segments;
  let base: RowHit[];
  if (filter === undefined) {
    base = baseSearch(k, undefined);
  } else if (filter.allowed.length === alive.length && segments.deadBase > 0 && segments.deadBase <= k * 4 && isAliveOnly(filter, segments)) {
    base = baseSearch(k + segments.deadBase, undefined).filter((h) => alive[h.row] === 1).slice(0, k);
  } else {
    let end = filter.rows.length;
    while (end > 0 && filter.rows[end - 1]! >= baseSize) end--;
    base = baseSearch(k, { allowed: filter.allowed.subarray(0, baseSize), rows: filter.rows.subarray(0, end) });
  }
  const hits = [...base];
  if (index.vectors !== undefined) {
    let array: number[] | undefined;
    const queryArray = (): number[] => (array ??= toArray(query));
    // Only rows that beat the k-th best so far are kept.
    const best = new TopSimilarities(k, hits);
    segments.deltas.forEach((delta, i) => {
      if (!delta.vectors) return;
      const at = segments.offsets[i]!;
      const mask = filter ? filter.allowed : alive;
      const size = delta.table.size;
      const exact = exactSearch(delta, query.length);
      // Without a filter nothing is dead; with the live rows alone, which deltas are whole is known per set.
      const everyRow = filter === undefined || (isAliveOnly(filter, segments) ? wholeDeltas(segments)[i]! : allOnes(mask, at, at + size));
      const allowed = everyRow ? undefined : (row: number): boolean => mask[at + row] === 1;
      const { neighbors, distances } = exact instanceof ExactRows ? exact.search(query, Math.min(k, size), allowed) : exact.searchKnn(queryArray(), Math.min(k, size), allowed);
      neighbors.forEach((row, j) => {
        // As hnswlib computes it for the base graph: one minus a float32 cosine distance.
        const similarity = 1 - (distances[j] ?? 1);
        if (similarity > best.floor) best.add(at + row, similarity);
      });
    });
    return best.sorted();
  }
  return hits.sort((a, b) => b.similarity - a.similarity || a.row - b.row).slice(0, k);
}

/** hnswlib-node's BruteforceSearch takes plain arrays; a loop fills one many times faster than `Array.from` on a typed array. */
function toArray(vector: Float32Array): number[] {
  const array = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) array[i] = vector[i]!;
  return array;
}

/** Whether `mask[from .. to]` is all ones. */
function allOnes(mask: Uint8Array, from: number, to: number): boolean {
  for (let r = from; r < to; r++) if (mask[r] !== 1) return false;
  return true;
}

const whole = new WeakMap<SegmentSet, boolean[]>();

/** For each delta of the set, whether all its rows are alive. */
function wholeDeltas(segments: SegmentSet): boolean[] {
  let flags = whole.get(segments);
  if (flags === undefined) {
    flags = segments.deltas.map((delta, i) => allOnes(segments.alive, segments.offsets[i]!, segments.offsets[i]! + delta.table.size));
    whole.set(segments, flags);
  }
  return flags;
}

type Bruteforce = InstanceType<typeof import('hnswlib-node').BruteforceSearch>;
const exactSearches = new WeakMap<LoadedDelta, Bruteforce | ExactRows>();

/**
 * The exact (brute-force) search over a delta's vectors, built on first use: every row scored,
 * natively, several times faster than the same loop in JavaScript. hnswlib's, or `ExactRows` (the
 * same distances, in WebAssembly SIMD four rows at a time) where it agrees with hnswlib's.
 * hnswlib-node is loaded already (the build's graph uses it) whenever deltas have vectors to search.
 */
function exactSearch(delta: LoadedDelta, dimension: number): Bruteforce | ExactRows {
  let exact = exactSearches.get(delta);
  if (exact) return exact;
  const hnswlib = createRequire(import.meta.url)('hnswlib-node') as typeof import('hnswlib-node');
  const bruteforce = new hnswlib.BruteforceSearch('cosine', dimension);
  const size = delta.table.size;
  bruteforce.initIndex(Math.max(1, size));
  for (let row = 0; row < size; row++) bruteforce.addPoint(toArray(delta.vectors!.subarray(row * dimension, (row + 1) * dimension)), row);
  const check = (query: Float32Array, k: number): ExactHits => bruteforce.searchKnn(toArray(query), k);
  exact = ExactRows.create(delta.vectors!.subarray(0, size * dimension), dimension, check) ?? bruteforce;
  exactSearches.set(delta, exact);
  return exact;
}

/** The best `k` hits seen, with the similarity a new one must beat once there are k. */
class TopSimilarities {
  private hits: RowHit[];
  floor = -Infinity;

  constructor(
    private readonly k: number,
    start: RowHit[],
  ) {
    this.hits = start.sort((a, b) => b.similarity - a.similarity || a.row - b.row).slice(0, k);
    if (this.hits.length >= k) this.floor = this.hits[k - 1]!.similarity;
  }

  add(row: number, similarity: number): void {
    const hits = this.hits;
    let i = hits.length;
    while (i > 0 && hits[i - 1]!.similarity < similarity) i--;
    hits.splice(i, 0, { row, similarity });
    if (hits.length > this.k) hits.pop();
    if (hits.length >= this.k) this.floor = hits[this.k - 1]!.similarity;
  }

  sorted(): RowHit[] {
    return this.hits;
  }
}

/** Whether `filter` is exactly the live rows (no search filter): made by `liveFilter` from the alive mask alone. */
function isAliveOnly(filter: RowFilter, segments: SegmentSet): boolean {
  return aliveOnly.get(segments) === filter;
}

const aliveOnly = new WeakMap<SegmentSet, RowFilter>();

/** `liveFilter` without a search filter, made once per set (the same for every query on it). */
export function aliveFilter(segments: SegmentSet): RowFilter | undefined {
  let filter = aliveOnly.get(segments);
  if (filter === undefined) {
    filter = liveFilter(segments, undefined);
    if (filter) aliveOnly.set(segments, filter);
  }
  return filter;
}

/** The keyword half of a search over a loaded index: its build alone, or every segment of it. */
export function keywordHalf(index: LoadedIndex, text: string, k: number, filter: RowFilter | undefined): KeywordHit[] {
  return index.segments ? segmentKeywordSearch(index, index.segments, text, k, filter) : index.keywords.search(text, k, filter?.allowed);
}

/**
 * The vector half likewise, for an embedded query (the index must have vectors). `exactRows`
 * overrides where a filtered search of the graph turns exact (`VectorStore.searchFiltered`).
 */
export function vectorHalf(index: LoadedIndex, query: Float32Array, k: number, filter: RowFilter | undefined, exactRows?: number): RowHit[] {
  const graph = (n: number, f: RowFilter | undefined): RowHit[] =>
    graphSearch(index, query, n, f, exactRows).map((h) => ({ row: index.rowOfLabel[h.label] ?? -1, similarity: h.similarity }));
  return index.segments ? segmentVectorSearch(index, index.segments, query, k, filter, graph) : graph(k, filter);
}

/**
 * The build's graph: unfiltered, or with a filter (rows of the build) the allowed passages' vectors
 * exactly or the graph with them as a mask, whichever is cheaper (`VectorStore.searchFiltered`, both in C++).
 */
function graphSearch(index: LoadedIndex, query: Float32Array, k: number, filter: RowFilter | undefined, exactRows: number | undefined): VectorHit[] {
  const vectors = index.vectors!;
  if (filter === undefined) return vectors.search(query, k);
  const labels = index.table.labels();
  const allowed = new Uint32Array(filter.rows.length);
  let n = 0;
  for (const row of filter.rows) {
    const label = labels[row] as number;
    if (label >= 0) allowed[n++] = label;
  }
  return vectors.searchFiltered(query, k, allowed.subarray(0, n), exactRows);
}
