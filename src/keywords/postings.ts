/**
 * The on-disk layout of one term's postings and a cursor that reads them block by block.
 *
 * A term's segment is `lastDoc u32[blocks] | maxImpact f32[blocks] | end u32[blocks] | block 0 | block 1 | ...`
 * (end: where each block's bytes stop, counted from block 0), each block `width u8 | gaps | impacts`
 * for c = BLOCK postings (fewer in the last): gaps are doc - previous doc - 1 (from the previous
 * block's last doc, or -1), `width` bytes each, little-endian, the block's widest gap deciding the
 * width; impacts are one byte each, the low 7 bits a step of the term's scale and the top bit set for
 * a posting of a body channel (search does not read it).
 * The small per-block summary lets a search find the block that may hold a doc, and bound its impact
 * there, without reading the list; blocks are stored back to back, so any run of them is one read.
 *
 * Compressed because the keyword index would otherwise be most of kiji's disk and a question would
 * read several times more bytes from the page cache; decoding costs about what the smaller reads save
 * (docs/architecture.md). A block is decoded into the arena as plain arrays when first used, so the
 * loops that walk postings read plain arrays.
 */
import { corruptFile, type Source } from '../binary-file.js';

/** A damaged keyword index: what every check of keywords.bin throws. */
export function fail(message: string): never {
  throw corruptFile('keywords.bin', `is unreadable: ${message}`);
}

const BLOCK = 128;
/** Summary bytes per block: last doc, highest impact, end of its bytes. */
const SUMMARY_BYTES = 12;
/** Bytes of one decoded block in the arena: docs u32[c] | impacts f32[c]. */
const DECODED_BYTES = 8;
/**
 * Impacts are kept as this many steps of the term's highest impact: within a step of it, below what
 * separates passages in practice (Lucene keeps length norms in 8 bits); finer steps gave the same
 * JSQuAD answers (docs/retrieval-quality.md).
 */
const IMPACT_STEPS = 0x7f;
const BODY_BIT = 0x80;
/** Bytes of one stored impact (its steps and the body bit). */
const IMPACT_BYTES = 1;
/** A doc id above every real one: what a cursor past its last posting is at. */
const NO_DOC = 0xffffffff;
/** Segments up to this size are read whole with their summary on first use: one read instead of two or more. */
const WHOLE_SEGMENT_BYTES = 16 * 1024;
/**
 * A read costs about as much as copying a few KB from the page cache, so needed blocks separated by
 * less than this are read in one go, the gap included.
 */
const READ_GAP_BYTES = 4 * 1024;
/**
 * A list is walked whole against the candidates, rather than probed at each, while it has at most this
 * many postings per candidate: a probe (two searches and often a read) costs as much as reading and
 * merging a few dozen postings.
 */
const SCAN_PER_CANDIDATE = 16;

export const blockCount = (df: number): number => Math.ceil(df / BLOCK);

/** Bytes per gap for a block whose widest gap is `gap`. */
const gapWidth = (gap: number): number => (gap < 0x100 ? 1 : gap < 0x10000 ? 2 : gap < 0x1000000 ? 3 : 4);

/** Smallest and largest segment a list of `df` postings can take: every gap 1 byte, or 4. */
export const segmentBytesRange = (df: number): [number, number] => {
  const blocks = blockCount(df);
  return [(SUMMARY_BYTES + 1) * blocks + (1 + IMPACT_BYTES) * df, (SUMMARY_BYTES + 1) * blocks + (4 + IMPACT_BYTES) * df];
};

/** The scale a term's impacts are stored in: its highest impact is IMPACT_STEPS steps. */
export const impactScale = (maxImpact: number): number => Math.fround(maxImpact / IMPACT_STEPS);

/** Steps of `scale` that store `impact`: never 0 for an impact above 0 (which would drop the posting). */
const stepsOf = (impact: number, scale: number): number => (impact > 0 ? Math.min(IMPACT_STEPS, Math.max(1, Math.round(impact / scale))) : 0);

/** An impact as a search reads it back. Monotonic in `impact`, so a list's highest stays its highest. */
export const storedImpact = (impact: number, scale: number): number => Math.fround(stepsOf(impact, scale) * scale);

