import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeywordIndex, type CollectionStats, type KeywordOptions } from '../../src/keywords/bm25.js';
import { PostingCursor } from '../../src/keywords/postings.js';
import { channels, randomCorpus } from './random-corpus.js';
import { isKijiError } from '../../src/errors.js';
import { mulberry32 } from '../../scripts/lib/random.js';

// A segment searched with its collection's statistics and a scope (a delta segment of a segment set)
// keeps its query terms and, small and in memory, their decoded lists for later queries: it must
// answer exactly as the same search without a scope, and as scoring every posting.

/** A random corpus split into a large "base" and a small "delta", and the collection statistics of both. */
function collection(options: Partial<KeywordOptions>): { base: KeywordIndex; delta: KeywordIndex; queries: string[]; stats: () => CollectionStats } {
  const { docs, queries } = randomCorpus(7, 2400, 30);
  const base = KeywordIndex.build(docs.slice(0, 2000), options);
  const delta = KeywordIndex.build(docs.slice(2000), options);
  const df = (key: string): number => base.docFrequency(key) + delta.docFrequency(key);
  const scope = {};
  return { base, delta, queries, stats: () => ({ n: docs.length, df, scope }) };
}

afterEach(() => vi.restoreAllMocks());

describe('a small segment searched with a statistics scope', () => {
  it.each([
    ['three channels', { channels }],
    ['a channel of weight 0', { channels: [channels[0]!, { ...channels[1]!, weight: 0 }, channels[2]!] }],
    ['no coordination', { channels, coordination: 0 }],
  ] as [string, Partial<KeywordOptions>][])('answers as without one and as scoring every posting, query after query (%s)', (_, options) => {
    const { delta, queries, stats } = collection(options);
    const unscoped = (): CollectionStats => ({ ...stats(), scope: undefined });
    const allowed = Uint8Array.from({ length: delta.size }, (_, d) => (d % 3 === 0 ? 0 : 1));
    // Twice over: the second pass finds every list decoded already.
    for (let pass = 0; pass < 2; pass++) {
      for (const query of queries) {
        for (const k of [1, 10, 60]) {
          const expected = delta.search(query, k, undefined, unscoped());
          expect(expected).toEqual(delta.searchExhaustive(query, k, undefined, unscoped()));
          expect(delta.search(query, k, undefined, stats()), `${query} (k ${k})`).toEqual(expected);
          expect(delta.search(query, k, allowed, stats()), `${query} (k ${k}, filtered)`).toEqual(delta.search(query, k, allowed, unscoped()));
        }
      }
    }
  });

  it('reads no posting block for a query whose lists it has decoded', () => {
    const { delta, queries, stats } = collection({ channels });
    const query = queries[0]!;
    const first = delta.search(query, 10, undefined, stats());
    const loadAll = vi.spyOn(PostingCursor.prototype, 'loadAll');
    expect(delta.search(query, 10, undefined, stats())).toEqual(first);
    expect(loadAll).not.toHaveBeenCalled();
    // Another scope (statistics of another segment set) decodes its own.
    delta.search(query, 10, undefined, { ...stats(), scope: {} });
    expect(loadAll).toHaveBeenCalled();
  });

  it('never fails with a raw error, nor returns a doc it does not hold, when a byte of its postings is damaged', () => {
    const { delta, queries } = collection({ channels });
    const bytes = delta.serialize().slice();
    const random = mulberry32(5);
    const from = Math.floor(bytes.byteLength * 0.1);
    for (let trial = 0; trial < 150; trial++) {
      const at = from + Math.floor(random() * (bytes.byteLength - from));
      const saved = bytes[at] as number;
      bytes[at] = (saved + 1 + Math.floor(random() * 255)) & 0xff;
      const df = (key: string): number => 2 * delta.docFrequency(key);
      const stats = { n: 2 * delta.size, df, scope: {} };
      try {
        const damaged = KeywordIndex.deserialize(bytes);
        for (const query of queries.slice(0, 5)) for (const hit of damaged.search(query, 50, undefined, stats)) expect(hit.doc).toBeLessThan(delta.size);
      } catch (error) {
        expect(isKijiError(error), String(error)).toBe(true);
      }
      bytes[at] = saved;
    }
  });

  it('leaves an index of more than one window to the pruned search, with the same answers', () => {
    const { docs, queries } = randomCorpus(8, 40_000, 20);
    const index = KeywordIndex.build(docs, { channels });
    index.maxPostings = Infinity;
    const df = (key: string): number => index.docFrequency(key);
    const scope = {};
    for (const query of queries.slice(0, 10)) {
      expect(index.search(query, 20, undefined, { n: docs.length + 500, df, scope })).toEqual(index.searchExhaustive(query, 20, undefined, { n: docs.length + 500, df }));
    }
  });
});
