import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { FILE_CHECK_MS, KIJI_PATCH_LEVEL, VectorStore, checkPatched, efSearchFor, hnswDefaults } from '../../src/vectors/hnsw-store.js';

const require = createRequire(import.meta.url);
const tmpFile = (name: string): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-hnsw-')), name);
/** hnswlib's saveIndex header (11 size_t/double fields and two 32-bit ones), then `count` elements of `perElement` bytes. */
const HEADER_BYTES = 96;
function graphLayout(bytes: Buffer): { count: number; perElement: number } {
  return { count: Number(bytes.readBigUInt64LE(16)), perElement: Number(bytes.readBigUInt64LE(24)) };
}
/** Uniform values in -0.5..0.5 from a fixed seed, so every run builds the same graphs. */
function seededRandom(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
}
const randomVectors = (count: number, dim: number, seed: number): Float32Array[] => {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, random));
};
/** A graph of `vectors` (label = position) built on `threads` threads and saved to a new file. */
async function savedStore(vectors: Float32Array[], threads: number): Promise<{ file: string; bytes: number }> {
  const store = await VectorStore.create(vectors[0]!.length, vectors.length);
  store.addMany(vectors.map((_, label) => label), vectors, threads);
  // As a build does once its vectors are in.
  store.renumber();
  const file = tmpFile('vectors.hnsw');
  return { file, bytes: await store.save(file) };
}

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
    const file = tmpFile('vectors.hnsw');
    const bytes = await store.save(file);
    const loaded = await VectorStore.load(file, 4, {}, bytes);
    expect(loaded.params.efSearch).toBe(hnswDefaults.efSearch);
    expect(loaded.search(Float32Array.from([0, 1, 0.1, 0]), 1)[0]?.label).toBe(1);
  });
});

describe('VectorStore.load of an empty graph', () => {
  it('loads a graph saved before any insert (no entry point, which the loader checks for) and inserts into it', async () => {
    const file = tmpFile('vectors.hnsw');
    const bytes = await (await VectorStore.create(4, 10)).save(file);
    const loaded = await VectorStore.load(file, 4, {}, bytes);
    expect(loaded.search(Float32Array.from([1, 0, 0, 0]), 3)).toEqual([]);
    loaded.addMany([7, 8], [Float32Array.from([1, 0, 0, 0]), Float32Array.from([0, 1, 0, 0])], 1);
    expect(loaded.search(Float32Array.from([0, 1, 0, 0]), 1)[0]?.label).toBe(8);
  });
});

