import { describe, expect, it } from 'vitest';
import { FakeEmbedder } from '../../src/embeddings/fake.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('FakeEmbedder', () => {
  it.each([1, 8, 64, 384])('returns unit vectors of dimension %i', async (dimension) => {
    const e = new FakeEmbedder({ dimension });
    const v = await e.embedQuery('パリで首脳会合を開催');
    expect(e.dimension).toBe(dimension);
    expect(v).toHaveLength(dimension);
    expect(dot(v, v)).toBeCloseTo(1, 5);
  });

  it('is deterministic across instances', async () => {
    const [a] = await new FakeEmbedder().embedPassages(['ロシアはベネズエラを支援できない']);
    const b = await new FakeEmbedder().embedQuery('ロシアはベネズエラを支援できない');
    expect(Array.from(a!)).toEqual(Array.from(b));
  });

  it('puts texts that share trigrams closer than unrelated ones', async () => {
    const e = new FakeEmbedder();
    const [query, related, unrelated] = await e.embedPassages(['有志連合の首脳会合', '有志連合はパリで首脳会合を開催', '今日の株価はいくらですか']);
    expect(dot(query!, related!)).toBeGreaterThan(dot(query!, unrelated!) + 0.2);
  });

  it('gives an empty text a zero vector instead of NaN', async () => {
    const v = await new FakeEmbedder({ dimension: 4 }).embedQuery('');
    expect(Array.from(v).every(Number.isFinite)).toBe(true);
  });

  it('reports progress and counts embedded texts', async () => {
    const e = new FakeEmbedder();
    const calls: [number, number][] = [];
    await e.embedPassages(['a', 'b', 'c'], (done, total) => calls.push([done, total]));
    expect(calls).toEqual([[3, 3]]);
    expect(e.embedded).toBe(3);
  });

  it.each([0, -1, 1.5])('rejects dimension %s', (dimension) => {
    expect(() => new FakeEmbedder({ dimension })).toThrow(RangeError);
  });
});
