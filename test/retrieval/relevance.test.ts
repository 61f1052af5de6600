import { describe, expect, it } from 'vitest';
import { dropNearDuplicates } from '../../src/retrieval/dedupe.js';
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
});
