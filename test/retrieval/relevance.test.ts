import { describe, expect, it } from 'vitest';
import { collapseNearDuplicates, dropNearDuplicates } from '../../src/retrieval/dedupe.js';
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
