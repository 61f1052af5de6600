/**
 * The on-disk layout of one term's postings and a cursor that reads them block by block.
 *
 * A term's segment is `lastDoc u32[blocks] | maxImpact f32[blocks] | block 0 | block 1 | ...`, each block
 * `docs u32[c] | impacts f32[c] | body u8[c]` with c = BLOCK postings (fewer in the last). The small
 * per-block summary lets a search find the block that may hold a doc, and bound its impact there,
 * without reading the list; interleaving each block's docs, impacts and flags makes any run of
 * blocks one contiguous read.
 */
import type { Source } from './source.js';

const BLOCK = 128;
/** Bytes of one full block. */
const BLOCK_BYTES = 9 * BLOCK;
/** A doc id above every real one: what a cursor past its last posting is at. */
const NO_DOC = 0xffffffff;
/** Segments up to this size are read whole with their summary on first use: one read instead of two or more. */
const WHOLE_SEGMENT_BYTES = 16 * 1024;
/**
 * A read costs about as much as copying a few KB from the page cache (measured: ~3 us a call, ~0.5 us
 * a KB), so needed blocks separated by less than this are read in one go, the gap included.
 */
const READ_GAP_BYTES = 4 * 1024;
/**
 * A list is walked whole against the candidates, rather than probed at each, while it has at most this
 * many postings per candidate: a probe (two searches and often a read) costs as much as reading and
 * merging a few dozen postings.
 */
const SCAN_PER_CANDIDATE = 16;

export const blockCount = (df: number): number => Math.ceil(df / BLOCK);
export const segmentBytes = (df: number): number => 8 * blockCount(df) + 9 * df;

/**
 * Writes one term's segment (postings in doc order) at `at`; returns its size. Assembled in `scratch`
 * (aligned, reused for every term: `at` may be anywhere in the output, and a fresh buffer per term
 * was most of laying out an index of 70k terms, nearly all of them a few postings long).
 */
export function writeSegment(out: Uint8Array, at: number, docs: Uint32Array, impacts: Float32Array, body: Uint8Array, scratch: SegmentScratch): number {
  const df = docs.length;
  const nb = blockCount(df);
  const size = segmentBytes(df);
  const { bytes, u32, f32 } = scratch.room(size);
  for (let b = 0; b < nb; b++) {
    const from = b * BLOCK;
    const to = Math.min(df, from + BLOCK);
    const c = to - from;
    const word = 2 * nb + (9 * from) / 4;
    const impactWord = word + c;
    const bodyByte = 4 * word + 8 * c;
    let max = 0;
    for (let i = 0; i < c; i++) {
      const impact = impacts[from + i] as number;
      if (impact > max) max = impact;
      u32[word + i] = docs[from + i] as number;
      f32[impactWord + i] = impact;
      bytes[bodyByte + i] = body[from + i] as number;
    }
    u32[b] = docs[to - 1] as number;
    f32[nb + b] = max;
  }
  out.set(bytes.subarray(0, size), at);
  return size;
}

/** The buffer `writeSegment` assembles segments in, grown to the longest one written. */
export class SegmentScratch {
  bytes = new Uint8Array(0);
  u32 = new Uint32Array(0);
  f32 = new Float32Array(0);

  room(size: number): this {
    if (this.bytes.byteLength < size + 3) {
      const buffer = new ArrayBuffer(Math.max(size + 3, 2 * this.bytes.byteLength, 4096) & ~3);
      this.bytes = new Uint8Array(buffer);
      this.u32 = new Uint32Array(buffer);
      this.f32 = new Float32Array(buffer);
    }
    return this;
  }
}

/**
 * Bytes read for one query, shared by its cursors and kept between queries (so a query does not pay
 * for fresh pages). Offsets into it stay valid when it grows; views must be re-read after `alloc`.
 */
export class Arena {
  bytes: Uint8Array = new Uint8Array(0);
  u32: Uint32Array = new Uint32Array(0);
  f32: Float32Array = new Float32Array(0);
  private used = 0;

  /** Room for `size` bytes; returns its (4-aligned) offset. */
  alloc(size: number): number {
    const at = this.used;
    const need = at + Math.ceil(size / 4) * 4;
    if (need > this.bytes.byteLength) {
      // Not zero-filled: a query only reads arena bytes it has read from the source first.
      const next = Buffer.allocUnsafeSlow(Math.max(need, 2 * this.bytes.byteLength, 1 << 16));
      next.set(this.bytes.subarray(0, at));
      this.bytes = next;
      this.u32 = new Uint32Array(next.buffer, 0, next.byteLength >> 2);
      this.f32 = new Float32Array(next.buffer, 0, next.byteLength >> 2);
    }
    this.used = need;
    return at;
  }

