import { describe, expect, it } from 'vitest';
import { KeywordIndex, keywordBudgetDefaults, type KeywordDoc } from '../../src/keywords/bm25.js';
import { channels, randomCorpus } from './random-corpus.js';

// A search within a postings budget reads the question's heaviest terms in full and rescores its
// best passages with the rest (bm25.ts, `keywordBudgetDefaults`).

/** Five words a passage: the same length everywhere, so only the words decide. */
function passage(id: number, words: string[]): KeywordDoc {
  const pad = ['pada', 'padb', 'padc', 'padd', 'pade'].map((w) => `${w}${id}`);
  return { id: `d${id}`, text: [...words, ...pad].slice(0, 5).join(' ') };
}

describe('a keyword search within a postings budget', () => {
  // d0-d4 hold `rare` once and `common` 0-4 times; d5-d39 hold `common` only.
  const docs = [
    ...Array.from({ length: 5 }, (_, i) => passage(i, ['rare', ...Array<string>(i).fill('common')])),
    ...Array.from({ length: 35 }, (_, i) => passage(5 + i, ['common'])),
  ];
  const index = KeywordIndex.build(docs);
  const ids = (hits: { id: string }[]) => hits.map((h) => h.id);

  it('is exact while the question holds fewer postings than the budget', () => {
    index.maxPostings = 1_000;
    const exhaustive = index.searchExhaustive('rare common', 10);
    expect(index.search('rare common', 10)).toEqual(exhaustive);
    expect(ids(exhaustive).slice(0, 5)).toEqual(['d4', 'd3', 'd2', 'd1', 'd0']);
  });

  it('finds passages by the rarest terms and ranks them by all terms', () => {
    // `rare` has 10 postings (two channels read the text), `common` 78: only `rare` fits.
    index.maxPostings = 10;
    try {
      // By `rare` alone the five tie and go in doc order; `common` must reorder them.
      expect(ids(index.search('rare', 5))).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
      const hits = index.search('rare common', 10);
      expect(hits).toEqual(index.searchExhaustive('rare common', 5));
      // What the budget gives up: a passage holding none of the terms searched in full is not found.
      expect(index.searchExhaustive('rare common', 10)).toHaveLength(10);
    } finally {
      index.maxPostings = keywordBudgetDefaults.maxPostings;
    }
  });

  it('keeps the best passages it did not rescore below the rescored ones, by their partial scores', () => {
    const many = [
      ...Array.from({ length: 30 }, (_, i) => passage(i, ['rare', ...Array<string>(i % 3).fill('common')])),
      ...Array.from({ length: 30 }, (_, i) => passage(30 + i, ['common'])),
    ];
    const big = KeywordIndex.build(many);
    big.maxPostings = 60;
    const hits = big.search('rare common', 30);
    const depth = keywordBudgetDefaults.rescoreDepth;
    const full = new Map(big.searchExhaustive('rare common', 60).map((h) => [h.id, h]));
    // The rescored ones have their full scores; the rest only `rare`'s, all the same, in doc order.
    for (const hit of hits.slice(0, depth)) expect(hit).toEqual(full.get(hit.id));
    const rest = hits.slice(depth);
    expect(rest).toHaveLength(30 - depth);
    expect(new Set(rest.map((h) => h.score)).size).toBe(1);
    expect(rest[0]!.score).toBeLessThanOrEqual(hits[depth - 1]!.score);
    expect(rest[0]!.score).toBeLessThan(hits[0]!.score);
  });

  it('gives the exhaustive answer on a random corpus when the budget is above every question', () => {
    const corpus = randomCorpus(5, 3_000, 30);
    const random = KeywordIndex.build(corpus.docs, { channels });
    random.maxPostings = 10_000_000;
    for (const query of corpus.queries.slice(0, 10)) expect(random.search(query, 10), query).toEqual(random.searchExhaustive(query, 10));
  });
});
