import { describe, expect, it } from 'vitest';
import { Arena, PostingCursor, impactScale, segmentBytesRange, segmentSize, storedImpact, writeSegment } from '../../src/keywords/postings.js';
import { memorySource } from '../../src/binary-file.js';
import { isKijiError } from '../../src/errors.js';
import { mulberry32 } from '../../scripts/lib/random.js';

interface List {
  docs: Uint32Array;
  impacts: Float32Array;
  body: Uint8Array;
}

/** Writes `list` as one segment after `pad` unrelated bytes and opens a cursor on it. */
function written(list: List, pad = 3): { cursor: PostingCursor; bytes: Uint8Array; size: number; scale: number } {
  let max = 0;
  for (const x of list.impacts) max = Math.max(max, x);
  const scale = impactScale(max);
  const size = segmentSize(list.docs);
  const bytes = new Uint8Array(pad + size);
  expect(writeSegment(bytes, new DataView(bytes.buffer), pad, list.docs, list.impacts, list.body, scale)).toBe(size);
  const cursor = new PostingCursor();
  cursor.reset(memorySource(bytes), new Arena(), pad, list.docs.length, size, scale);
  return { cursor, bytes, size, scale };
}

function read(cursor: PostingCursor): { docs: number[]; impacts: number[] } {
  const out = { docs: [] as number[], impacts: [] as number[] };
  cursor.forEach((d, impact) => {
    out.docs.push(d);
    out.impacts.push(impact);
  });
  return out;
}

/** `count` ascending docs whose gaps are drawn from `gaps`, impacts spread over three orders of magnitude. */
function randomList(seed: number, count: number, gaps: number[]): List {
  const random = mulberry32(seed);
  const docs = new Uint32Array(count);
  let d = -1;
  for (let i = 0; i < count; i++) docs[i] = d += 1 + (gaps[Math.floor(random() * gaps.length)] as number);
  const impacts = Float32Array.from({ length: count }, () => 10 ** (random() * 3 - 2));
  const body = Uint8Array.from({ length: count }, () => (random() < 0.7 ? 1 : 0));
  return { docs, impacts, body };
}

describe('posting segments', () => {
  it('give back every doc, and impacts within a step of 1/127 of the highest', () => {
    // Gaps needing 1, 2, 3 and 4 bytes, mixed within blocks and in blocks of their own, and a last short block.
    const lists = [
      randomList(1, 1000, [0, 1, 17, 255]),
      randomList(2, 1000, [0, 256, 65_535]),
      randomList(3, 777, [65_536, 3, 1 << 23]),
      randomList(4, 300, [1 << 24, 5]),
      { docs: Uint32Array.of(0, 0xfffffffe), impacts: Float32Array.of(1, 2), body: Uint8Array.of(1, 0) },
    ];
    for (const list of lists) {
      const { cursor, size, scale } = written(list);
      const [least, most] = segmentBytesRange(list.docs.length);
      expect(size).toBeGreaterThanOrEqual(least);
      expect(size).toBeLessThanOrEqual(most);
      const got = read(cursor);
      expect(got.docs).toEqual(Array.from(list.docs));
      const max = Math.max(...list.impacts);
      list.impacts.forEach((impact, i) => {
        expect(got.impacts[i]).toBe(storedImpact(impact, scale));
        expect(Math.abs((got.impacts[i] as number) - impact)).toBeLessThanOrEqual(max / 127);
      });
    }
  });

  it('store 1-byte gaps in about 2.1 bytes a posting, against 9 before compression', () => {
    const list = randomList(5, 12_800, [0, 3, 40, 200]);
    expect(written(list).size / 12_800).toBeLessThan(2.2);
  });

  it('keep an impact far below the highest above zero, and a zero impact at zero', () => {
    const list = { docs: Uint32Array.of(3, 9, 12), impacts: Float32Array.of(5, 1e-6, 0), body: Uint8Array.of(1, 1, 1) };
    const got = read(written(list).cursor);
    expect(got.impacts[0]).toBeCloseTo(5, 3);
    expect(got.impacts[1]).toBeGreaterThan(0);
    expect(got.impacts[2]).toBe(0);
  });

  it('find every doc by seeking and bound each by its block', () => {
    const list = randomList(6, 5000, [0, 2, 300, 70_000]);
    const { cursor } = written(list);
    const stored = read(cursor).impacts;
    cursor.rewind();
    for (let i = 0; i < list.docs.length; i += 7) {
      const d = list.docs[i] as number;
      expect(cursor.maxAt(d)).toBeGreaterThanOrEqual(stored[i] as number);
      expect(cursor.seek(d)).toBe(d);
      expect(cursor.impact()).toBe(stored[i]);
    }
  });

  it('fail as a damaged index, never with a raw error or a wrong doc, when a gap byte changes', () => {
    const list = randomList(7, 2000, [0, 9, 1000]);
    const { bytes, size, scale } = written(list, 0);
    const random = mulberry32(8);
    // The blocks start after the 12-byte summary of each of the 16 blocks.
    for (let trial = 0; trial < 200; trial++) {
      const damaged = bytes.slice();
      const at = 12 * 16 + Math.floor(random() * (size - 12 * 16));
      damaged[at] = (damaged[at]! + 1 + Math.floor(random() * 255)) & 0xff;
      const cursor = new PostingCursor();
      cursor.reset(memorySource(damaged), new Arena(), 0, list.docs.length, size, scale);
      try {
        const got = read(cursor);
        // Undetected damage can only be in an impact or a body flag.
        expect(got.docs).toEqual(Array.from(list.docs));
      } catch (error) {
        expect(isKijiError(error), String(error)).toBe(true);
      }
    }
  });

  it('number docs from a segment offset, and fail as a damaged index for a doc at or past the segment end', () => {
    const list = randomList(9, 600, [0, 3, 40]);
    const { bytes, size, scale } = written(list, 0);
    const last = list.docs[list.docs.length - 1]!;
    const cursor = new PostingCursor();
    cursor.reset(memorySource(bytes), new Arena(), 0, list.docs.length, size, scale, 1, 1000, 1000 + last + 1);
    expect(read(cursor).docs).toEqual(Array.from(list.docs, (d) => d + 1000));
    cursor.reset(memorySource(bytes), new Arena(), 0, list.docs.length, size, scale, 1, 1000, 1000 + last);
    let error: unknown;
    try {
      read(cursor);
    } catch (caught) {
      error = caught;
    }
    expect(isKijiError(error), String(error)).toBe(true);
    expect(String(error)).toMatch(new RegExp(`doc ${1000 + last} past its segment's end ${1000 + last}`));
  });
});
