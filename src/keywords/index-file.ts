/**
 * keywords.bin, the keyword index's file: written from a build's postings (`encodeIndex`), and its
 * head (everything but the postings) read and checked on open (`decodeHead`). The same bytes serve
 * an index held in memory.
 */
import { ErrorCodes, KijiError } from '../errors.js';
import { NATIVE_LITTLE_ENDIAN, checkHeader, headerBytes, type FileHeader, type Source } from '../binary-file.js';
import { fail, impactScale, segmentBytesRange, segmentSize, storedImpact, writeSegment } from './postings.js';
import { resolveKeywordOptions, type KeywordOptions } from './options.js';

/** What `build` derives, before it is laid out in the file format (which also serves in memory). */
export interface IndexData {
  options: KeywordOptions;
  ids: string[];
  /** Term keys (channel letter + token) in first-seen order. */
  terms: string[];
  /** Postings of term t are entries offsets[t] .. offsets[t+1]-1, doc ids ascending. */
  offsets: Uint32Array;
  docs: Uint32Array;
  /** The whole BM25 term weight of each posting, channel weight and IDF included. */
  impacts: Float32Array;
  /** 1 for a posting of a body channel, 0 for one of a title or section channel (stored, not read by search). */
  body: Uint8Array;
}

/** The in-memory part of an index: everything but the postings, which are read per query term. */
export interface IndexHead {
  options: KeywordOptions;
  n: number;
  termCount: number;
  postings: number;
  /** UTF-8 ids, id d at bytes idOffsets[d] .. idOffsets[d+1]. */
  idBytes: Uint8Array;
  idOffsets: Uint32Array;
  /** UTF-8 term keys sorted bytewise, term t at termOffsets[t] .. termOffsets[t+1]. */
  termBytes: Buffer;
  termOffsets: Uint32Array;
  /** Postings of term t are entries postingOffsets[t] .. postingOffsets[t+1]-1. */
  postingOffsets: Uint32Array;
  /** Term t's impacts are stored in steps of scale[t] (see postings.ts). */
  scale: Float32Array;
  /** Highest impact in each posting list, as stored: the score ceiling of a query is their sum. */
  maxImpact: Float32Array;
  /** Term t's segment is bytes segmentOffsets[t] .. segmentOffsets[t+1] of the postings region. */
  segmentOffsets: Float64Array;
  /** Byte position of the postings region in the source. */
  postingsAt: number;
}

// All little-endian, sections 4-byte aligned:
//   "KJKW" | u32 version | u32 byte-order mark | u32 n | u32 terms | u32 postings | u32 channels | u32 0
//   | u32 len + options JSON | u32 len + ids (UTF-8) | id offsets u32[n+1]
//   | u32 len + term keys (UTF-8, sorted bytewise) | term offsets u32[terms+1]
//   | posting offsets u32[terms+1] | impact scale f32[terms] | max impact f32[terms] | padding to 8
//   | segment offsets f64[terms+1] (bytes into the postings region; f64 as it may pass 4 GB)
//   | postings: per term one segment (postings.ts: block summaries, then blocks of doc gaps and
//     impacts with body flags), unpadded, then padding.
// The file stores what a query reads (impacts, not raw frequencies), so opening it is a few small
// reads; each list is split into blocks with their last doc and highest impact, so a search can bound
// and skip a block without reading it; blocks are compressed (docs as gaps, impacts in 7-bit steps).

/** Bump when the layout changes: an index of another version is rebuilt, not misread. */
export const KEYWORD_FORMAT_VERSION = 6;
const HEADER: FileHeader = { magic: 'KJKW', kind: 'a kiji keyword index', versions: [KEYWORD_FORMAT_VERSION] };
const BYTE_ORDER_MARK = 0x01020304;

// Arithmetic, not `(n + 3) & ~3`: bitwise operators truncate to 32 bits, and a large index's postings region passes 2 GB.
const pad4 = (n: number) => Math.ceil(n / 4) * 4;
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** UTF-8 strings back to back plus their n+1 byte offsets. */
function packStrings(strings: readonly Uint8Array[]): { bytes: Uint8Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(strings.length + 1);
  for (let i = 0; i < strings.length; i++) offsets[i + 1] = (offsets[i] as number) + (strings[i] as Uint8Array).byteLength;
  const bytes = new Uint8Array(offsets[strings.length] as number);
  strings.forEach((s, i) => bytes.set(s, offsets[i] as number));
  return { bytes, offsets };
}

