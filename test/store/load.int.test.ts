import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadIndex, releaseIndex, type LoadTimings } from '../../src/store/load.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { indexFiles } from '../../src/store/manifest.js';
import { keywordIndexKey } from '../../src/store/keyword-docs.js';
import { editManifest, fakeBuild, fakeModel, tempCorpus } from './helpers.js';
import { FakeEmbedder } from '../../src/embeddings/fake.js';

/** Unhandled rejections seen while a test runs (vitest would also fail the run on one). */
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

async function builtIndex(): Promise<{ index: string; build: string }> {
  const dirs = tempCorpus();
  await fakeBuild(dirs).run();
  return { index: dirs.index, build: currentBuildDir(dirs.index)! };
}

/** Same size, so only the native read can tell: hnswlib rejects an all-zero header. */
function zeroVectors(build: string): void {
  const file = path.join(build, indexFiles.vectors);
  fs.writeFileSync(file, Buffer.alloc(fs.statSync(file).size));
}

describe('loadIndex (vectors read while the rest loads)', () => {
  it('reports how long each part took', async () => {
    const { index } = await builtIndex();
    const timings: LoadTimings = {};
    const loaded = await loadIndex(index, { model: fakeModel, timings });
    expect(loaded.vectors).toBeDefined();
    expect(Object.keys(timings).sort()).toEqual(['keywords', 'passages', 'vectors', 'vectorsWait']);
    const labelled = [...loaded.table.labels()].filter((l) => l >= 0).length;
    expect(labelled).toBe(loaded.table.size);
    for (let row = 0; row < loaded.table.size; row++) expect(loaded.rowOfLabel[loaded.table.label(row)]).toBe(row);
  });

  it('reports a vector file hnswlib cannot read as INDEX_CORRUPT', async () => {
    const { index, build } = await builtIndex();
    zeroVectors(build);
    await expect(loadIndex(index, { model: fakeModel })).rejects.toMatchObject({ code: 'INDEX_CORRUPT', message: expect.stringContaining('vectors.hnsw') });
    // Keyword-only loading never reads the vectors.
    expect((await loadIndex(index)).vectors).toBeUndefined();
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('reports a damaged passage table while the vector read fails too, without an unhandled rejection', async () => {
    const { index, build } = await builtIndex();
    zeroVectors(build);
    const table = path.join(build, indexFiles.passages);
    fs.writeFileSync(table, Buffer.alloc(fs.statSync(table).size, 7));
    await expect(loadIndex(index, { model: fakeModel })).rejects.toMatchObject({ code: 'INDEX_CORRUPT', message: expect.stringContaining(indexFiles.passages) });
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('reports a damaged keyword index while the vectors load fine', async () => {
    const { index, build } = await builtIndex();
    const keywords = path.join(build, indexFiles.keywords);
    fs.writeFileSync(keywords, Buffer.alloc(fs.statSync(keywords).size, 1));
    await expect(loadIndex(index, { model: fakeModel })).rejects.toMatchObject({ code: 'INDEX_CORRUPT', message: expect.stringContaining('keywords.bin') });
    await settle();
    expect(unhandled).toEqual([]);
  });

  it('calls a keyword index from another keyword format outdated, not corrupt', async () => {
    const { index, build } = await builtIndex();
    const keywords = path.join(build, indexFiles.keywords);
    const bytes = fs.readFileSync(keywords);
    bytes.writeUInt32LE(3, 4);
    fs.writeFileSync(keywords, bytes);
    editManifest(build, (manifest) => ({ ...manifest, keywordIndexKey: `3:${manifest.keywordIndexKey.split(':').slice(1).join(':')}` }), [indexFiles.keywords]);
    const error = await loadIndex(index, { model: fakeModel }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INDEX_OUTDATED', hint: expect.stringContaining('npm run embed') });
  });

  it('says when the keyword index was built on a Node with another ICU, and loads it', async () => {
    const { index, build } = await builtIndex();
    const lines: string[] = [];
    releaseIndex(await loadIndex(index, { model: fakeModel, log: (line) => lines.push(line) }));
    expect(lines).toEqual([]);
    editManifest(build, (manifest) => ({ ...manifest, keywordIndexKey: keywordIndexKey('1.0') }));
    const loaded = await loadIndex(index, { model: fakeModel, log: (line) => lines.push(line) });
    expect(lines).toEqual([expect.stringMatching(/ICU 1\.0; this Node has ICU .*npm run embed/)]);
    expect(loaded.keywords.search('有志連合の首脳会合', 1)).toHaveLength(1);
    releaseIndex(loaded);
  });

  it('asks for a rebuild of an index in the previous format (passages.json)', async () => {
    const { index, build } = await builtIndex();
    editManifest(build, (manifest) => ({ ...manifest, formatVersion: 1 }));
    const error = await loadIndex(index, { model: fakeModel }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INDEX_OUTDATED', hint: expect.stringContaining('npm run embed') });
    expect((error as Error).message).toMatch(/format version 1; this kiji reads version 3/);
  });
});
