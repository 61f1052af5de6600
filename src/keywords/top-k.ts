/**
 * Exact top-k by BM25 without scoring every posting: MaxScore, term at a time, with block-max probes.
 *
 * MaxScore over whole lists rather than document-at-a-time (block-max) WAND: questions have ~60 terms
 * of similar weight, so WAND's per-candidate pivoting over every cursor costs more than it skips, and
 * reading a list per block costs a system call; here the few rare lists are summed whole and the long
 * common ones are only probed at the candidates that remain, a block at a time.
 *
 * Scores are summed in float32 in query-term order exactly as the exhaustive search does, so the
 * result (docs, order, scores and coverage) is identical to it; bounds are float64 sums widened by
 * `slack`.
 */
import type { PostingList } from './postings.js';

export interface ScoredDoc {
  doc: number;
  /** The BM25 score, summed in float32 in query-term order. */
  score: number;
  /** Matched query mass (coverage before dividing by the query's total), summed in query-term order. */
  mass: number;
}

/** One known query term: its postings, its weight in coverage and the highest impact in its list. */
export interface TermInput {
  cursor: PostingList;
  mass: number;
  maxImpact: number;
}

/** "Ranks below": a lower score, or the same score and a higher doc id (ties go to the lower id). */
const below = (sa: number, da: number, sb: number, db: number): boolean => sa < sb || (sa === sb && da > db);

/** The best `size` docs by score in a min-heap on rank; ties to the lower doc id, as the exhaustive search gave. */
export class TopK {
  private readonly docs: Uint32Array;
  private readonly scores: Float64Array;
  private readonly masses: Float64Array;
  private filled = 0;

  constructor(private readonly size: number) {
    this.docs = new Uint32Array(size);
    this.scores = new Float64Array(size);
    this.masses = new Float64Array(size);
  }

  get full(): boolean {
    return this.filled === this.size;
  }

  /** The lowest score held: once full, a doc must beat it to enter. */
  get min(): number {
    return this.scores[0] as number;
  }

  offer(doc: number, score: number, mass: number): void {
    const { docs, scores, masses } = this;
    let i: number;
    if (this.filled < this.size) {
      i = this.filled++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!below(score, doc, scores[parent] as number, docs[parent] as number)) break;
        docs[i] = docs[parent] as number;
        scores[i] = scores[parent] as number;
        masses[i] = masses[parent] as number;
        i = parent;
      }
    } else {
      if (this.size === 0 || !below(scores[0] as number, docs[0] as number, score, doc)) return;
      i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = -1;
        let ms = score;
        let md = doc;
        if (l < this.filled && below(scores[l] as number, docs[l] as number, ms, md)) {
          m = l;
          ms = scores[l] as number;
          md = docs[l] as number;
        }
        if (r < this.filled && below(scores[r] as number, docs[r] as number, ms, md)) m = r;
        if (m < 0) break;
        docs[i] = docs[m] as number;
        scores[i] = scores[m] as number;
        masses[i] = masses[m] as number;
        i = m;
      }
    }
    docs[i] = doc;
    scores[i] = score;
    masses[i] = mass;
  }

  /** Best first. */
  sorted(): ScoredDoc[] {
    const out: ScoredDoc[] = [];
    for (let i = 0; i < this.filled; i++) out.push({ doc: this.docs[i] as number, score: this.scores[i] as number, mass: this.masses[i] as number });
    return out.sort((a, b) => b.score - a.score || a.doc - b.doc);
  }
}

/**
 * Scores every posting of every term (term at a time): the reference the pruned search must equal,
 * and what it replaced. Allocates per-passage arrays; for tests and benchmarks. `done` is called after
 * each term (whose postings are not read again).
 */
