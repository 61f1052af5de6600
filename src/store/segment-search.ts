/**
 * Both halves of a search over a build with delta segments (store/segment-set.ts): every live
 * passage of every segment competes. Each segment is searched with its own mask (alive and the
 * filter), keyword scores with the collection's statistics so they compare across segments, and the
 * hits are merged under the set's one row numbering.
 */
import type { KeywordHit } from '../keywords/bm25.js';
import type { LoadedIndex } from './load.js';
import type { RowFilter, SegmentSet } from './segment-set.js';

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

/** The keyword half: each segment's top `k` under the collection's statistics, merged; `doc` is the global row. */
export function segmentKeywordSearch(index: LoadedIndex, segments: SegmentSet, text: string, k: number, filter: RowFilter | undefined): KeywordHit[] {
  const stats = segments.stats();
  const allowed = filter?.allowed;
  const hits: KeywordHit[] = index.keywords.search(text, k, allowed?.subarray(0, segments.baseSize), stats);
  segments.deltas.forEach((delta, i) => {
    const at = segments.offsets[i]!;
    for (const hit of delta.keywords.search(text, k, allowed?.subarray(at, at + delta.table.size), stats)) hits.push({ ...hit, doc: at + hit.doc });
  });
  return hits.sort((a, b) => b.score - a.score || a.doc - b.doc).slice(0, k);
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
    const q = Float32Array.from(query);
    let norm = 0;
    for (let j = 0; j < q.length; j++) norm += q[j]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    // Only rows that beat the k-th best so far are kept: sorting every delta row would cost more than scoring them.
    const best = new TopSimilarities(k, hits);
    segments.deltas.forEach((delta, i) => {
      const vectors = delta.vectors;
      if (!vectors) return;
      const at = segments.offsets[i]!;
      const mask = filter ? filter.allowed : alive;
      const dim = q.length;
      for (let r = 0; r < delta.table.size; r++) {
        if (mask[at + r] !== 1) continue;
        const dot = dotAt(vectors, r * dim, q);
        // As hnswlib computes it for the base: one minus a float32 distance.
        const similarity = 1 - Math.fround(1 - Math.fround(dot * scale));
        if (similarity > best.floor) best.add(at + r, similarity);
      }
    });
    return best.sorted();
  }
  return hits.sort((a, b) => b.similarity - a.similarity || a.row - b.row).slice(0, k);
}

/** The dot product of `q` with the vector at `offset` of `vectors`, four lanes at a time. */
function dotAt(vectors: Float32Array, offset: number, q: Float32Array): number {
  const dim = q.length;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    a += vectors[offset + j]! * q[j]!;
    b += vectors[offset + j + 1]! * q[j + 1]!;
    c += vectors[offset + j + 2]! * q[j + 2]!;
    d += vectors[offset + j + 3]! * q[j + 3]!;
  }
  for (; j < dim; j++) a += vectors[offset + j]! * q[j]!;
  return a + b + c + d;
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
