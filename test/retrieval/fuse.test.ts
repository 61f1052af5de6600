import { describe, expect, it } from 'vitest';
import { fuse, normalizedScoreFusion, reciprocalRankFusion } from '../../src/retrieval/fuse.js';

const id = (x: string) => x;

describe('reciprocalRankFusion', () => {
  it('rewards items both lists rank, by rank only', () => {
    const fused = reciprocalRankFusion([{ items: ['a', 'b', 'c'], weight: 1 }, { items: ['b', 'c'], weight: 1 }], id, 60);
    expect(fused.map((f) => f.key)).toEqual(['b', 'c', 'a']);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61);
  });

  it('ignores lists with weight 0 and gives nothing for nothing', () => {
    expect(reciprocalRankFusion([{ items: ['a'], weight: 0 }], id)).toEqual([]);
    expect(reciprocalRankFusion([], id)).toEqual([]);
  });
});

describe('normalizedScoreFusion', () => {
  it('min-max normalizes each list, so a decisive keyword gap survives and compressed cosines spread', () => {
    const fused = normalizedScoreFusion(
      [
        { items: ['a', 'b', 'c'], weight: 1, scores: [11.5, 0.14, 0.1] },
        { items: ['b', 'a', 'c'], weight: 1, scores: [0.9, 0.88, 0.8] },
      ],
      id,
    );
    // RRF would tie a and b (ranks 1+2 each); the scores say a is the far better keyword match.
    expect(fused.map((f) => f.key)).toEqual(['a', 'b', 'c']);
    expect(fused[0]!.score).toBeCloseTo(1 + 0.8);
    expect(fused[1]!.score).toBeCloseTo(0.04 / 11.4 + 1);
    expect(fused[2]!.score).toBeCloseTo(0);
  });

  it('gives a lone item full weight and skips empty or weight-0 lists', () => {
    expect(normalizedScoreFusion([{ items: ['a'], weight: 2, scores: [0.3] }, { items: [], weight: 1 }, { items: ['b'], weight: 0, scores: [1] }], id)).toEqual([
      { key: 'a', score: 2 },
    ]);
  });

  it('breaks ties by list order, the first list first: each list\'s best alone in it scores the same', () => {
    const lists = [
      { items: [9, 3], weight: 1, scores: [5, 1] },
      { items: [10, 2], weight: 1, scores: [0.9, 0.1] },
    ];
    expect(normalizedScoreFusion(lists, (row) => row).map((f) => f.key)).toEqual([9, 10, 3, 2]);
    expect(normalizedScoreFusion([...lists].reverse(), (row) => row).map((f) => f.key)).toEqual([10, 9, 2, 3]);
    expect(reciprocalRankFusion(lists, (row) => row).map((f) => f.key)).toEqual([9, 10, 3, 2]);
  });

  it('is what fuse() runs for method "score", RRF for "rrf"', () => {
    const lists = [{ items: ['a', 'b', 'c'], weight: 1, scores: [3, 2, 1] }];
    expect(fuse(lists, id, { method: 'score', k: 60, keywordWeight: 1, vectorWeight: 1 })[1]!.score).toBeCloseTo(0.5);
    expect(fuse(lists, id, { method: 'rrf', k: 60, keywordWeight: 1, vectorWeight: 1 })[1]!.score).toBeCloseTo(1 / 62);
  });
});
