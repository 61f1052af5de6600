import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VectorStore, exactSearchLimit, type VectorHit } from '../../src/vectors/hnsw-store.js';
import { mulberry32 } from '../../scripts/lib/random.js';

// The filtered vector searches of kiji's patch (a byte mask in searchKnn, exact searchAmong) against
// an exhaustive reference computed here in JavaScript: the k most similar allowed vectors, ties to
// the lower label.

const DIM = 24;
const COUNT = 3000;

/** Clustered vectors, so that a filter by label cuts across clusters as a filter by article does. */
function clusteredVectors(count: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  const centres = Array.from({ length: 30 }, () => Float32Array.from({ length: DIM }, () => random() - 0.5));
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[i % centres.length]!;
    return Float32Array.from(centre, (c) => c + (random() - 0.5) * 0.3);
  });
}

const unit = (v: Float32Array): Float32Array => {
  const norm = Math.hypot(...v);
  return Float32Array.from(v, (x) => x / norm);
};

/** The exhaustive reference: similarity as hnswlib computes it (float32 dot of unit vectors). */
function reference(vectors: Float32Array[], query: Float32Array, k: number, allowed: (label: number) => boolean): VectorHit[] {
  const q = unit(query);
  const hits: VectorHit[] = [];
  vectors.forEach((v, label) => {
    if (!allowed(label)) return;
    const u = unit(v);
    let dot = 0;
    for (let i = 0; i < DIM; i++) dot += (u[i] as number) * (q[i] as number);
    hits.push({ label, similarity: dot });
  });
  return hits.sort((a, b) => b.similarity - a.similarity || a.label - b.label).slice(0, k);
}

/** Labels and similarities, the similarities to float32 precision summed in another order. */
function expectSameHits(got: VectorHit[], want: VectorHit[], what: string): void {
  expect(got.map((h) => h.label), what).toEqual(want.map((h) => h.label));
  got.forEach((h, i) => expect(h.similarity, `${what}: #${i}`).toBeCloseTo(want[i]!.similarity, 5));
}

/** Every `step`-th block of 10 labels (a filter by article: 10 passages each), shifted by `shift`. */
function blockFilter(count: number, step: number, shift: number): Uint32Array {
  const labels: number[] = [];
  for (let label = 0; label < count; label++) if (Math.floor(label / 10) % step === shift % step) labels.push(label);
  return Uint32Array.from(labels);
}