/** Bytes per gap in the block of docs[from..to-1], which follows doc `previous` (-1 for the first block). */
function blockGapWidth(docs: Uint32Array, from: number, to: number, previous: number): number {
  let widest = 0;
  for (let i = from; i < to; i++) {
    const d = docs[i] as number;
    if (d - previous - 1 > widest) widest = d - previous - 1;
    previous = d;
  }
  return gapWidth(widest);
}

/** Size of the segment `writeSegment` writes for these postings (docs ascending, no repeats). */
export function segmentSize(docs: Uint32Array): number {
  const df = docs.length;
  let size = SUMMARY_BYTES * blockCount(df);
  for (let from = 0; from < df; from += BLOCK) {
    const to = Math.min(df, from + BLOCK);
    size += 1 + (to - from) * (blockGapWidth(docs, from, to, from === 0 ? -1 : (docs[from - 1] as number)) + IMPACT_BYTES);
  }
  return size;
}

/**
 * Writes one term's segment (postings in doc order, no doc twice) at `at` of `out` (`view` over the
 * same bytes); returns its size. Impacts go in steps of `scale` (impactScale of the list's highest).
 */
export function writeSegment(out: Uint8Array, view: DataView, at: number, docs: Uint32Array, impacts: Float32Array, body: Uint8Array, scale: number): number {
  const df = docs.length;
  const nb = blockCount(df);
  let pos = at + SUMMARY_BYTES * nb;
  let previous = -1;
  for (let b = 0; b < nb; b++) {
    const from = b * BLOCK;
    const to = Math.min(df, from + BLOCK);
    const width = blockGapWidth(docs, from, to, previous);
    out[pos++] = width;
    for (let i = from; i < to; i++) {
      let gap = (docs[i] as number) - previous - 1;
      previous = docs[i] as number;
      for (let byte = 0; byte < width; byte++, gap = Math.floor(gap / 256)) out[pos++] = gap & 0xff;
    }
    let max = 0;
    for (let i = from; i < to; i++) {
      const steps = stepsOf(impacts[i] as number, scale);
      if (steps > max) max = steps;
      const stored = steps | (body[i] === 1 ? BODY_BIT : 0);
      out[pos++] = stored;
    }
    view.setUint32(at + 4 * b, previous, true);
    view.setFloat32(at + 4 * (nb + b), Math.fround(max * scale), true);
    view.setUint32(at + 4 * (2 * nb + b), pos - at - SUMMARY_BYTES * nb, true);
  }
  return pos - at;
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
 * What a top-k search reads of one query term's postings (`top-k.ts`): a `PostingCursor`, or a
 * `ChainedPostings` of one term's lists in several segments searched as one index.
 */
export interface PostingList {
  readonly df: number;
  loadAll(): void;
  rewind(): void;
  addWindow(ws: number, we: number, acc: Float64Array, seen: Int32Array): void;
  addWindowExact(ws: number, we: number, acc: Float32Array, masses: Float64Array, seen: Int32Array, mass: number): void;
  addTo(docs: Uint32Array, scores: Float64Array, count: number, restAfter: number, cut: number): void;
  impactOf(d: number): number;
  forEach(each: (doc: number, impact: number) => void): void;
}

/**
 * Reader of one term's postings for one query. Blocks are read on first use and kept (in the query's
 * arena) for the rest of the query, so a list can be walked more than once without reading anything
 * twice: a search passes over candidates list by list, then once more to score the survivors.
 */
export class PostingCursor implements PostingList {
  private source!: Source;
  private arena!: Arena;
  private at = 0;
  /** Bytes of the segment, summary included. */
  private size = 0;
  /** The term's impact scale: a stored step count times this is the impact. */
  private scale = 0;
  /** What the stored block maxima are multiplied by (`reset`'s `factor`). */
  private factor = 1;
  df = 0;
  blocks = 0;
  /** Word offset in the arena of the summary: last doc u32[blocks], highest impact f32[blocks], end u32[blocks]. */
  private meta = 0;
  /**
   * Per block: its byte offset in the arena once decoded; -1 before it is read; -2 - (offset of its
   * bytes in the arena, or in `direct`) once read but not decoded (blocks read along with needed ones,
   * to save a read, are decoded only if used).
   */
  private slot: Float64Array = new Float64Array(0);
  /** The source's bytes when it is in memory: blocks are decoded straight from them, never copied. */
  private direct: Uint8Array | undefined;
  /** Where the last `seek` stopped: block, and posting within it. */
  private blk = 0;
  private pos = 0;
  /** Added to every doc of the list: its segment's first doc in a collection searched as one index. */
  private docOffset = 0;
  /** The list's docs are below this (its segment's end in that collection). */
  private docEnd = Infinity;

  /**
   * Points the cursor at the segment of `df` postings, `size` bytes at byte `at` of `source`, its
   * impacts in steps of `scale`; reads nothing yet. `factor` multiplies every impact as it is read
   * (a segment scored with its collection's IDF rather than the one it was built with), and
   * `docOffset` is added to every doc (the segment's first doc in its collection); a doc at or past
   * `docEnd` (the segment's end there) fails as a damaged index.
   */
  reset(source: Source, arena: Arena, at: number, df: number, size: number, scale: number, factor = 1, docOffset = 0, docEnd = Infinity): void {
    this.source = source;
    this.direct = source.bytes;
    this.arena = arena;
    this.at = at;
    this.size = size;
    this.scale = factor === 1 ? scale : scale * factor;
    // Rounded up by a hair: a block's bound must never fall below the impacts decoded from it.
    this.factor = factor === 1 ? 1 : factor * (1 + 1e-6);
    this.df = df;
    this.blocks = blockCount(df);
    this.blk = 0;
    this.pos = 0;
    this.meta = -1;
    this.docOffset = docOffset;
    this.docEnd = docEnd;
  }

  /** Reads the block summary, and the whole segment with it when it is short and on file. */
  private summary(): void {
    if (!this.direct && this.size <= WHOLE_SEGMENT_BYTES) return this.whole();
    const offset = this.arena.alloc(SUMMARY_BYTES * this.blocks);
    this.source.readInto(this.arena.bytes, this.at, SUMMARY_BYTES * this.blocks, offset);
    this.placed(offset);
  }

  /** Reads the whole segment from the file, summary and blocks, in one read (blocks decoded when used). */
  private whole(): void {
    const offset = this.arena.alloc(this.size);
    this.source.readInto(this.arena.bytes, this.at, this.size, offset);
    this.placed(offset);
    for (let b = 0; b < this.blocks; b++) this.slot[b] = -2 - (offset + this.blockStart(b));
  }

  /** Takes the summary at byte `offset` of the arena, checks where its blocks end, and marks every block unread. */
  private placed(offset: number): void {
    const nb = this.blocks;
    if (this.slot.length < nb) this.slot = new Float64Array(Math.max(nb, 2 * this.slot.length));
    this.meta = offset >> 2;
    this.slot.fill(-1, 0, nb);
    // The summary is the arena's copy: its last docs are moved to the collection's numbering once, here.
    const u32 = this.arena.u32;
    if (this.docOffset !== 0) for (let b = 0; b < nb; b++) u32[this.meta + b] = (u32[this.meta + b] as number) + this.docOffset;
    // Every doc is at most its block's last, which decoding checks: a list past its segment's end would
    // give its impacts to the next segment's passages.
    if (nb > 0 && (u32[this.meta + nb - 1] as number) >= this.docEnd) fail(`a posting list holds doc ${u32[this.meta + nb - 1]} past its segment's end ${this.docEnd}`);
    if (nb > 0 && this.blockEnd(nb - 1) !== this.size) fail(`a posting list's blocks end at byte ${this.blockEnd(nb - 1)} of its ${this.size}`);
  }

  /** Lets go of the block table when it grew past `entries` (one huge list). */
  trim(entries: number): void {
    if (this.slot.length > entries) this.slot = new Float64Array(0);
    this.blocks = 0;
  }

  /** The highest impact in block b. */
  private blockMax(b: number): number {
    return (this.arena.f32[this.meta + this.blocks + b] as number) * this.factor;
  }

  /** Byte offset of block b in the segment (the summary read). */
  private blockStart(b: number): number {
    return b === 0 ? SUMMARY_BYTES * this.blocks : this.blockEnd(b - 1);
  }

  private blockEnd(b: number): number {
    return SUMMARY_BYTES * this.blocks + (this.arena.u32[this.meta + 2 * this.blocks + b] as number);
  }

  /** Reads blocks a..e-1 in one read (blocks among them read before are left as they are). */
  private loadRange(a: number, e: number): void {
    const from = this.blockStart(a);
    const to = this.blockEnd(e - 1);
    if (!(from <= to && to <= this.size)) fail(`a posting list's blocks run from byte ${from} to ${to} of its ${this.size}`);
    // Bytes in memory are decoded where they are: offsets into `direct`.
    const offset = this.direct ? this.at + from : this.arena.alloc(to - from);
    if (!this.direct) this.source.readInto(this.arena.bytes, this.at + from, to - from, offset);
    for (let b = a; b < e; b++) if (this.slot[b] === -1) this.slot[b] = -2 - (offset + this.blockStart(b) - from);
  }

  /** Block b decoded (read first if need be); returns its byte offset in the arena. */
  private ready(b: number): number {
    const slot = this.slot[b] as number;
    if (slot >= 0) return slot;
    if (slot === -1) this.loadRange(b, b + 1);
    return this.decode(this.direct ?? this.arena.bytes, -2 - (this.slot[b] as number), b);
  }

  /**
   * Decodes block b from `bytes` at `at` into the arena (docs u32[c] | impacts f32[c]).
   * A block whose length or last doc disagrees with the summary fails as a damaged index.
   */
  private decode(bytes: Uint8Array, at: number, b: number): number {
    const c = this.count(b);
    const width = bytes[at] as number;
    if (!(width >= 1 && width <= 4) || this.blockEnd(b) - this.blockStart(b) !== 1 + c * (width + IMPACT_BYTES)) fail(`posting block ${b} of a list has a bad size`);
    const offset = this.arena.alloc(DECODED_BYTES * c);
    const { u32, f32 } = this.arena;
    const docs = offset >> 2;
    const meta = this.meta;
    const scale = this.scale;
    const impacts = docs + c;
    let d = b === 0 ? this.docOffset - 1 : (u32[meta + b - 1] as number);
    // Gaps at at+1, impacts after them; one pass writes each posting's doc and impact.
    let p = at + 1;
    let q = p + c * width;
    if (width === 1) {
      for (let i = 0; i < c; i++, q++) {
        u32[docs + i] = d += (bytes[p + i] as number) + 1;
        f32[impacts + i] = ((bytes[q] as number) & IMPACT_STEPS) * scale;
      }
    } else {
      for (let i = 0; i < c; i++, p += width, q++) {
        let gap = bytes[p] as number;
        for (let byte = 1; byte < width; byte++) gap += (bytes[p + byte] as number) * 2 ** (8 * byte);
        u32[docs + i] = d += gap + 1;
        f32[impacts + i] = ((bytes[q] as number) & IMPACT_STEPS) * scale;
      }
    }
    if (d !== u32[meta + b]) fail(`posting block ${b} of a list does not end at the doc its summary gives`);
    this.slot[b] = offset;
    return offset;
  }

  /**
   * Reads every block not read yet, a run of them at a time (the whole segment at once if nothing
   * was read), and decodes them.
   */
  loadAll(): void {
    // Nothing read yet: the whole segment in one read (in memory, its blocks are decoded in place).
    if (this.meta < 0) {
      if (this.direct) this.summary();
      else this.whole();
    }
    const nb = this.blocks;
    for (let b = 0; b < nb; ) {
      if (this.slot[b]! !== -1) {
        b++;
        continue;
      }
      let e = b + 1;
      while (e < nb && this.slot[e]! === -1) e++;
      this.loadRange(b, e);
      b = e;
    }
    for (let b = 0; b < nb; b++) this.ready(b);
  }

  private count(b: number): number {
    return b < this.blocks - 1 ? BLOCK : this.df - (this.blocks - 1) * BLOCK;
  }

  /** Back to the start of the list, for another pass in doc order. */
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
      const w = this.ready(b) >> 2;
      const u32 = this.arena.u32;
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
   * and adds the term's coverage mass next to it.
   */
  addWindowExact(ws: number, we: number, acc: Float32Array, masses: Float64Array, seen: Int32Array, mass: number): void {
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
        masses[x] = (masses[x] as number) + mass;
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
      for (let b = this.blk; b < this.blocks; b++) {
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
      if (slot[b]! === -1) {
        // One read for this block and those the next candidates fall in, while the gaps are short.
        let e = b + 1;
        for (let j = i + 1; j < count; j++) {
          const bj = this.blockOf(docs[j] as number, e - 1);
          if (bj >= this.blocks || this.blockStart(bj) - this.blockEnd(e - 1) > READ_GAP_BYTES) break;
          e = bj + 1;
        }
        while (e > b + 1 && slot[e - 1]! !== -1) e--;
        this.loadRange(b, e);
      }
      if (this.seek(d) === d) scores[i] = s + this.impact();
    }
  }

  /** The whole list decoded into arrays of its own: docs, and impacts as `impact()` reads them. */
  toArrays(): { docs: Uint32Array; impacts: Float32Array } {
    this.loadAll();
    const { u32, f32 } = this.arena;
    const docs = new Uint32Array(this.df);
    const impacts = new Float32Array(this.df);
    for (let b = 0, o = 0; b < this.blocks; b++) {
      const w = this.slot[b]! >> 2;
      const c = this.count(b);
      docs.set(u32.subarray(w, w + c), o);
      impacts.set(f32.subarray(w + c, w + 2 * c), o);
      o += c;
    }
    return { docs, impacts };
  }

  /** Calls `each` for every posting (reads the whole list: for reference searches). */
  forEach(each: (doc: number, impact: number) => void): void {
    this.loadAll();
    const { u32, f32 } = this.arena;
    for (let b = 0; b < this.blocks; b++) {
      const w = this.slot[b]! >> 2;
      const c = this.count(b);
      for (let p = 0; p < c; p++) each(u32[w + p] as number, f32[w + c + p] as number);
    }
  }
}

/** Which of the segments starting at `starts` (ascending, the first at or below `doc`) holds `doc`. */
export function segmentOf(starts: readonly number[], doc: number): number {
  let i = starts.length - 1;
  while (i > 0 && (starts[i] as number) > doc) i--;
  return i;
}

/**
 * One term's lists in several segments of a collection searched as one index, as one list: `parts`
 * hold ascending, disjoint doc ranges (cursors reset with their segment's doc offset), `starts[i]`
 * the first doc of part i's segment. Each part keeps its own place, so walking the chain in doc order
 * walks each part in doc order.
 */
export class ChainedPostings implements PostingList {
  readonly df: number;

  constructor(
    private readonly parts: readonly PostingCursor[],
    private readonly starts: readonly number[],
  ) {
    let df = 0;
    for (const part of parts) df += part.df;
    this.df = df;
  }

  loadAll(): void {
    for (const part of this.parts) part.loadAll();
  }

  rewind(): void {
    for (const part of this.parts) part.rewind();
  }

  addWindow(ws: number, we: number, acc: Float64Array, seen: Int32Array): void {
    for (const part of this.parts) part.addWindow(ws, we, acc, seen);
  }

  addWindowExact(ws: number, we: number, acc: Float32Array, masses: Float64Array, seen: Int32Array, mass: number): void {
    for (const part of this.parts) part.addWindowExact(ws, we, acc, masses, seen, mass);
  }

  /** Each part adds to the candidates it holds; its bound on a candidate it cannot hold is loose, never wrong. */
  addTo(docs: Uint32Array, scores: Float64Array, count: number, restAfter: number, cut: number): void {
    for (const part of this.parts) part.addTo(docs, scores, count, restAfter, cut);
  }

  impactOf(d: number): number {
    return (this.parts[segmentOf(this.starts, d)] as PostingCursor).impactOf(d);
  }

  forEach(each: (doc: number, impact: number) => void): void {
    for (const part of this.parts) part.forEach(each);
  }
}
