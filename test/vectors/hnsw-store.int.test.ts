import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VectorStore, efSearchFor, hnswDefaults } from '../../src/vectors/hnsw-store.js';

describe('efSearchFor', () => {
  it('keeps the shipped ef for graphs up to a few hundred thousand vectors and widens it for 1M', () => {
    expect(efSearchFor(1000)).toBe(hnswDefaults.efSearch);
    expect(efSearchFor(100_000)).toBe(hnswDefaults.efSearch);
    expect(efSearchFor(1_000_000)).toBe(200);
    // A wider ef asked for at build time is never narrowed.
    expect(efSearchFor(1_000_000, 400)).toBe(400);
  });
});

describe('VectorStore.load', () => {
  it('searches a small saved graph with the ef it was built with', async () => {
    const store = await VectorStore.create(4, 10);
    const vectors = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
    ].map((v) => Float32Array.from(v));
    vectors.forEach((vector, label) => store.add(label, vector));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-hnsw-')), 'vectors.hnsw');
    const bytes = await store.save(file);
    const loaded = await VectorStore.load(file, 4, {}, bytes);
    expect(loaded.params.efSearch).toBe(hnswDefaults.efSearch);
    expect(loaded.search(Float32Array.from([0, 1, 0.1, 0]), 1)[0]?.label).toBe(1);
  });
});
