import { describe, expect, it } from 'vitest';
import { NEAR_DUPLICATE_JACCARD } from '../../src/retrieval/dedupe.js';
import { collapseNearDuplicates, dropNearDuplicates } from './near-duplicates.js';
import { charNgrams } from '../../src/keywords/tokenize.js';
import { loadArticles } from '../../src/articles/load.js';
import { toPassages } from '../../src/passages/chunk.js';
import { seedArticles } from '../store/helpers.js';
import { isAnswerable, keepTail, relevanceDefaults } from '../../src/retrieval/relevance.js';

const options = { minCoverage: relevanceDefaults.minCoverage, minSimilarity: 0.5 };

describe('isAnswerable', () => {
  it('needs one candidate above either floor', () => {
    expect(isAnswerable([{ coverage: 0.05 }, { coverage: 0.2 }], options)).toBe(true);
    expect(isAnswerable([{ coverage: 0.05, similarity: 0.3 }], options)).toBe(false);
    expect(isAnswerable([{ similarity: 0.6 }], options)).toBe(true);
    expect(isAnswerable([], options)).toBe(false);
  });
});

describe('keepTail', () => {
  it('keeps keyword candidates with a share of the best coverage, and vector ones above the floor', () => {
    const ranked = [{ coverage: 0.4 }, { coverage: 0.12 }, { coverage: 0.05 }, { similarity: 0.55 }, { similarity: 0.2 }, { coverage: 0 }];
    expect(keepTail(ranked, (e) => e, options)).toEqual([{ coverage: 0.4 }, { coverage: 0.12 }, { similarity: 0.55 }]);
  });
});

describe('dropNearDuplicates', () => {
  it('keeps the better-ranked copy of a repeated paragraph and distinct paragraphs on the same topic', () => {
    const texts = [
      '有志連合はこの日、パリで首脳会合を開催した。',
      '有志連合はこの日、パリで首脳会合を開催。',
      '有志連合の首脳会合には米国の特使も出席した。',
    ];
    expect(dropNearDuplicates(texts, (t) => t)).toEqual([texts[0], texts[2]]);
  });

  it('stops once enough are kept, saying how many it looked at', () => {
    const texts = [
      '有志連合はこの日、パリで首脳会合を開催した。',
      '有志連合はこの日、パリで首脳会合を開催。',
      '有志連合の首脳会合には米国の特使も出席した。',
      '梅雨は北海道と小笠原諸島を除く日本でみられる雨季の一種である。',
      'プーチン氏は旧ソ連諸国でロシアの勢力圏を確立しようとした。',
    ];
    const read: string[] = [];
    const { kept, examined } = collapseNearDuplicates(texts, (t) => (read.push(t), t), 2);
    expect(kept).toEqual([texts[0], texts[2]]);
    expect(examined).toBe(3);
    // Texts past the limit are never read (at search time each read decodes a passage).
    expect(read).toEqual(texts.slice(0, 3));
    expect(collapseNearDuplicates(texts, (t) => t).kept).toEqual(dropNearDuplicates(texts, (t) => t));
  });
});

describe('near-duplicate decisions', () => {
  /** The rule as first written: Jaccard of the two texts' bigram string sets. */
  function referenceJaccard(a: string, b: string): number {
    const x = new Set(charNgrams(a, 2));
    const y = new Set(charNgrams(b, 2));
    if (x.size === 0 && y.size === 0) return 1;
    let shared = 0;
    for (const g of x) if (y.has(g)) shared++;
    return shared / (x.size + y.size - shared);
  }

  it('match the bigram-string Jaccard on passages and edited copies of them, both sides of the threshold', async () => {
    const { articles } = await loadArticles(seedArticles);
    const texts = articles.flatMap((a) => toPassages(a)).map((p) => p.text);
    let seed = 11;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const edited = (text: string, edits: number): string => {
      const chars = [...text];
      for (let e = 0; e < edits; e++) chars.splice(Math.floor(random() * chars.length), 1, random() < 0.5 ? '' : 'の');
      return chars.join('');
    };
    const outcomes = new Set<boolean>();
    for (const [i, text] of texts.entries()) {
      for (const other of [edited(text, i % 12), edited(text, 1), texts[(i + 1) % texts.length]!, '', 'AI ai Ai']) {
        const expected = referenceJaccard(text, other) > NEAR_DUPLICATE_JACCARD;
        outcomes.add(expected);
        expect(collapseNearDuplicates([text, other], (t) => t).kept.length, `${text} / ${other}`).toBe(expected ? 1 : 2);
      }
    }
    expect([...outcomes].sort()).toEqual([false, true]);
  });
});
