import { describe, expect, it } from 'vitest';
import { KeywordIndex, type CollectionStats, type KeywordDoc, type KeywordOptions } from '../../src/keywords/bm25.js';
import { channels, randomCorpus } from './random-corpus.js';
import { isKijiError } from '../../src/errors.js';
import { mulberry32 } from '../../scripts/lib/random.js';

// Segments (a build and its deltas) searched as one index under their collection's statistics: the
// pruned search over every segment's lists must answer exactly as scoring every posting, with or
// without a scope (where each segment keeps its query terms for later queries), and a collection of
// one index and an empty segment as that index alone, budget included.

/** `docs` split into segments of the given sizes, and the statistics of them all. */
function segmentsOf(docs: KeywordDoc[], sizes: number[], options: Partial<KeywordOptions>): { segments: KeywordIndex[]; stats: () => CollectionStats } {
  const segments: KeywordIndex[] = [];
  let at = 0;
  for (const size of sizes) {
    segments.push(KeywordIndex.build(docs.slice(at, at + size), options));
    at += size;
  }
  const df = (key: string): number => segments.reduce((sum, s) => sum + s.docFrequency(key), 0);
  const scope = {};
  return { segments, stats: () => ({ n: at, df, scope }) };
}

describe('segments searched as one index', () => {
  it.each([
    ['three channels', { channels }],
    ['a channel of weight 0', { channels: [channels[0]!, { ...channels[1]!, weight: 0 }, channels[2]!] }],
    ['no coordination', { channels, coordination: 0 }],
  ] as [string, Partial<KeywordOptions>][])('answer as scoring every posting, with a scope or without, filtered or not (%s)', (_, options) => {
    const { docs, queries } = randomCorpus(7, 2400, 30);
    const { segments, stats } = segmentsOf(docs, [2000, 300, 100], options);
    const unscoped = (): CollectionStats => ({ ...stats(), scope: undefined });
    const allowed = Uint8Array.from({ length: docs.length }, (_, d) => (d % 3 === 0 ? 0 : 1));
    // Twice over: the second pass finds every segment's query terms kept already.
    for (let pass = 0; pass < 2; pass++) {
      for (const query of queries) {
        for (const k of [1, 10, 60]) {
          const expected = KeywordIndex.searchSegmentsExhaustive(segments, query, k, undefined, unscoped());
          expect(KeywordIndex.searchSegments(segments, query, k, undefined, stats()), `${query} (k ${k})`).toEqual(expected);
          expect(KeywordIndex.searchSegments(segments, query, k, undefined, unscoped())).toEqual(expected);
          const filtered = KeywordIndex.searchSegmentsExhaustive(segments, query, k, allowed, unscoped());
          expect(KeywordIndex.searchSegments(segments, query, k, allowed, stats()), `${query} (k ${k}, filtered)`).toEqual(filtered);
          for (const hit of filtered) expect(allowed[hit.doc]).toBe(1);
        }
      }
    }
  });

  it('number docs segment after segment, with each passage under its own id', () => {
    const { docs, queries } = randomCorpus(3, 900, 30);
    const { segments, stats } = segmentsOf(docs, [600, 200, 100], { channels });
    for (const query of queries) {
      for (const hit of KeywordIndex.searchSegments(segments, query, 30, undefined, stats())) expect(hit.id).toBe(docs[hit.doc]!.id);
    }
  });

  it('split a query under the budget as the one index does: an index with an empty segment answers as the index alone', () => {
    const { docs, queries } = randomCorpus(11, 3000, 40);
    const { segments, stats } = segmentsOf(docs, [3000], { channels });
    const [index] = segments as [KeywordIndex];
    const empty = KeywordIndex.build([], { channels });
    for (const budget of [400, 5000]) {
      index.maxPostings = budget;
      // Over this budget most queries leave terms out and rescore: the case being compared.
      expect(queries.filter((q) => index.queryPostings(q) > budget).length).toBeGreaterThan(queries.length / 2);
      for (const query of queries) {
        expect(KeywordIndex.searchSegments([index, empty], query, 20, undefined, stats()), query).toEqual(index.search(query, 20));
      }
    }
  });

  it('rescore their best passages under the budget with the lists of every segment: exact scores for a short query', () => {
    const { docs, queries } = randomCorpus(7, 2400, 30);
    // Without coordination the first rescoreDepth hits are the rescored ones, in their rescored order.
    const { segments, stats } = segmentsOf(docs, [2000, 300, 100], { channels, coordination: 0 });
    for (const s of segments) s.maxPostings = 300;
    // At most 8 characters: under rescoreTerms (24) terms, so a rescored passage's score is its whole score.
    const short = queries.map((q) => q.slice(0, 8));
    let rescoredInDeltas = 0;
    for (const query of short) {
      const every = new Map(KeywordIndex.searchSegmentsExhaustive(segments, query, docs.length, undefined, stats()).map((h) => [h.doc, h]));
      const hits = KeywordIndex.searchSegments(segments, query, 10, undefined, stats());
      for (const hit of hits) {
        expect(hit, query).toEqual(every.get(hit.doc));
        if (hit.doc >= 2000) rescoredInDeltas++;
      }
    }
    expect(rescoredInDeltas).toBeGreaterThan(0);
  });

  it('answer as scoring every posting over more than one window, lists running across segments', () => {
    const { docs, queries } = randomCorpus(8, 40_000, 20);
    const { segments, stats } = segmentsOf(docs, [36_000, 3_000, 1_000], { channels });
    for (const s of segments) s.maxPostings = Infinity;
    for (const query of queries.slice(0, 10)) {
      expect(KeywordIndex.searchSegments(segments, query, 20, undefined, stats()), query).toEqual(KeywordIndex.searchSegmentsExhaustive(segments, query, 20, undefined, stats()));
    }
  });

  it('refuse several segments without statistics, and a filter shorter than their docs', () => {
    const { docs, queries } = randomCorpus(4, 300, 20);
    const { segments, stats } = segmentsOf(docs, [200, 100], { channels });
    const refused = (search: () => unknown): string => {
      try {
        search();
      } catch (error) {
        expect(isKijiError(error)).toBe(true);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused(() => KeywordIndex.searchSegments(segments, queries[0]!, 5))).toMatch(/statistics/);
    expect(refused(() => KeywordIndex.searchSegments(segments, queries[0]!, 5, new Uint8Array(200), stats()))).toMatch(/covers 200 passages of 300/);
  });

  it('never fail with a raw error, nor return a doc they do not hold, when a byte of a segment is damaged', () => {
    const { docs, queries } = randomCorpus(7, 2400, 30);
    const { segments, stats } = segmentsOf(docs, [2000, 400], { channels });
    const bytes = segments[1]!.serialize().slice();
    const random = mulberry32(5);
    const from = Math.floor(bytes.byteLength * 0.1);
    for (let trial = 0; trial < 150; trial++) {
      const at = from + Math.floor(random() * (bytes.byteLength - from));
      const saved = bytes[at] as number;
      bytes[at] = (saved + 1 + Math.floor(random() * 255)) & 0xff;
      try {
        const damaged = KeywordIndex.deserialize(bytes);
        for (const query of queries.slice(0, 5)) {
          for (const hit of KeywordIndex.searchSegments([segments[0]!, damaged], query, 50, undefined, { ...stats(), scope: {} })) expect(hit.doc).toBeLessThan(docs.length);
        }
      } catch (error) {
        expect(isKijiError(error), String(error)).toBe(true);
      }
      bytes[at] = saved;
    }
  });
});