export function exhaustiveTopK(terms: readonly TermInput[], n: number, depth: number, done: () => void = () => {}, allowed?: Uint8Array): ScoredDoc[] {
  const acc = new Float32Array(n);
  const mass = new Float64Array(n);
  const touched: number[] = [];
  for (const term of terms) {
    term.cursor.forEach((d, impact) => {
      if (impact === 0 || d >= n) return;
      const before = acc[d] as number;
      if (before === 0) touched.push(d);
      acc[d] = before + impact;
      mass[d] = (mass[d] as number) + term.mass;
    });
    done();
  }
  const top = new TopK(depth);
  for (const d of touched) if (allowed === undefined || allowed[d] === 1) top.offer(d, acc[d] as number, mass[d] as number);
  return top.sorted();
}

/** Docs per window of the whole-list phase: its partial sums (a Float64Array) stay in the CPU cache. */
export const WINDOW = 1 << 15;
/** The first batch of whole lists holds about this many postings per result; each next batch twice as many. */
const FIRST_BATCH_PER_RESULT = 16;
/**
 * A query with at most this many postings in all, or over a corpus that fits one window, is summed
 * whole: pruning would not pay for its bookkeeping (docs/benchmarks.md, keyword latency).
 */
export const WHOLE_QUERY_POSTINGS = 1 << 17;

/** Buffers of the pruned search, reused by every query: one window, and candidates as the largest query's. */
export class TopKScratch {
  readonly acc = new Float64Array(WINDOW);
  readonly seen = new Int32Array(WINDOW / 32);
  readonly score = new Float32Array(WINDOW);
  docs = new Uint32Array(0);
  scores = new Float64Array(0);
  private spareDocs = new Uint32Array(0);
  private spareScores = new Float64Array(0);

  /** Candidate arrays (the current pair and a spare one for merges) with room for `size`, contents kept. */
  room(size: number): void {
    if (this.docs.length >= size) return;
    const length = Math.max(size, 2 * this.docs.length);
    const docs = new Uint32Array(length);
    const scores = new Float64Array(length);
    docs.set(this.docs);
    scores.set(this.scores);
    this.docs = docs;
    this.scores = scores;
    this.spareDocs = new Uint32Array(length);
    this.spareScores = new Float64Array(length);
  }

  /** The spare pair, to merge into; `swap` makes it current. */
  spare(): { docs: Uint32Array; scores: Float64Array } {
    return { docs: this.spareDocs, scores: this.spareScores };
  }

  swap(): void {
    [this.docs, this.spareDocs] = [this.spareDocs, this.docs];
    [this.scores, this.spareScores] = [this.spareScores, this.scores];
  }

  /** Zeroes the window, which a search leaves zeroed unless it failed half way (a read failed). */
  clean(): void {
    this.acc.fill(0);
    this.seen.fill(0);
    this.score.fill(0);
  }

  /** Lets go of candidate arrays longer than `length` (grown by one huge query). */
  release(length: number): void {
    if (this.docs.length > length) {
      this.docs = this.spareDocs = new Uint32Array(0);
      this.scores = this.spareScores = new Float64Array(0);
    }
  }
}

/** The `depth`-th largest of values[0..count-1] (0 when there are fewer), with a min-heap of that size. */
function kthLargest(values: Float64Array, count: number, depth: number, heap: Float64Array): number {
  if (count < depth) return 0;
  let filled = 0;
  for (let i = 0; i < count; i++) {
    const v = values[i] as number;
    if (filled < depth) {
      let j = filled++;
      while (j > 0 && (heap[(j - 1) >> 1] as number) > v) {
        heap[j] = heap[(j - 1) >> 1] as number;
        j = (j - 1) >> 1;
      }
      heap[j] = v;
    } else if (v > (heap[0] as number)) {
      let j = 0;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= depth) break;
        const c = l + 1 < depth && (heap[l + 1] as number) < (heap[l] as number) ? l + 1 : l;
        if ((heap[c] as number) >= v) break;
        heap[j] = heap[c] as number;
        j = c;
      }
      heap[j] = v;
    }
  }
  return heap[0] as number;
}

