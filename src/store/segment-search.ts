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
    segments.deltas.forEach((delta, i) => {
      const vectors = delta.vectors;
      if (!vectors) return;
      const at = segments.offsets[i]!;
      const dim = q.length;
      for (let r = 0; r < delta.table.size; r++) {
        if (filter ? filter.allowed[at + r] !== 1 : alive[at + r] !== 1) continue;
        let dot = 0;
        for (let j = 0, o = r * dim; j < dim; j++, o++) dot += vectors[o]! * q[j]!;
        // As hnswlib computes it for the base: one minus a float32 distance.
        hits.push({ row: at + r, similarity: 1 - Math.fround(1 - Math.fround(dot * scale)) });
      }
    });
  }
  return hits.sort((a, b) => b.similarity - a.similarity || a.row - b.row).slice(0, k);
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
