import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { buildFromSettings } from '../../src/library.js';
import { buildInWorker } from '../../src/store/build-worker.js';
import { round } from './stats.js';

export const testModel = path.resolve(import.meta.dirname, '..', '..', 'test', 'fixtures', 'model', 'kiji-test-char');

export function settingsFor(articlesPath: string, model: string): Settings {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-bench-loop-'));
  return loadSettings({ ARTICLES_PATH: articlesPath, INDEX_DIR: path.join(root, 'index'), ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: model, EMBEDDING_DTYPE: 'q8' }, {});
}

async function delayDuring(run: () => Promise<unknown>) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t = performance.now();
  await run();
  const ms = performance.now() - t;
  h.disable();
  const toMs = (ns: number): number => round(ns / 1e6, 1);
  return { buildMs: round(ms, 0), p50: toMs(h.percentile(50)), p99: toMs(h.percentile(99)), max: toMs(h.max) };
}

/**
 * Event-loop delay of the process that serves the bot while a full build (model load, embedding,
 * indexing, publish) runs: on its own thread (before) and through buildInWorker (after).
 */
export async function benchLoopDelay(articlesPath: string, model: string) {
  const inProcess = await delayDuring(() => buildFromSettings(settingsFor(articlesPath, model)));
  const inWorker = await delayDuring(() => buildInWorker({ settings: settingsFor(articlesPath, model) }));
  return { model: path.basename(model), inProcess, inWorker };
}