describe('filtered vector search (native)', async () => {
  const vectors = clusteredVectors(COUNT, 7);
  // ef as wide as the graph: the filtered graph walk then visits every element it can reach and is
  // exact, so both ways are compared with the reference label for label.
  const wide = await VectorStore.create(DIM, COUNT, { efSearch: COUNT });
  wide.addMany(vectors.map((_, label) => label), vectors, 1);
  const shipped = await VectorStore.create(DIM, COUNT);
  shipped.addMany(vectors.map((_, label) => label), vectors, 1);
  const random = mulberry32(11);
  const queries = Array.from({ length: 12 }, () => Float32Array.from({ length: DIM }, () => random() - 0.5));
  // From one allowed block in 300 to half of them, and everything.
  const densities = [300, 100, 30, 10, 3, 2, 1];

  it('searchAmong: exactly the reference, k results, for filters of every density', () => {
    for (const step of densities) {
      const labels = blockFilter(COUNT, step, 3);
      const allowed = new Set(labels);
      for (const k of [1, 5, 50]) {
        for (const query of queries) {
          const got = shipped.searchAmong(query, k, labels);
          expect(got.length).toBe(Math.min(k, labels.length));
          expectSameHits(got, reference(vectors, query, k, (l) => allowed.has(l)), `1/${step} k ${k}`);
        }
      }
    }
  });

  it('search with a mask: exactly the reference when the walk is wide enough to be exact', () => {
    for (const step of densities) {
      const labels = blockFilter(COUNT, step, 5);
      const mask = new Uint8Array(COUNT);
      for (const label of labels) mask[label] = 1;
      for (const k of [1, 10]) {
        for (const query of queries) {
          expectSameHits(wide.search(query, k, mask), reference(vectors, query, k, (l) => mask[l] === 1), `1/${step} k ${k}`);
        }
      }
    }
  });

  it('search with a mask at the shipped ef: k results, all allowed, nearly all of the reference', () => {
    let found = 0;
    let wanted = 0;
    for (const step of densities) {
      const labels = blockFilter(COUNT, step, 1);
      const mask = new Uint8Array(COUNT);
      for (const label of labels) mask[label] = 1;
      for (const query of queries) {
        const got = shipped.search(query, 10, mask);
        expect(got.length).toBe(10);
        for (const hit of got) expect(mask[hit.label], `1/${step}`).toBe(1);
        const want = new Set(reference(vectors, query, 10, (l) => mask[l] === 1).map((h) => h.label));
        found += got.filter((h) => want.has(h.label)).length;
        wanted += want.size;
      }
    }
    expect(found / wanted).toBeGreaterThan(0.95);
  });

  it('a mask shorter than the labels allows none past its end; an empty mask allows none', () => {
    const mask = new Uint8Array(100).fill(1);
    for (const query of queries.slice(0, 3)) {
      expectSameHits(wide.search(query, 5, mask), reference(vectors, query, 5, (l) => l < 100), 'short mask');
      expect(wide.search(query, 5, new Uint8Array(COUNT))).toEqual([]);
    }
  });

  it('searchFiltered: the same hits whichever way it goes, and the limit grows with the graph', () => {
    for (const step of [100, 10, 2]) {
      const labels = blockFilter(COUNT, step, 0);
      for (const query of queries.slice(0, 4)) {
        const exact = wide.searchFiltered(query, 10, labels, Infinity);
        const graph = wide.searchFiltered(query, 10, labels, 0);
        expect(graph).toEqual(exact);
        expect(wide.searchFiltered(query, 10, labels)).toEqual(exact);
      }
    }
    expect(exactSearchLimit(1_000_000, 200)).toBeGreaterThan(exactSearchLimit(100_000, 96));
    expect(exactSearchLimit(100_000, 96)).toBeGreaterThan(1000);
  });

  it('searchAmong skips unknown and deleted labels, counts a repeated label once, and breaks ties by label', async () => {
    const store = await VectorStore.create(DIM, 50);
    const base = vectors.slice(0, 40);
    store.addMany(base.map((_, label) => label), base, 1);
    // Labels 40 and 41 hold the same vector as label 7: a three-way tie.
    store.addMany([41, 40], [vectors[7]!, vectors[7]!], 1);
    store.remove(3);
    const query = vectors[7]!;
    const got = store.searchAmong(query, 5, Uint32Array.from([41, 3, 999, 7, 40, 7, 41, 12, 20]));
    expect(got.slice(0, 3).map((h) => h.label)).toEqual([7, 40, 41]);
    expect(got.map((h) => h.label).slice(3).sort((a, b) => a - b)).toEqual([12, 20]);
    expect(got).toHaveLength(5);
    expect(store.searchAmong(query, 5, new Uint32Array(0))).toEqual([]);
  });

  it('a graph loaded from its file (bottom layer mapped) gives the same hits as the one that wrote it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-hnsw-filter-'));
    const file = path.join(dir, 'vectors.hnsw');
    const bytes = await shipped.save(file);
    const loaded = await VectorStore.load(file, DIM, {}, bytes);
    const labels = blockFilter(COUNT, 20, 2);
    const mask = new Uint8Array(COUNT);
    for (const label of labels) mask[label] = 1;
    for (const query of queries) {
      expect(loaded.searchAmong(query, 20, labels)).toEqual(shipped.searchAmong(query, 20, labels));
      expect(loaded.search(query, 20, mask)).toEqual(shipped.search(query, 20, mask));
    }
    loaded.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