  /** Forgets the last query's bytes; lets go of the buffer when it grew past `keep` bytes. */
  reset(keep: number): void {
    this.used = 0;
    if (this.bytes.byteLength > keep) {
      this.bytes = new Uint8Array(0);
      this.u32 = new Uint32Array(0);
      this.f32 = new Float32Array(0);
    }
  }
}

/**
 * Reader of one term's postings for one query. Blocks are read on first use and kept (in the query's
 * arena) for the rest of the query, so a list can be walked more than once without reading anything
 * twice: a search passes over candidates list by list, then once more to score the survivors.
 */
export class PostingCursor {
  private source!: Source;
  private arena!: Arena;
  private at = 0;
  df = 0;
  blocks = 0;
  /** Word offset in the arena of the summary: last doc u32[blocks], then highest impact f32[blocks]. */
  private meta = 0;
  /** Byte offset in the arena of each block read so far, -1 for the others. */
  private slot: Int32Array = new Int32Array(0);
  /** Where the last `seek` stopped: block, and posting within it. */
  private blk = 0;
  private pos = 0;

  /** Points the cursor at the segment of `df` postings at byte `at` of `source`; reads nothing yet. */
  reset(source: Source, arena: Arena, at: number, df: number): void {
    this.source = source;
    this.arena = arena;
    this.at = at;
    this.df = df;
    this.blocks = blockCount(df);
    this.blk = 0;
    this.pos = 0;
    this.meta = -1;
  }

  /** Reads the block summary, and the whole segment with it when it is short. */
  private summary(): void {
    const nb = this.blocks;
    if (this.slot.length < nb) this.slot = new Int32Array(Math.max(nb, 2 * this.slot.length));
    if (segmentBytes(this.df) <= WHOLE_SEGMENT_BYTES) return this.whole();
    const offset = this.arena.alloc(8 * nb);
    this.source.readInto(this.arena.bytes, this.at, 8 * nb, offset);
    this.meta = offset >> 2;
    this.slot.fill(-1, 0, nb);
  }

  /** Reads the whole segment, summary and blocks, in one read. */
  private whole(): void {
    const nb = this.blocks;
    if (this.slot.length < nb) this.slot = new Int32Array(Math.max(nb, 2 * this.slot.length));
    const size = segmentBytes(this.df);
    const offset = this.arena.alloc(size);
    this.source.readInto(this.arena.bytes, this.at, size, offset);
    this.meta = offset >> 2;
    for (let b = 0; b < nb; b++) this.slot[b] = offset + 8 * nb + BLOCK_BYTES * b;
  }

  /** Size of the whole segment. */
  get bytes(): number {
    return segmentBytes(this.df);
  }

  /** Lets go of the block table when it grew past `entries` (one huge list). */
  trim(entries: number): void {
    if (this.slot.length > entries) this.slot = new Int32Array(0);
    this.blocks = 0;
  }

  /** The highest impact in block b. */
  private blockMax(b: number): number {
    return this.arena.f32[this.meta + this.blocks + b] as number;
  }

  private blockStart(b: number): number {
    return 8 * this.blocks + BLOCK_BYTES * b;
  }

  private blockEnd(b: number): number {
    return b === this.blocks - 1 ? segmentBytes(this.df) : 8 * this.blocks + BLOCK_BYTES * (b + 1);
  }

  /** Reads blocks a..e-1 in one read (blocks among them read before are replaced by the fresh copy). */
  private loadRange(a: number, e: number): void {
    const from = this.blockStart(a);
    const to = this.blockEnd(e - 1);
    const offset = this.arena.alloc(to - from);
    this.source.readInto(this.arena.bytes, this.at + from, to - from, offset);
    for (let b = a; b < e; b++) this.slot[b] = offset + this.blockStart(b) - from;
  }

  /** Reads every block not read yet, a run of them at a time (the whole segment at once if nothing was read). */
  loadAll(): void {
    if (this.meta < 0) return this.whole();
    const nb = this.blocks;
    for (let b = 0; b < nb; ) {
      if (this.slot[b]! >= 0) {
        b++;
        continue;
      }
      let e = b + 1;
      while (e < nb && this.slot[e]! < 0) e++;
      this.loadRange(b, e);
      b = e;
    }
  }

