import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STAMP_SETTLE_MS, nodeArticleFs, sourceFingerprint, type ArticleFs, type SourceStamps } from '../../src/articles/load.js';

/** A fixed mtime (whole seconds, so `utimes` can set it back exactly). */
const MTIME_S = 1_700_000_000;

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-fingerprint-'));
  file = path.join(dir, 'a.md');
  fs.writeFileSync(file, '# 見出し\n\nパリで首脳会合を開催。\n');
  fs.writeFileSync(path.join(dir, 'b.md'), '# 別の記事\n\n東京で会議。\n');
  fs.utimesSync(file, MTIME_S, MTIME_S);
});
afterEach(() => {
  vi.useRealTimers();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The node file system, counting the files opened for reading. */
function countingFs(): { fs: ArticleFs; opened: string[] } {
  const opened: string[] = [];
  return { opened, fs: { ...nodeArticleFs, open: async (f, flags) => (opened.push(path.basename(f)), nodeArticleFs.open(f, flags)) } };
}

/** Stamps taken a minute after the files were written, as by a build run well after the last edit. */
async function settledStamps(): Promise<{ fingerprint: string; stamps: SourceStamps }> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 60_000);
  return sourceFingerprint(dir);
}

describe('sourceFingerprint with the stamps of the previous build', () => {
  it('knows unchanged files by their stamps without reading them, and gives the same fingerprint', async () => {
    const first = await settledStamps();
    expect(first).toMatchObject({ hashed: 2, worthRecording: true });
    const { fs: counting, opened } = countingFs();
    const again = await sourceFingerprint(dir, { known: first.stamps, fs: counting });
    expect(opened).toEqual([]);
    expect(again).toMatchObject({ fingerprint: first.fingerprint, hashed: 0, worthRecording: false, stamps: { files: first.stamps.files } });
    // The same as reading every file.
    expect((await sourceFingerprint(dir)).fingerprint).toBe(first.fingerprint);
  });

  it('reads a file whose bytes changed with the same size and its mtime set back (its ctime moved)', async () => {
    const first = await settledStamps();
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('パリ', 'ローマ'.slice(0, 2)));
    fs.utimesSync(file, MTIME_S, MTIME_S);
    const stamp = first.stamps.files.find((s) => s.path === 'a.md')!;
    const now = fs.statSync(file, { bigint: true });
    expect([now.size, String(now.mtimeNs)]).toEqual([BigInt(stamp.size), stamp.mtimeNs]);
    const { fs: counting, opened } = countingFs();
    const again = await sourceFingerprint(dir, { known: first.stamps, fs: counting });
    expect(opened).toEqual(['a.md']);
    expect(again.fingerprint).not.toBe(first.fingerprint);
    expect(again.fingerprint).toBe((await sourceFingerprint(dir)).fingerprint);
  });

  it('reports a known file that is now over the size limit, as a read would', async () => {
    const first = await settledStamps();
    const again = await sourceFingerprint(dir, { known: first.stamps, maxBytes: 10 });
    expect(again.fingerprint).not.toBe(first.fingerprint);
    expect(again.fingerprint).toBe((await sourceFingerprint(dir, { maxBytes: 10 })).fingerprint);
  });

  it(`never trusts a stamp taken within ${STAMP_SETTLE_MS} ms of the file's last write: its bytes may change without changing its stat`, async () => {
    // Stamps taken right after the write, then the bytes changed within the same clock tick (simulated:
    // the file system reports the recorded stat again).
    const fresh = await sourceFingerprint(dir);
    const stamp = fresh.stamps.files.find((s) => s.path === 'a.md')!;
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('パリ', 'ロマ'));
    const sameStat: ArticleFs = {
      ...nodeArticleFs,
      stamp: async (f) => {
        const real = await nodeArticleFs.stamp(f);
        if (path.basename(f) !== 'a.md') return real;
        return Object.assign(Object.create(Object.getPrototypeOf(real) as object) as BigIntStats, real, {
          size: BigInt(stamp.size),
          mtimeNs: BigInt(stamp.mtimeNs),
          ctimeNs: BigInt(stamp.ctimeNs),
          ino: BigInt(stamp.ino),
        });
      },
    };
    const racy = await sourceFingerprint(dir, { known: fresh.stamps, fs: sameStat });
    expect(racy.hashed).toBeGreaterThanOrEqual(1);
    expect(racy.fingerprint).not.toBe(fresh.fingerprint);
    // The same stat under a settled stamp is trusted: this is what the settling margin guards against.
    const settled = { ...fresh.stamps, at: fresh.stamps.at + 60_000 };
    expect((await sourceFingerprint(dir, { known: settled, fs: sameStat })).fingerprint).toBe(fresh.fingerprint);
  });
});