describe('VectorStore.addMany (inserts on several threads through the patched hnswlib-node)', () => {
  const dim = 16;
  const cosine = (a: Float32Array, b: Float32Array): number => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * b[i]!;
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
    }
    return dot / Math.sqrt(na * nb);
  };

  it('builds a graph on four threads that finds every vector and ranks like exact search', async () => {
    const vectors = randomVectors(3000, dim, 11);
    // Capacity far too small: addMany grows it before the threads start.
    const store = await VectorStore.create(dim, 16);
    store.addMany(vectors.map((_, label) => label), vectors, 4);
    for (let label = 0; label < vectors.length; label += 7) {
      expect(store.search(vectors[label]!, 1)[0]?.label).toBe(label);
    }
    let found = 0;
    const queries = randomVectors(50, dim, 99);
    for (const query of queries) {
      const exact = vectors.map((v, label) => ({ label, s: cosine(query, v) })).sort((a, b) => b.s - a.s).slice(0, 10);
      const got = new Set(store.search(query, 10).map((hit) => hit.label));
      found += exact.filter(({ label }) => got.has(label)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('puts new labels into the slots of removed ones, and removed labels are never found', async () => {
    const vectors = randomVectors(400, dim, 5);
    const store = await VectorStore.create(dim, 400);
    store.addMany(vectors.map((_, label) => label), vectors, 2);
    for (let label = 0; label < 400; label += 2) store.remove(label);
    const fresh = randomVectors(200, dim, 6);
    store.addMany(fresh.map((_, i) => 1000 + i), fresh, 2);
    fresh.forEach((vector, i) => expect(store.search(vector, 1)[0]?.label).toBe(1000 + i));
    const labels = new Set(vectors.flatMap((v) => store.search(v, 20).map((hit) => hit.label)));
    for (let label = 0; label < 400; label += 2) expect(labels.has(label)).toBe(false);
  });

  it('rejects a vector of the wrong dimension before adding any of the batch', async () => {
    const store = await VectorStore.create(dim, 10);
    const good = randomVectors(2, dim, 3);
    expect(() => store.addMany([0, 1, 2], [good[0]!, new Float32Array(dim - 1), good[1]!], 2)).toThrow(
      expect.objectContaining({ code: ErrorCodes.DIMENSION_MISMATCH }),
    );
    expect(store.search(good[0]!, 3)).toEqual([]);
  });
});

describe('VectorStore.renumber (graph neighbours placed together, kiji patch)', () => {
  const dim = 16;
  /** 3,000 vectors around 30 centres, in an order that scatters each cluster over the whole graph. */
  function clusteredVectors(): Float32Array[] {
    const random = seededRandom(3);
    const centres = Array.from({ length: 30 }, () => Float32Array.from({ length: dim }, random));
    return Array.from({ length: 3000 }, (_, i) => Float32Array.from(centres[i % 30]!, (x) => x + 0.2 * random()));
  }
  /** Share of bottom-layer links that point at an element at most 64 places away in the file (~100 KB here). */
  function nearLinks(file: string): number {
    const bytes = fs.readFileSync(file);
    const { count, perElement } = graphLayout(bytes);
    let near = 0;
    let links = 0;
    for (let i = 0; i < count; i++) {
      const at = HEADER_BYTES + i * perElement;
      const size = bytes.readUInt16LE(at);
      for (let j = 0; j < size; j++) if (Math.abs(bytes.readUInt32LE(at + 4 + 4 * j) - i) <= 64) near++;
      links += size;
    }
    return near / links;
  }
  it('places neighbours near each other, with every search result unchanged, and renumbers a renumbered graph to itself', async () => {
    const vectors = clusteredVectors();
    const labels = vectors.map((_, label) => label);
    // The graph as hnswlib lays it out (one thread and the same seed: the same graph as the store's).
    const { HierarchicalNSW } = require('hnswlib-node') as typeof import('hnswlib-node');
    const plain = new HierarchicalNSW('cosine', dim);
    plain.initIndex({ maxElements: vectors.length, m: hnswDefaults.m, efConstruction: hnswDefaults.efConstruction, randomSeed: hnswDefaults.randomSeed, allowReplaceDeleted: true });
    const points = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => points.set(v, i * dim));
    plain.addPoints(points, Uint32Array.from(labels), 1, true);
    for (let label = 0; label < vectors.length; label += 9) plain.markDelete(label);
    const plainFile = tmpFile('plain.hnsw');
    plain.writeIndexSync(plainFile);

    const store = await VectorStore.create(dim, vectors.length);
    store.addMany(labels, vectors, 1);
    for (let label = 0; label < vectors.length; label += 9) store.remove(label);
    const queries = vectors.filter((_, i) => i % 37 === 1).map((v) => v.map((x) => x + 0.01));
    const before = queries.map((q) => store.search(q, 10));
    const asInserted = tmpFile('as-inserted.hnsw');
    await store.save(asInserted);
    // Saving writes the graph as it is: hnswlib's own layout until renumbered.
    expect(fs.readFileSync(asInserted).equals(fs.readFileSync(plainFile))).toBe(true);
    expect(store.renumber()).toBe(true);
    const file = tmpFile('vectors.hnsw');
    const bytes = await store.save(file);
    expect(bytes).toBe(fs.statSync(plainFile).size);
    // 0.08 as hnswlib lays it out, 0.22 renumbered.
    expect(nearLinks(file)).toBeGreaterThan(2 * nearLinks(plainFile));

    const loaded = await VectorStore.load(file, dim, {}, bytes);
    expect(queries.map((q) => store.search(q, 10))).toEqual(before);
    expect(queries.map((q) => loaded.search(q, 10))).toEqual(before);
    // The patch's renumbering of a graph already in that order changes nothing.
    const raw = new HierarchicalNSW('cosine', dim);
    raw.readIndexSync(file, true);
    raw.reorderForLocality();
    const again = tmpFile('again.hnsw');
    raw.writeIndexSync(again);
    expect(fs.readFileSync(again).equals(fs.readFileSync(file))).toBe(true);
  });

  it('renumbers a new graph, and a loaded one only once a tenth of it is newly inserted', async () => {
    const vectors = clusteredVectors().slice(0, 1000);
    const store = await VectorStore.create(dim, vectors.length);
    expect(store.renumber()).toBe(false);
    store.addMany(vectors.map((_, label) => label), vectors, 2);
    expect(store.renumber()).toBe(true);
    expect(store.renumber()).toBe(false);
    const file = tmpFile('vectors.hnsw');
    const loaded = await VectorStore.load(file, dim, {}, await store.save(file));
    expect(loaded.renumber()).toBe(false);
    const fresh = vectors.map((v) => v.map((x) => -x));
    loaded.addMany([5000], fresh.slice(0, 1), 1);
    // One new passage in a large index: renumbering would move every element for nothing.
    expect(loaded.renumber()).toBe(false);
    loaded.addMany(fresh.slice(1, 150).map((_, i) => 5001 + i), fresh.slice(1, 150), 2);
    expect(loaded.renumber()).toBe(true);
    // Not while a write is reading the graph on libuv's pool.
    loaded.addMany(fresh.slice(150, 400).map((_, i) => 5150 + i), fresh.slice(150, 400), 2);
    const saving = loaded.save(tmpFile('saving.hnsw'));
    expect(loaded.renumber()).toBe(false);
    await saving;
    expect(loaded.renumber()).toBe(true);
    fresh.slice(0, 400).forEach((v, i) => expect(loaded.search(v, 1)[0]?.label).toBe(5000 + i));
  });

  it('keeps removed labels out and reuses their slots after renumbering', async () => {
    const vectors = clusteredVectors().slice(0, 600);
    const store = await VectorStore.create(dim, vectors.length);
    store.addMany(vectors.map((_, label) => label), vectors, 2);
    for (let label = 0; label < vectors.length; label += 3) store.remove(label);
    store.renumber();
    const file = tmpFile('vectors.hnsw');
    const loaded = await VectorStore.load(file, dim, {}, await store.save(file));
    for (const graph of [store, loaded]) {
      const found = new Set(vectors.flatMap((v) => graph.search(v, 5).map((hit) => hit.label)));
      for (let label = 0; label < vectors.length; label += 3) expect(found.has(label)).toBe(false);
      const fresh = vectors.slice(0, 200).map((v) => v.map((x) => -x));
      graph.addMany(fresh.map((_, i) => 5000 + i), fresh, 2);
      fresh.forEach((v, i) => expect(graph.search(v, 1)[0]?.label).toBe(5000 + i));
      expect(graph.search(vectors[1]!, 1)[0]?.label).toBe(1);
    }
  });
});

describe('VectorStore.load maps the graph from its file (kiji patch)', () => {
  const dim = 8;
  const maps = '/proc/self/maps';
  const mapped = (file: string): boolean => fs.readFileSync(maps, 'utf8').includes(file);
  /** kB of the file's mapping this process has written to: copied on write, so no longer the file's pages. */
  const copiedKb = (file: string): number => {
    const smaps = fs.readFileSync('/proc/self/smaps', 'utf8').split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/);
    const entry = smaps.find((e) => e.split('\n')[0]!.endsWith(file));
    if (entry === undefined) throw new Error(`${file} is not mapped`);
    return Number(/\nAnonymous:\s+(\d+) kB/.exec(entry)?.[1]);
  };
  const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

  it.runIf(fs.existsSync(maps))('maps the file while loaded and unmaps it when released, writing nothing back to it', async () => {
    const vectors = randomVectors(300, dim, 17);
    const { file, bytes } = await savedStore(vectors, 2);
    const before = sha(file);

    const loaded = await VectorStore.load(file, dim, {}, bytes);
    expect(mapped(file)).toBe(true);
    // Deleting, inserting (which grows the graph out of the mapping) and renumbering for another save
    // all change the graph in memory only.
    for (let label = 0; label < 300; label += 4) loaded.remove(label);
    const fresh = vectors.slice(0, 100).map((v) => v.map((x) => -x));
    loaded.addMany(fresh.map((_, i) => 1000 + i), fresh, 2);
    expect(mapped(file)).toBe(false);
    fresh.forEach((v, i) => expect(loaded.search(v, 1)[0]?.label).toBe(1000 + i));
    expect(loaded.search(vectors[1]!, 1)[0]?.label).toBe(1);
    expect(loaded.renumber()).toBe(true);
    await loaded.save(`${file}.next`);
    expect(sha(file)).toBe(before);

    // Saving a loaded graph reads its pages and writes nothing into them.
    const again = await VectorStore.load(file, dim, {}, bytes);
    await again.save(`${file}.same`);
    expect(copiedKb(file)).toBe(0);
    expect(fs.readFileSync(`${file}.same`).equals(fs.readFileSync(file))).toBe(true);
    again.remove(1);
    expect(copiedKb(file)).toBeGreaterThan(0);
    expect(again.search(vectors[1]!, 1)[0]?.label).not.toBe(1);
    expect(sha(file)).toBe(before);
    again.release();
    expect(mapped(file)).toBe(false);
  });

  it('saves a loaded graph over the file it came from by replacing that file, not writing into it', async () => {
    const vectors = randomVectors(200, dim, 29);
    const saved = await savedStore(vectors, 1);
    const file = saved.file;
    const loaded = await VectorStore.load(file, dim, {}, saved.bytes);
    loaded.remove(3);
    const bytes = await loaded.save(file);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['vectors.hnsw']);
    // The first graph still reads the replaced file's pages; the new file holds the removal.
    expect(loaded.search(vectors[4]!, 1)[0]?.label).toBe(4);
    const reloaded = await VectorStore.load(file, dim, {}, bytes);
    expect(reloaded.search(vectors[3]!, 1)[0]?.label).not.toBe(3);
    expect(reloaded.search(vectors[4]!, 1)[0]?.label).toBe(4);
  });

  it('refuses a graph whose file was overwritten in place, and keeps serving one whose file was only removed or replaced', async () => {
    const vectors = randomVectors(200, dim, 23);
    const { file, bytes } = await savedStore(vectors, 1);
    const copy = `${file}.copy`;
    fs.copyFileSync(file, copy);

    // Overwritten in place (as `cp` onto it does: truncated, then written): reading its pages now
    // would kill the process, so every use of the graph is refused with a clear error, from the first
    // check after the change (at most every FILE_CHECK_MS).
    const overwritten = await VectorStore.load(file, dim, {}, bytes);
    fs.writeFileSync(file, Buffer.alloc(64));
    await new Promise((resolve) => setTimeout(resolve, 2 * FILE_CHECK_MS));
    for (const use of [() => overwritten.search(vectors[0]!, 3), () => overwritten.vector(0), () => overwritten.remove(0)]) {
      expect(use).toThrow(expect.objectContaining({ code: ErrorCodes.INDEX_CORRUPT, message: expect.stringMatching(/changed on disk after it was loaded/) }));
    }
    await expect(overwritten.save(tmpFile('vectors.hnsw'))).rejects.toMatchObject({ code: ErrorCodes.INDEX_CORRUPT });
    overwritten.release();

    // Removed (an old build folder cleaned up) or replaced by a rename: the graph reads the file it opened.
    fs.copyFileSync(copy, file);
    const removed = await VectorStore.load(file, dim, {}, bytes);
    fs.rmSync(file);
    expect(removed.search(vectors[7]!, 1)[0]?.label).toBe(7);
    fs.copyFileSync(copy, file);
    const replaced = await VectorStore.load(file, dim, {}, bytes);
    fs.renameSync(copy, file);
    expect(replaced.search(vectors[8]!, 1)[0]?.label).toBe(8);

    // Once an insert has copied the graph out of its file, the file no longer matters.
    replaced.addMany([500], [vectors[9]!.map((x) => -x)], 1);
    fs.writeFileSync(file, Buffer.alloc(64));
    expect(replaced.search(vectors[9]!, 1)[0]?.label).toBe(9);
  });
});

