import { describe, expect, it } from 'vitest';
import { firstHitRank, isHit, mrrAt, percentile, recallAt } from '../../src/eval/metrics.js';
import { isKijiError } from '../../src/errors.js';

describe('isHit', () => {
  it.each([
    ['passage contains the gold', '有志連合はこの日、パリで首脳会合を開催。', ['パリで首脳会合'], true],
    ['passage lies inside the gold', 'パリで首脳会合', ['有志連合はこの日、パリで首脳会合を開催。'], true],
    ['width and whitespace differ', 'ＡＢＣ　１２３\nです', ['abc'.toUpperCase() + '123です'], true],
    ['unrelated text', '梅雨は雨季の一種である。', ['パリで首脳会合'], false],
    ['no golds (unanswerable)', '梅雨は雨季の一種である。', [], false],
    ['empty gold never matches everything', '梅雨', [''], false],
    ['empty passage never hits', '  ', ['梅雨'], false],
    ['any of several golds', 'ロシアは中南米で同盟国を失った', ['無関係', '中南米で同盟国'], true],
  ])('%s', (_name, passage, golds, expected) => {
    expect(isHit(passage, golds)).toBe(expected);
  });
});

describe('ranking metrics', () => {
  it('finds the first hit rank, 0 when missed', () => {
    expect(firstHitRank([false, true, true])).toBe(2);
    expect(firstHitRank([false, false])).toBe(0);
    expect(firstHitRank([])).toBe(0);
  });

  const ranks = [1, 2, 0, 11, 5];
  it('recall@k counts first hits within k', () => {
    expect(recallAt(1, ranks)).toBeCloseTo(1 / 5);
    expect(recallAt(5, ranks)).toBeCloseTo(3 / 5);
    expect(recallAt(10, ranks)).toBeCloseTo(3 / 5);
    expect(recallAt(20, ranks)).toBeCloseTo(4 / 5);
    expect(recallAt(10, [])).toBe(0);
  });

  it('MRR@10 ignores hits past 10', () => {
    expect(mrrAt(10, ranks)).toBeCloseTo((1 + 1 / 2 + 1 / 5) / 5);
    expect(mrrAt(10, [])).toBe(0);
  });

  it('rejects a bad k with BAD_ARGUMENT', () => {
    expect(() => recallAt(0, ranks)).toThrow();
    try {
      mrrAt(1.5, ranks);
      expect.unreachable();
    } catch (error) {
      expect(isKijiError(error, 'BAD_ARGUMENT')).toBe(true);
    }
  });
});

describe('percentile', () => {
  it.each([
    [[4, 1, 3, 2], 50, 2],
    [[4, 1, 3, 2], 100, 4],
    [[4, 1, 3, 2], 0, 1],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95, 100],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90, 90],
    [[7], 95, 7],
  ])('%j p%d = %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('is NaN for no values and rejects p outside 0-100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow();
    expect(() => percentile([1], Number.NaN)).toThrow();
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});
