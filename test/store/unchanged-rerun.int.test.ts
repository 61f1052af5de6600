import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KijiError } from '../../src/errors.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { readManifest } from '../../src/store/manifest.js';
import { fakeBuild, fakeModel, tempCorpus } from './helpers.js';

/**
 * The re-run of an unchanged corpus with the model unavailable (issue 18): recognised as unchanged from
 * the article files' stamps, with nothing written, while a changed file or a damaged index file is
 * never taken for unchanged, whatever their stat says.
 */
const MTIME_S = 1_700_000_000;
const edited = 'reuters-2026-01-06.txt';

afterEach(() => void vi.useRealTimers());

/** A corpus built once, its stamps taken a minute after the articles were written (as by a later `npm run embed`). */
async function builtCorpus() {
  const dirs = tempCorpus();
  fs.utimesSync(path.join(dirs.articles, edited), MTIME_S, MTIME_S);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 60_000);
  await fakeBuild(dirs).run();
  return dirs;
}

/** The model asked for cannot be loaded; `model` is the one asked for. */
function offline(dirs: { articles: string; index: string }, model = fakeModel) {
  const lines: string[] = [];
  const build = fakeBuild(dirs, undefined, {
    model,
    getEmbedder: async () => {
      requests++;
      throw new KijiError('MODEL_UNAVAILABLE', 'offline in this test');
    },
    log: (line) => lines.push(line),
  });
  let requests = 0;
  return { run: build.run, lines, requests: () => requests };
}

/** Every file of the index folder: its bytes' digest and its mtime, to tell that nothing was written. */
function snapshot(index: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(index, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(index, file)] = `${createHash('sha256').update(fs.readFileSync(file)).digest('hex')} ${fs.statSync(file, { bigint: true }).mtimeNs}`;
  }
  return out;
}

describe('an unchanged re-run with the model unavailable', () => {
  it.each([
    ['the model of the index', fakeModel, 0],
    ['another model (asked for once, fails to load)', { id: 'no-such-org/no-such-model', dtype: 'q8' }, 1],
  ])('is recognised as unchanged asking for %s, and writes nothing', async (_, model, requests) => {
    const dirs = await builtCorpus();
    expect(readManifest(currentBuildDir(dirs.index)!).sourceFiles?.files.length).toBeGreaterThan(0);
    const before = snapshot(dirs.index);
    const rerun = offline(dirs, model);
    const report = await rerun.run();
    expect(report).toMatchObject({ embedded: 0, removed: 0, reused: report.passages });
    expect(rerun.requests()).toBe(requests);
    if (requests > 0) expect(rerun.lines).toContain('Index unchanged (model unavailable: vectors kept from the previous build).');
    expect(snapshot(dirs.index)).toEqual(before);
  });

  it('records the stamps of files written just before the build once they have settled, then writes nothing', async () => {
    const dirs = tempCorpus();
    await fakeBuild(dirs).run();
    const live = currentBuildDir(dirs.index)!;
    const stampedAt = readManifest(live).sourceFiles!.at;
    // Within the settling margin of the writes: read again, and nothing is recorded yet.
    const before = snapshot(dirs.index);
    await offline(dirs).run();
    expect(snapshot(dirs.index)).toEqual(before);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    await offline(dirs).run();
    expect(currentBuildDir(dirs.index)).toBe(live);
    expect(readManifest(live).sourceFiles!.at).toBeGreaterThan(stampedAt);
    const recorded = snapshot(dirs.index);
    await offline(dirs).run();
    expect(snapshot(dirs.index)).toEqual(recorded);
  });

  it('takes a file with the same size and mtime but other bytes as changed', async () => {
    const dirs = await builtCorpus();
    const live = currentBuildDir(dirs.index);
    const file = path.join(dirs.articles, edited);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('パリで首脳会合', 'ローマで首脳会'));
    fs.utimesSync(file, MTIME_S, MTIME_S);
    expect(fs.statSync(file).size).toBe(Buffer.byteLength(text));
    const rerun = offline(dirs);
    const report = await rerun.run();
    expect(rerun.lines.join('\n')).not.toContain('Index unchanged');
    expect(currentBuildDir(dirs.index)).not.toBe(live);
    // The model is asked for now (a passage changed), and cannot be had: the rest is kept.
    expect(report).toMatchObject({ embedded: 0, reused: report.passages - 1, semanticOff: expect.stringContaining('offline in this test') });
  });

  it('checks every byte of the previous build: a graph damaged in place, its size and mtime kept, is repaired', async () => {
    const dirs = await builtCorpus();
    const graph = path.join(currentBuildDir(dirs.index)!, 'vectors.hnsw');
    const { mtime } = fs.statSync(graph);
    const fd = fs.openSync(graph, 'r+');
    fs.writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, Math.floor(fs.fstatSync(fd).size / 2));
    fs.closeSync(fd);
    fs.utimesSync(graph, mtime, mtime);
    const rerun = offline(dirs);
    await rerun.run();
    expect(rerun.lines.join('\n')).toMatch(/Repaired vectors\.hnsw \(checksum mismatch\)/);
  });
});
