import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { buildInWorker } from '../../src/store/build-worker.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { readManifest } from '../../src/store/manifest.js';
import { isKijiError } from '../../src/errors.js';
import { seedArticles } from './helpers.js';

const testModel = path.resolve(import.meta.dirname, '../fixtures/model/kiji-test-char');

function settingsFor(env: Record<string, string> = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-worker-'));
  return loadSettings({
    ARTICLES_PATH: seedArticles,
    INDEX_DIR: path.join(root, 'index'),
    ALLOW_REMOTE_MODELS: 'false',
    EMBEDDING_MODEL: testModel,
    ...env,
  });
}

/** Library.reindex builds through buildInWorker, so the bot's event loop stays free during a rebuild. */
describe('buildInWorker', () => {
  it('builds with the model from the settings in a separate process, then reuses every vector', async () => {
    const settings = settingsFor();
    const progress: number[] = [];
    const lines: string[] = [];
    const first = await buildInWorker({ settings, log: (l) => lines.push(l), onProgress: (done) => progress.push(done) });
    expect(first.passages).toBeGreaterThan(0);
    expect(first.embedded).toBe(first.passages);
    expect(first.semanticOff).toBeUndefined();
    expect(progress.at(-1)).toBe(first.passages);
    const manifest = readManifest(currentBuildDir(settings.indexDir)!);
    expect(manifest.model?.id).toBe(testModel);

    const second = await buildInWorker({ settings });
    expect(second).toMatchObject({ passages: first.passages, embedded: 0, reused: first.passages });
  });

  it('builds keyword-only without loading a model when semantic search is known to be off', async () => {
    const settings = settingsFor({ EMBEDDING_MODEL: 'no-such-org/no-such-model' });
    const report = await buildInWorker({ settings, semanticOff: 'the model could not be loaded' });
    expect(report.embedded).toBe(0);
    expect(report.semanticOff).toBe('the model could not be loaded');
    expect(readManifest(currentBuildDir(settings.indexDir)!).model).toBeNull();
  });

  it('passes a KijiError back with its code and hint', async () => {
    const settings = settingsFor({ ARTICLES_PATH: path.join(os.tmpdir(), 'kiji-no-such-folder') });
    const error = await buildInWorker({ settings }).catch((e: unknown) => e);
    expect(isKijiError(error, 'ARTICLES_NOT_FOUND')).toBe(true);
    expect(error).toMatchObject({ code: 'ARTICLES_NOT_FOUND', hint: expect.stringMatching(/\S/) });
  });
});
