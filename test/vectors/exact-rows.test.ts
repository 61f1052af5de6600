import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ExactRows, hnswNormalized } from '../../src/vectors/exact-rows.js';
import { mulberry32 } from '../../scripts/lib/random.js';

const hnswlib = createRequire(import.meta.url)('hnswlib-node') as typeof import('hnswlib-node');

function randomRows(seed: number, rows: number, dimension: number): { data: Float32Array; query: () => Float32Array } {
  const random = mulberry32(seed);
  const data = new Float32Array(rows * dimension).map(() => random() - 0.5);
  return { data, query: () => new Float32Array(dimension).map(() => random() - 0.5) };
}

function bruteforce(data: Float32Array, dimension: number): InstanceType<typeof hnswlib.BruteforceSearch> {
  const rows = data.length / dimension;
  const index = new hnswlib.BruteforceSearch('cosine', dimension);
  index.initIndex(rows);
  for (let r = 0; r < rows; r++) index.addPoint(Array.from(data.subarray(r * dimension, (r + 1) * dimension)), r);
  return index;
}

describe('exact search over a few rows in WebAssembly', () => {
  it.each([
    [1000, 384],
    [7, 16],
    [1, 64],
    [133, 768],
  ])('gives hnswlib BruteforceSearch distances and order bit for bit (%i rows of %i)', (rows, dimension) => {
    const { data, query } = randomRows(rows + dimension, rows, dimension);
    const index = bruteforce(data, dimension);
    const exact = ExactRows.create(data, dimension, (q, k) => index.searchKnn(Array.from(q), k));
    expect(exact).toBeInstanceOf(ExactRows);
    for (let t = 0; t < 50; t++) {
      const q = query();
      for (const k of [1, Math.min(rows, 10), rows]) {
        const theirs = index.searchKnn(Array.from(q), k);
        expect(exact!.search(q, k)).toEqual({ neighbors: theirs.neighbors, distances: theirs.distances });
      }
    }
  });

  it('with a filter, returns the k nearest allowed rows by (distance, row)', () => {
    const dimension = 32;
    const { data, query } = randomRows(9, 200, dimension);
    const index = bruteforce(data, dimension);
    const exact = ExactRows.create(data, dimension, (q, k) => index.searchKnn(Array.from(q), k))!;
    const allowed = (row: number): boolean => row % 3 !== 0;
    for (let t = 0; t < 20; t++) {
      const q = query();
      // Reference: every allowed row's distance as the unfiltered search gives it, sorted.
      const all = exact.search(q, 200);
      const expected = all.neighbors.map((row, j) => ({ row, d: all.distances[j]! })).filter(({ row }) => allowed(row)).slice(0, 50);
      const hits = exact.search(q, 50, allowed);
      expect(hits.neighbors).toEqual(expected.map((e) => e.row));
      expect(hits.distances).toEqual(expected.map((e) => e.d));
    }
  });

  it('is not used where it would disagree with hnswlib', () => {
    const { data } = randomRows(3, 10, 24);
    // A dimension hnswlib sums otherwise than in sixteens.
    expect(ExactRows.create(data, 24, () => ({ neighbors: [], distances: [] }))).toBeUndefined();
    const { data: even } = randomRows(4, 10, 32);
    expect(ExactRows.create(even, 32, (q, k) => ({ neighbors: Array.from({ length: k }, (_, i) => i), distances: new Array<number>(k).fill(0.5) }))).toBeUndefined();
  });

  it('normalizes as hnswlib-node does', () => {
    const v = Float32Array.from([3, 4, 0, 0]);
    expect(Array.from(hnswNormalized(v))).toEqual([Math.fround(3 / 5), Math.fround(4 / 5), 0, 0]);
  });
});