export function encodeIndex(data: IndexData): Uint8Array {
  const encoder = new TextEncoder();
  const optionsBytes = encoder.encode(JSON.stringify(data.options));
  const ids = packStrings(data.ids.map((id) => encoder.encode(id)));
  // Terms sorted bytewise so a reader binary-searches the blob instead of building a dictionary.
  const keys = data.terms.map((term) => Buffer.from(term, 'utf8'));
  const byBytes = (a: number, b: number) => Buffer.compare(keys[a] as Buffer, keys[b] as Buffer);
  // String order (UTF-16 code units) is byte order except where astral characters meet U+E000-U+FFFF;
  // sorting by string is several times faster, and one pass checks it, falling back when needed.
  const terms0 = data.terms;
  let order = Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => {
    const x = terms0[a] as string;
    const y = terms0[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (let i = 1; i < order.length; i++) {
    if (byBytes(order[i - 1] as number, order[i] as number) >= 0) {
      order = order.sort(byBytes);
      break;
    }
  }
  const terms = packStrings(order.map((t) => keys[t] as Buffer));
  const termCount = order.length;
  const postingOffsets = new Uint32Array(termCount + 1);
  const scale = new Float32Array(termCount);
  const maxImpact = new Float32Array(termCount);
  const segmentOffsets = new Float64Array(termCount + 1);
  order.forEach((t, i) => {
    const start = data.offsets[t] as number;
    const end = data.offsets[t + 1] as number;
    postingOffsets[i + 1] = (postingOffsets[i] as number) + end - start;
    let max = 0;
    for (let p = start; p < end; p++) max = Math.max(max, data.impacts[p] as number);
    scale[i] = impactScale(max);
    maxImpact[i] = storedImpact(max, scale[i] as number);
    segmentOffsets[i + 1] = (segmentOffsets[i] as number) + segmentSize(data.docs.subarray(start, end));
  });
  const postings = data.docs.length;
  const head: Uint8Array[] = [];
  const word = (value: number) => new Uint8Array(new Uint32Array([value]).buffer);
  head.push(headerBytes(HEADER, KEYWORD_FORMAT_VERSION), new Uint8Array(new Uint32Array([BYTE_ORDER_MARK, data.ids.length, termCount, postings, data.options.channels.length, 0]).buffer));
  const lengthPrefixed = (bytes: Uint8Array) => head.push(word(bytes.byteLength), bytes, new Uint8Array(pad4(bytes.byteLength) - bytes.byteLength));
  const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  lengthPrefixed(optionsBytes);
  lengthPrefixed(ids.bytes);
  head.push(view(ids.offsets));
  lengthPrefixed(terms.bytes);
  head.push(view(terms.offsets), view(postingOffsets), view(scale), view(maxImpact));
  const unaligned = head.reduce((sum, part) => sum + part.byteLength, 0);
  head.push(new Uint8Array(pad8(unaligned) - unaligned), view(segmentOffsets));
  const headSize = head.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(headSize + pad4(segmentOffsets[termCount] as number));
  let at = 0;
  for (const part of head) {
    out.set(part, at);
    at += part.byteLength;
  }
  // Typed arrays are written in platform order; the byte-order mark lets a reader on another order refuse.
  if (!NATIVE_LITTLE_ENDIAN) fail('cannot be written on a big-endian machine');
  const outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
  order.forEach((t, i) => {
    const start = data.offsets[t] as number;
    const end = data.offsets[t + 1] as number;
    const at = headSize + (segmentOffsets[i] as number);
    writeSegment(out, outView, at, data.docs.subarray(start, end), data.impacts.subarray(start, end), data.body.subarray(start, end), scale[i] as number);
  });
  return out;
}

function monotonic(offsets: Uint32Array, last: number, what: string, minStep: number): void {
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== last) fail(`${what} do not cover their data`);
  for (let i = 1; i < offsets.length; i++) if ((offsets[i] as number) - (offsets[i - 1] as number) < minStep) fail(`${what} go backwards`);
}

/** Checks each term's segment lies where the next begins and has a size its postings can take. */
function checkSegments(segmentOffsets: Float64Array, postingOffsets: Uint32Array): void {
  if (segmentOffsets[0] !== 0) fail('segment offsets do not start at 0');
  for (let t = 0; t + 1 < segmentOffsets.length; t++) {
    const size = (segmentOffsets[t + 1] as number) - (segmentOffsets[t] as number);
    const [least, most] = segmentBytesRange((postingOffsets[t + 1] as number) - (postingOffsets[t] as number));
    if (!(Number.isInteger(size) && size >= least && size <= most)) fail(`term ${t}'s postings take ${size} bytes, not ${least}-${most}`);
  }
}

/** Reads and checks everything but the postings. Checks are O(passages + terms), none per posting. */
export function decodeHead(source: Source): IndexHead {
  let at = 0;
  const take = (what: string, length: number): Uint8Array => {
    if (at + length > source.size) fail(`truncated in ${what} (byte ${at} of ${source.size})`);
    // A fresh buffer: aligned for typed-array views whatever the source's alignment.
    const bytes = new Uint8Array(pad4(length));
    source.readInto(bytes, at, length);
    at += pad4(length);
    return bytes.subarray(0, length);
  };
  const words = (what: string, count: number) => new Uint32Array(take(what, 4 * count).buffer, 0, count);
  checkHeader(take('header', 8), HEADER, fail);
  // Typed-array sections are in the writer's byte order; only little-endian writers and readers are supported.
  if (words('byte-order mark', 1)[0] !== BYTE_ORDER_MARK || !NATIVE_LITTLE_ENDIAN) fail('written or read on a big-endian machine');
  // Passages, terms, postings, channels, and a reserved word.
  const [n, termCount, postings, channelCount] = words('counts', 5) as unknown as [number, number, number, number];
  const blob = (what: string): Uint8Array => take(what, words(`${what} length`, 1)[0] as number);
  let options: KeywordOptions;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(blob('options'));
    options = resolveKeywordOptions(JSON.parse(text) as Partial<KeywordOptions>);
  } catch (error) {
    if (error instanceof KijiError && error.code === ErrorCodes.INDEX_CORRUPT) throw error;
    fail(`bad options (${error instanceof Error ? error.message : String(error)})`);
  }
  if (options.channels.length !== channelCount) fail('channel count does not match the options');
  const idBytes = blob('passage ids');
  const idOffsets = words('id offsets', n + 1);
  const termBytes = blob('terms');
  const termOffsets = words('term offsets', termCount + 1);
  const postingOffsets = words('posting offsets', termCount + 1);
  monotonic(postingOffsets, postings, 'posting offsets', 0);
  const scale = new Float32Array(take('impact scales', 4 * termCount).buffer, 0, termCount);
  const maxImpact = new Float32Array(take('max impacts', 4 * termCount).buffer, 0, termCount);
  at = pad8(at);
  const segmentOffsets = new Float64Array(take('segment offsets', 8 * (termCount + 1)).buffer, 0, termCount + 1);
  checkSegments(segmentOffsets, postingOffsets);
  // Every section's size is known now: a truncated or padded file fails before the rest is read.
  const expectedSize = at + pad4(segmentOffsets[termCount] as number);
  if (expectedSize !== source.size) fail(expectedSize > source.size ? `truncated (${source.size} of ${expectedSize} bytes)` : `${source.size - expectedSize} unexpected bytes after the end`);
  monotonic(idOffsets, idBytes.byteLength, 'id offsets', 0);
  monotonic(termOffsets, termBytes.byteLength, 'term offsets', 1);
  for (let t = 0; t < termCount; t++) {
    const c = (termBytes[termOffsets[t] as number] as number) - 65;
    if (!(c >= 0 && c < channelCount)) fail(`term ${t} names no channel`);
  }
  return {
    options,
    n,
    termCount,
    postings,
    idBytes,
    idOffsets,
    termBytes: Buffer.from(termBytes.buffer, termBytes.byteOffset, termBytes.byteLength),
    termOffsets,
    postingOffsets,
    scale,
    maxImpact,
    segmentOffsets,
    postingsAt: at,
  };
}