  private count(b: number): number {
    return b < this.blocks - 1 ? BLOCK : this.df - (this.blocks - 1) * BLOCK;
  }

  /** Back to the start, for another pass in doc order. */
  rewind(): void {
    this.blk = 0;
    this.pos = 0;
  }

  /** Moves to the first block that can hold `d` (its last doc >= d); `blocks` when none can. */
  private findBlock(d: number): number {
    if (this.meta < 0) this.summary();
    const u32 = this.arena.u32;
    const meta = this.meta;
    const nb = this.blocks;
    const b = this.blk;
    if (b >= nb || (u32[meta + b] as number) >= d) return b;
    // Gallop, then binary search: probes into a long list jump far, scans move one block.
    let lo = b;
    let hi = b + 1;
    let step = 1;
    while (hi < nb && (u32[meta + hi] as number) < d) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    if (hi > nb) hi = nb;
    // lastDoc[lo] < d, and lastDoc[hi] >= d or hi === nb.
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((u32[meta + mid] as number) < d) lo = mid;
      else hi = mid;
    }
    this.blk = hi;
    this.pos = 0;
    return hi;
  }

  /** The highest impact `d` could have here, from the summary alone (no read); moves to d's block. */
  maxAt(d: number): number {
    const b = this.findBlock(d);
    return b < this.blocks ? this.blockMax(b) : 0;
  }

  /** Moves to the first posting with doc >= d (never back: see `rewind`) and returns its doc, or NO_DOC. */
  seek(d: number): number {
    for (;;) {
      const b = this.findBlock(d);
      if (b >= this.blocks) return NO_DOC;
      if (this.slot[b]! < 0) this.loadRange(b, b + 1);
      const u32 = this.arena.u32;
      const w = this.slot[b]! >> 2;
      const c = this.count(b);
      let lo = this.pos;
      if ((u32[w + lo] as number) >= d) return u32[w + lo] as number;
      // docs[lo] < d <= docs[c - 1] unless the file is damaged (then the next block is tried).
      let hi = c;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if ((u32[w + mid] as number) < d) lo = mid;
        else hi = mid;
      }
      if (hi < c) {
        this.pos = hi;
        return u32[w + hi] as number;
      }
      this.blk = b + 1;
      this.pos = 0;
    }
  }

  /** Impact of the posting `seek` stopped at. */
  impact(): number {
    return this.arena.f32[(this.slot[this.blk]! >> 2) + this.count(this.blk) + this.pos] as number;
  }

  /** Body flag of the posting `seek` stopped at: 1 when the term is in the passage's body. */
  body(): number {
    return this.arena.bytes[this.slot[this.blk]! + 8 * this.count(this.blk) + this.pos] as number;
  }

  /** The impact of `d` in this list, 0 when it has none (seeks: never back). */
  impactOf(d: number): number {
    return this.maxAt(d) > 0 && this.seek(d) === d ? this.impact() : 0;
  }

  /** The block that can hold `d`, searching from block `from` without moving the cursor. */
  private blockOf(d: number, from: number): number {
    const u32 = this.arena.u32;
    const meta = this.meta;
    let lo = from - 1;
    let hi = this.blocks;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((u32[meta + mid] as number) < d) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /**
   * Adds the impact of each posting in docs ws..we-1 to acc[doc - ws] and sets bit doc - ws of `seen`,
   * continuing from where the last call stopped (windows come in doc order, after `loadAll` and
   * `rewind`). Zero impacts (a weight-0 channel) are left out: they would make a candidate of nothing.
   */
  addWindow(ws: number, we: number, acc: Float64Array, seen: Int32Array): void {
    const { u32, f32 } = this.arena;
    const slot = this.slot;
    let b = this.blk;
    let p = this.pos;
    for (; b < this.blocks; b++, p = 0) {
      const w = slot[b]! >> 2;
      const c = this.count(b);
      for (; p < c; p++) {
        const d = u32[w + p] as number;
        if (d >= we) {
          this.blk = b;
          this.pos = p;
          return;
        }
        const impact = f32[w + c + p] as number;
        if (impact === 0 || d < ws) continue;
        const x = d - ws;
        acc[x] = (acc[x] as number) + impact;
        seen[x >>> 5] = (seen[x >>> 5] as number) | (1 << (x & 31));
      }
    }
    this.blk = b;
    this.pos = 0;
  }

  /**
   * Like `addWindow`, but adds in float32 (acc[x] = fround(acc[x] + impact), as a search sums a score)
   * and adds the term's coverage mass next to it: `mass` for a body match, `headingMass` for a
   * heading-only one.
   */
  addWindowExact(ws: number, we: number, acc: Float32Array, masses: Float64Array, seen: Int32Array, mass: number, headingMass: number): void {
    const { u32, f32, bytes } = this.arena;
    const slot = this.slot;
    let b = this.blk;
    let p = this.pos;
    for (; b < this.blocks; b++, p = 0) {
      const w = slot[b]! >> 2;
      const c = this.count(b);
      for (; p < c; p++) {
        const d = u32[w + p] as number;
        if (d >= we) {
          this.blk = b;
          this.pos = p;
          return;
        }
        const impact = f32[w + c + p] as number;
        if (impact === 0 || d < ws) continue;
        const x = d - ws;
        acc[x] = (acc[x] as number) + impact;
        masses[x] = (masses[x] as number) + (mass === headingMass || bytes[4 * w + 8 * c + p] === 1 ? mass : headingMass);
        seen[x >>> 5] = (seen[x >>> 5] as number) | (1 << (x & 31));
      }
    }
    this.blk = b;
    this.pos = 0;
  }

  /**
   * Adds this term's impact to the score of each live candidate (`docs` ascending, `scores` > 0). A
   * candidate whose score plus this block's highest impact plus `restAfter` (the bound of the terms
   * still to come) stays below `cut` is marked dead (-1) without reading its block. A list short for
   * the number of candidates is walked posting by posting against them; a long one is probed at each
   * candidate, its blocks read only where candidates fall, several at once when they are close together.
   */
  addTo(docs: Uint32Array, scores: Float64Array, count: number, restAfter: number, cut: number): void {
    if (count === 0 || this.blocks === 0) return;
    this.rewind();
    if (this.df <= SCAN_PER_CANDIDATE * count) {
      this.loadAll();
      const { u32, f32 } = this.arena;
      let i = 0;
      let want = docs[0] as number;
      for (let b = 0; b < this.blocks; b++) {
        const w = this.slot[b]! >> 2;
        const c = this.count(b);
        for (let p = 0; p < c; p++) {
          const d = u32[w + p] as number;
          if (d < want) continue;
          while (want < d) {
            // Gallop: candidates between postings are skipped in a few steps.
            let step = 1;
            let lo = i;
            let hi = i + 1;
            while (hi < count && (docs[hi] as number) < d) {
              lo = hi;
              step *= 2;
              hi = lo + step;
            }
            if (hi > count) hi = count;
            while (hi - lo > 1) {
              const mid = (lo + hi) >>> 1;
              if ((docs[mid] as number) < d) lo = mid;
              else hi = mid;
            }
            i = hi;
            if (i >= count) return;
            want = docs[i] as number;
          }
          if (d === want) {
            const s = scores[i] as number;
            if (s > 0) scores[i] = s + (f32[w + c + p] as number);
          }
        }
      }
      return;
    }
    if (this.meta < 0) this.summary();
    const slot = this.slot;
    for (let i = 0; i < count; i++) {
      const s = scores[i] as number;
      if (!(s > 0)) continue;
      const d = docs[i] as number;
      const b = this.findBlock(d);
      if (b >= this.blocks) break;
      const max = this.blockMax(b);
      if (s + max + restAfter < cut) {
        scores[i] = -1;
        continue;
      }
      if (max === 0) continue;
      if (slot[b]! < 0) {
        // One read for this block and those the next candidates fall in, while the gaps are short.
        let e = b + 1;
        for (let j = i + 1; j < count; j++) {
          const bj = this.blockOf(docs[j] as number, e - 1);
          if (bj >= this.blocks || this.blockStart(bj) - this.blockEnd(e - 1) > READ_GAP_BYTES) break;
          e = bj + 1;
        }
        while (e > b + 1 && slot[e - 1]! >= 0) e--;
        this.loadRange(b, e);
      }
      if (this.seek(d) === d) scores[i] = s + this.impact();
    }
  }

  /** Calls `each` for every posting (reads the whole list: for reference searches). */
  forEach(each: (doc: number, impact: number, body: number) => void): void {
    this.loadAll();
    const { u32, f32, bytes } = this.arena;
    for (let b = 0; b < this.blocks; b++) {
      const w = this.slot[b]! >> 2;
      const c = this.count(b);
      for (let p = 0; p < c; p++) each(u32[w + p] as number, f32[w + c + p] as number, bytes[4 * w + 8 * c + p] as number);
    }
  }
}
