import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { buildFromSettings, openLibrary } from '../../src/library.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { releaseIndex } from '../../src/store/load.js';
import { damageTail, injectFault } from './faults.js';

/**
 * Damage found while an index is in use: by the background check of the files a load leaves on disk
 * (forced here on a small index with `backgroundCheckFrom: 0`), or by a search on a graph whose file
 * changed on disk. The library answers from the intact half, says so once, rebuilds in the background
 * (as the bot does) and swaps the repaired index in.
 */
const root = path.resolve(import.meta.dirname, '../..');
const testModel = path.join(root, 'test/fixtures/model/kiji-test-char');
const question = '有志連合の首脳会合はどこで開かれたか';
const parisSentence = 'パリで首脳会合を開催';

let work: string;
let pristine: string;

function settingsFor(indexDir: string): Settings {
  return loadSettings({ ARTICLES_PATH: path.join(work, 'articles'), INDEX_DIR: indexDir, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel });
}

function copy(name: string): string {
  const dir = path.join(work, name);
  fs.cpSync(pristine, dir, { recursive: true });
  return dir;
}

async function until(condition: () => boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-runtime-'));
  fs.cpSync(path.join(root, 'data/articles'), path.join(work, 'articles'), { recursive: true });
  pristine = path.join(work, 'pristine');
  await buildFromSettings(settingsFor(pristine));
}, 120_000);

describe('an index damaged while in use', () => {
  it('keywords.bin failing its background check: vector answers meanwhile, one log line, rebuilt and swapped', async () => {
    const dir = copy('keywords');
    damageTail(dir, 'keywords.bin');
    const lines: string[] = [];
    const library = await openLibrary(settingsFor(dir), { rebuildIfUnreadable: true, backgroundCheckFrom: 0, log: (l) => lines.push(l) });
    const before = library.buildId;
    expect(library.loaded.backgroundCheck?.names).toContain('keywords.bin');
    expect(await library.loaded.backgroundCheck!.done).toMatchObject([{ name: 'keywords.bin', reason: expect.stringContaining('checksum') }]);
    for (let i = 0; i < 3 && library.buildId === before; i++) {
      const response = await library.search(question, { k: 5 });
      if (library.buildId !== before) break;
      expect(response.mode).toBe('vector');
    }
    expect(lines.filter((l) => l.includes('keywords.bin is damaged'))).toHaveLength(1);
    await until(() => library.buildId !== before);
    const response = await library.search(question, { k: 5 });
    expect(response.mode).toBe('hybrid');
    expect(response.results.some((r) => r.passage.text.includes(parisSentence))).toBe(true);
    expect(lines.join('\n')).toMatch(/Repaired keywords\.bin \(checksum mismatch\): rebuilt from the articles; 39 vectors reused/);
    releaseIndex(library.loaded);
  }, 120_000);

  it('texts.bin failing its background check: no garbled citation is served (INDEX_DAMAGED), then the rebuilt index answers', async () => {
    const dir = copy('texts');
    injectFault(dir, 'texts.bin', 'overwrite', 5);
    const lines: string[] = [];
    const library = await openLibrary(settingsFor(dir), { rebuildIfUnreadable: true, backgroundCheckFrom: 0, log: (l) => lines.push(l) });
    const before = library.buildId;
    expect(await library.loaded.backgroundCheck!.done).toMatchObject([{ name: 'texts.bin' }]);
    if (library.buildId === before) await expect(library.search(question, { k: 5 })).rejects.toMatchObject({ code: 'INDEX_DAMAGED' });
    await until(() => library.buildId !== before);
    const response = await library.search(question, { k: 5 });
    expect(response.results.some((r) => r.passage.text.includes(parisSentence))).toBe(true);
    releaseIndex(library.loaded);
  }, 120_000);

  it('vectors.hnsw changed on disk under a running bot: keyword answers meanwhile, one log line, rebuilt and swapped', async () => {
    const dir = copy('vectors');
    const lines: string[] = [];
    const library = await openLibrary(settingsFor(dir), { rebuildIfUnreadable: true, log: (l) => lines.push(l) });
    const before = library.buildId;
    expect((await library.search(question, { k: 5 })).mode).toBe('hybrid');
    // Grown by a byte: the pages the graph reads stay as they were, so this is safe to do in a test.
    fs.appendFileSync(path.join(currentBuildDir(dir)!, 'vectors.hnsw'), Buffer.from([0]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 3 && library.buildId === before; i++) {
      const response = await library.search(question, { k: 5 });
      if (library.buildId !== before) break;
      expect(response).toMatchObject({ mode: 'keyword', semanticOff: true });
      expect(response.results.some((r) => r.passage.text.includes(parisSentence))).toBe(true);
    }
    expect(lines.filter((l) => l.includes('vectors.hnsw is damaged'))).toHaveLength(1);
    await until(() => library.buildId !== before);
    expect((await library.search(question, { k: 5 })).mode).toBe('hybrid');
    expect(lines.join('\n')).toMatch(/Repaired vectors\.hnsw/);
    releaseIndex(library.loaded);
  }, 120_000);

  it('the CLI does not rebuild by itself: it answers from the intact half and says to run `npm run embed`', async () => {
    const dir = copy('cli');
    damageTail(dir, 'keywords.bin');
    const lines: string[] = [];
    const library = await openLibrary(settingsFor(dir), { backgroundCheckFrom: 0, log: (l) => lines.push(l) });
    await library.loaded.backgroundCheck!.done;
    await until(() => lines.some((l) => l.includes('is damaged')));
    expect(lines.join('\n')).toContain('npm run embed');
    expect((await library.search(question, { k: 5 })).mode).toBe('vector');
    releaseIndex(library.loaded);
  }, 60_000);
});