/**
 * The best `depth` docs, exactly as `exhaustiveTopK` ranks them.
 *
 * Terms go strongest first (highest impact: the rare terms, short lists). While the terms still to
 * come could together lift a passage that no list has touched yet into the top `depth`, lists are
 * summed whole (in batches, window by window) into candidates: the docs touched so far, in doc order,
 * with their partial scores. The k-th best partial score bounds the k-th best score from below, and is
 * raised after each batch. Once the terms still to come cannot lift an untouched passage that far,
 * each remaining list is only added to the candidates (walked against them when it is shorter, else
 * probed at each, skipping blocks whose highest impact cannot help), and after each list a candidate
 * whose partial score plus everything still to come cannot reach the bound is dropped. The few that
 * remain are scored exactly, in query-term order.
 *
 * With `allowed` (a byte per doc, 1 allowed), a doc it does not allow never becomes a candidate: the
 * bound is then the k-th best allowed partial score, so the top is exactly the allowed docs' top.
 */
export function prunedTopK(terms: readonly TermInput[], n: number, depth: number, scratch: TopKScratch, allowed?: Uint8Array): ScoredDoc[] {
  const m = terms.length;
  if (m === 0 || depth === 0 || n === 0) return [];
  const order = terms.map((_, j) => j).sort((a, b) => (terms[b] as TermInput).maxImpact - (terms[a] as TermInput).maxImpact);
  // Bounds are float64 sums of float32 impacts in any order, while a score is a float32 sum in query
  // order: each can be off from the exact sum by one rounding per term. A bound rules a passage out
  // only below a lower bound of the k-th best partial sum divided by slack twice (once for each side).
  const slack = 1 + (m + 2) * 2 ** -23;
  const heap = new Float64Array(depth);
  let rest = 0;
  let postings = 0;
  for (const t of terms) {
    rest += t.maxImpact;
    postings += t.cursor.df;
  }
  if (postings <= WHOLE_QUERY_POSTINGS || n <= WINDOW) return wholeTopK(terms, n, depth, scratch, allowed);
  let cut = 0;
  let i = 0;
  let live = 0;
  let limit = FIRST_BATCH_PER_RESULT * depth;
  while (i < m && (i === 0 || rest >= cut)) {
    const batch: PostingList[] = [];
    let size = 0;
    do {
      const term = terms[order[i++] as number] as TermInput;
      batch.push(term.cursor);
      size += term.cursor.df;
      rest -= term.maxImpact;
    } while (i < m && rest >= cut && size < limit);
    limit *= 2;
    live = addLists(batch, n, live, scratch, allowed);
    cut = Math.max(cut, kthLargest(scratch.scores, live, depth, heap) / slack / slack);
  }
  // Only docs these lists hold can still make the top: they are the candidates from here on.
  const { docs, scores } = scratch;
  live = compact(docs, scores, live, rest, cut);
  for (; i < m && live > 0; i++) {
    const term = terms[order[i] as number] as TermInput;
    rest -= term.maxImpact;
    term.cursor.addTo(docs, scores, live, rest, cut);
    cut = Math.max(cut, kthLargest(scores, live, depth, heap) / slack / slack);
    live = compact(docs, scores, live, rest, cut);
  }
  const top = new TopK(depth);
  const cursors = terms.map((t) => t.cursor);
  for (const cursor of cursors) cursor.rewind();
  for (let c = 0; c < live; c++) {
    const d = docs[c] as number;
    let score = 0;
    let mass = 0;
    for (let j = 0; j < m; j++) {
      const cursor = cursors[j] as PostingList;
      const impact = cursor.impactOf(d);
      if (impact === 0) continue;
      score = Math.fround(score + impact);
      mass += (terms[j] as TermInput).mass;
    }
    top.offer(d, score, mass);
  }
  return top.sorted();
}

/**
 * `exhaustiveTopK` window by window: every posting is summed, in float32 and in query-term order as a
 * score is, so no doc needs scoring again. For queries with few postings in all, where pruning does not pay.
 */