describe('VectorStore.release', () => {
  it('frees the graph: the store refuses any use afterwards, and a second release is harmless', async () => {
    const store = await VectorStore.create(2, 4);
    store.add(0, Float32Array.from([1, 0]));
    expect(store.search(Float32Array.from([1, 0]), 1)[0]?.label).toBe(0);
    store.release();
    store.release();
    expect(() => store.search(Float32Array.from([1, 0]), 1)).toThrow(/released/);
    expect(() => store.add(1, Float32Array.from([0, 1]))).toThrow(/released/);
  });

  it('lets a save that is running finish before the graph is freed', async () => {
    const store = await VectorStore.create(2, 4);
    [[1, 0], [0, 1], [0.6, 0.8]].forEach((v, label) => store.add(label, Float32Array.from(v)));
    const file = tmpFile('vectors.hnsw');
    const saving = store.save(file);
    store.release();
    const bytes = await saving;
    const loaded = await VectorStore.load(file, 2, {}, bytes);
    expect(loaded.search(Float32Array.from([0, 1]), 3).map((hit) => hit.label).sort()).toEqual([0, 1, 2]);
  });
});

describe('VectorStore.load of a damaged graph (hnswlib-node loads through patches/hnswlib-node+3.0.0.patch)', () => {
  const m = 4;

  /** Saves 200 random vectors with a small M, so some elements have upper levels and link lists. */
  async function savedGraph(): Promise<{ file: string; bytes: number; linkListsAt: number; count: number }> {
    const store = await VectorStore.create(8, 200, { m, efConstruction: 20 });
    const random = seededRandom(7);
    for (let label = 0; label < 200; label++) store.add(label, Float32Array.from({ length: 8 }, random));
    const file = tmpFile('vectors.hnsw');
    const bytes = await store.save(file);
    const { count, perElement } = graphLayout(fs.readFileSync(file));
    return { file, bytes, count, linkListsAt: HEADER_BYTES + count * perElement };
  }

  function overwrite(file: string, offset: number, value: number): void {
    const fd = fs.openSync(file, 'r+');
    const word = Buffer.alloc(4);
    word.writeUInt32LE(value);
    fs.writeSync(fd, word, 0, 4, offset);
    fs.closeSync(fd);
  }

  it('loads the undamaged graph', async () => {
    const { file, bytes, count } = await savedGraph();
    const loaded = await VectorStore.load(file, 8, { m }, bytes);
    expect(count).toBe(200);
    expect(loaded.search(loaded.vector(42), 1)[0]?.label).toBe(42);
  });

  it('reports a link list reaching past the end of the file as INDEX_CORRUPT, with the size unchanged', async () => {
    const { file, bytes, linkListsAt } = await savedGraph();
    overwrite(file, linkListsAt, 0x7ffffff0);
    await expect(VectorStore.load(file, 8, { m }, bytes)).rejects.toMatchObject({ code: ErrorCodes.INDEX_CORRUPT });
  });

  it('reports link lists that do not add up to the file as INDEX_CORRUPT, with the size unchanged', async () => {
    const { file, bytes, linkListsAt } = await savedGraph();
    const first = fs.readFileSync(file).readUInt32LE(linkListsAt);
    // One level more for the first element: every later list is read from the wrong place.
    overwrite(file, linkListsAt, first + (m * 4 + 4));
    await expect(VectorStore.load(file, 8, { m }, bytes)).rejects.toMatchObject({ code: ErrorCodes.INDEX_CORRUPT });
  });

  it('reports a link list size that is not a whole number of levels as INDEX_CORRUPT', async () => {
    const { file, bytes, linkListsAt } = await savedGraph();
    overwrite(file, linkListsAt, 6);
    await expect(VectorStore.load(file, 8, { m }, bytes)).rejects.toMatchObject({ code: ErrorCodes.INDEX_CORRUPT });
  });

  it('reports a graph of vectors of another dimension as INDEX_CORRUPT, naming both sizes', async () => {
    const { file, bytes } = await savedGraph();
    await expect(VectorStore.load(file, 16, { m }, bytes)).rejects.toMatchObject({
      code: ErrorCodes.INDEX_CORRUPT,
      message: expect.stringContaining(`The vector index ${file} could not be read: the graph file is damaged: it holds vectors of 32 bytes, expected 64 (16 dimensions).`),
      hint: 'Rebuild it with `npm run embed`.',
    });
  });

  it('reports a neighbour id past the last element with the element that holds it', async () => {
    const { file, bytes } = await savedGraph();
    const { perElement } = graphLayout(fs.readFileSync(file));
    // Element 5's first link on layer 0 (after its 4-byte link count).
    overwrite(file, HEADER_BYTES + 5 * perElement + 4, 200);
    await expect(VectorStore.load(file, 8, { m }, bytes)).rejects.toMatchObject({
      code: ErrorCodes.INDEX_CORRUPT,
      message: expect.stringContaining('element 5 links to element 200 of 200'),
    });
  });

  it('loads a good graph into the same native index after a refused one (its old graph freed once)', async () => {
    const good = await savedGraph();
    const bad = await savedGraph();
    overwrite(bad.file, bad.linkListsAt, 6);
    const { HierarchicalNSW } = require('hnswlib-node') as typeof import('hnswlib-node');
    const index = new HierarchicalNSW('cosine', 8);
    index.initIndex(10);
    // The first read deletes the graph initIndex made and fails; before the patch cleared the pointer,
    // the second deleted it again (a double free that aborts the process).
    await expect(index.readIndex(bad.file, true)).rejects.toThrow(/the graph file is damaged: the upper layers of element 0 are 6 bytes/);
    await expect(index.readIndex(good.file, true)).resolves.toBe(true);
    expect(index.getCurrentCount()).toBe(200);
    expect(() => index.readIndexSync(bad.file, true)).toThrow(/the graph file is damaged/);
    index.readIndexSync(good.file, true);
    expect(index.searchKnn(new Float32Array(8).fill(0.1), 3).neighbors).toHaveLength(3);
  });

  it('runs the patched loader: `npm ci` patched the header and rebuilt the addon after it', () => {
    expect(() => checkPatched(require('hnswlib-node'))).not.toThrow();
    expect((require('hnswlib-node') as { kijiPatch?: number }).kijiPatch).toBe(KIJI_PATCH_LEVEL);
    // Without the patch the load is correct but walks the file twice with two lseeks per element
    // (4-5 s of a 1M load here); the bench's load figure depends on this.
    const root = path.dirname(require.resolve('hnswlib-node/package.json'));
    const header = path.join(root, 'src', 'hnswlib', 'hnswalg.h');
    expect(fs.readFileSync(header, 'utf8')).toContain('kiji patch');
    const addon = path.join(root, 'build', 'Release', 'addon.node');
    expect(fs.statSync(addon).mtimeMs).toBeGreaterThanOrEqual(fs.statSync(header).mtimeMs);
  });
});
