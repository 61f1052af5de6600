import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { buildFromSettings } from '../../src/library.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { readManifest } from '../../src/store/manifest.js';

/** A model that fails to load is not a model change: an unchanged corpus keeps its index as it is. */
const root = path.resolve(import.meta.dirname, '../..');
const testModel = path.join(root, 'test/fixtures/model/kiji-test-char');
const unavailable = 'no-such-org/no-such-model';

function dirs() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-offline-'));
  const articles = path.join(work, 'articles');
  fs.cpSync(path.join(root, 'data/articles'), articles, { recursive: true });
  const settings = (model: string) => loadSettings({ ARTICLES_PATH: articles, INDEX_DIR: path.join(work, 'index'), ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: model });
  return { settings, index: path.join(work, 'index') };
}

describe('an unchanged corpus with the model unavailable', () => {
  it('keeps the vectors of the previous build and says so', async () => {
    const { settings, index } = dirs();
    await buildFromSettings(settings(testModel));
    const live = currentBuildDir(index);
    const lines: string[] = [];
    const report = await buildFromSettings(settings(unavailable), { log: (l) => lines.push(l) });
    expect(report).toMatchObject({ embedded: 0, reused: 39, semanticOff: expect.stringContaining(unavailable) });
    expect(lines).toContain('Index unchanged (model unavailable: vectors kept from the previous build).');
    expect(currentBuildDir(index)).toBe(live);
    expect(readManifest(live!).model?.id).toBe(testModel);
  }, 120_000);

  it('keeps a keyword-only index built while the model was unavailable, and embeds once it loads', async () => {
    const { settings, index } = dirs();
    const first = await buildFromSettings(settings(unavailable));
    expect(first.semanticOff).toBeDefined();
    const live = currentBuildDir(index);
    const lines: string[] = [];
    const again = await buildFromSettings(settings(unavailable), { log: (l) => lines.push(l) });
    expect(again).toMatchObject({ embedded: 0, semanticOff: expect.stringContaining(unavailable) });
    expect(lines).toContain('Index unchanged (model unavailable: keyword search only, as before).');
    expect(currentBuildDir(index)).toBe(live);
    const online = await buildFromSettings(settings(testModel));
    expect(online.embedded).toBe(39);
    expect(readManifest(currentBuildDir(index)!).model?.id).toBe(testModel);
  }, 120_000);
});