function wholeTopK(terms: readonly TermInput[], n: number, depth: number, scratch: TopKScratch, allowed: Uint8Array | undefined): ScoredDoc[] {
  const { score, acc: masses, seen } = scratch;
  for (const { cursor } of terms) {
    cursor.loadAll();
    cursor.rewind();
  }
  const top = new TopK(depth);
  for (let ws = 0; ws < n; ws += WINDOW) {
    const we = Math.min(n, ws + WINDOW);
    for (const { cursor, mass } of terms) cursor.addWindowExact(ws, we, score, masses, seen, mass);
    offerWindow(top, ws, we, scratch, allowed);
  }
  return top.sorted();
}

/** Offers the docs of window ws..we-1 the lists touched to `top`, and zeroes the window's sums for the next. */
function offerWindow(top: TopK, ws: number, we: number, scratch: TopKScratch, allowed: Uint8Array | undefined): void {
  const { score, acc: masses, seen } = scratch;
  const words = (we - ws + 31) >>> 5;
  for (let word = 0; word < words; word++) {
    let bits = seen[word] as number;
    if (bits === 0) continue;
    seen[word] = 0;
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const x = (word << 5) | (31 - Math.clz32(low));
      // Most docs rank below a full top: rejected here without a call.
      if ((!top.full || (score[x] as number) >= top.min) && (allowed === undefined || allowed[ws + x] === 1)) {
        top.offer(ws + x, score[x] as number, masses[x] as number);
      }
      score[x] = 0;
      masses[x] = 0;
    }
  }
}

/** Keeps the candidates that are alive (score > 0; -1 marks a dropped one) and can still reach `cut`. */
function compact(docs: Uint32Array, scores: Float64Array, live: number, rest: number, cut: number): number {
  let kept = 0;
  for (let c = 0; c < live; c++) {
    const s = scores[c] as number;
    if (s > 0 && s + rest >= cut) {
      docs[kept] = docs[c] as number;
      scores[kept++] = s;
    }
  }
  return kept;
}

/**
 * Sums `lists` whole, window by window, into the candidates (scratch.docs/scores[0..live-1], in doc
 * order): docs already there gain their impacts, docs new to them join. Returns the new count.
 */
function addLists(lists: readonly PostingList[], n: number, live: number, scratch: TopKScratch, allowed: Uint8Array | undefined): number {
  let postings = 0;
  for (const list of lists) {
    list.loadAll();
    list.rewind();
    postings += list.df;
  }
  scratch.room(live + postings);
  const { acc, seen, docs: old, scores: oldScores } = scratch;
  const { docs: out, scores: outScores } = scratch.spare();
  let o = 0;
  let c = 0;
  for (let ws = 0; ws < n; ws += WINDOW) {
    const we = Math.min(n, ws + WINDOW);
    for (const list of lists) list.addWindow(ws, we, acc, seen);
    // This window's sums, merged in doc order with the candidates already in it.
    const words = (we - ws + 31) >>> 5;
    for (let word = 0; word < words; word++) {
      let bits = seen[word] as number;
      if (bits === 0) continue;
      seen[word] = 0;
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const x = (word << 5) | (31 - Math.clz32(low));
        const d = ws + x;
        while (c < live && (old[c] as number) < d) {
          out[o] = old[c] as number;
          outScores[o++] = oldScores[c++] as number;
        }
        let s = acc[x] as number;
        acc[x] = 0;
        // Candidates already held were allowed when they joined.
        if (c < live && old[c] === d) s += oldScores[c++] as number;
        else if (allowed !== undefined && allowed[d] !== 1) continue;
        out[o] = d;
        outScores[o++] = s;
      }
    }
  }
  while (c < live) {
    out[o] = old[c] as number;
    outScores[o++] = oldScores[c++] as number;
  }
  scratch.swap();
  return o;
}
