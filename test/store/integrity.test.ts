import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFiles, crc32, damageOfBytes, damageOfFile, damageOfManifestJson, fileCrc32, fileCrc32Here, manifestText } from '../../src/store/integrity.js';

function tempFile(bytes: Uint8Array): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-crc-')), 'data.bin');
  fs.writeFileSync(file, bytes);
  return file;
}

/** Larger than what is checked on the calling thread, so the worker's streaming check runs. */
const large = Buffer.alloc(9 * 2 ** 20 + 13, 0x5a);

describe('checksums of index files', () => {
  it('streams a large file on a worker to the same CRC32 as the bytes in memory', async () => {
    const file = tempFile(large);
    expect(await fileCrc32(file)).toEqual({ crc: crc32(large), bytes: large.length });
  });

  it('names what is wrong: size, checksum, a missing file', async () => {
    const bytes = Buffer.from('passage texts');
    const expected = { bytes: bytes.length, crc: crc32(bytes) };
    expect(damageOfBytes(bytes, expected)).toBeUndefined();
    expect(damageOfBytes(bytes.subarray(1), expected)).toMatch(/is 12 bytes, expected 13/);
    const changed = Buffer.from(bytes);
    changed[3] = changed[3]! ^ 1;
    expect(damageOfBytes(changed, expected)).toMatch(/does not match its checksum/);
    const file = tempFile(large);
    const crc = crc32(large);
    expect(await damageOfFile(file, { bytes: large.length, crc })).toBeUndefined();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([1, 2, 3, 4]), 0, 4, 8 * 2 ** 20 + 5);
    fs.closeSync(fd);
    expect(await damageOfFile(file, { bytes: large.length, crc })).toMatch(/does not match its checksum/);
    expect(await damageOfFile(`${file}.gone`, { bytes: 1, crc: 0 })).toBe('is missing');
  });

  it('checks several files and reports only the damaged ones, in the order asked; a cancelled check reports nothing', async () => {
    const dir = path.dirname(tempFile(large));
    fs.writeFileSync(path.join(dir, 'small.bin'), 'small');
    const files = { 'data.bin': { bytes: large.length, crc: crc32(large) }, 'small.bin': { bytes: 5, crc: 0 } };
    expect(await checkFiles(dir, files, ['data.bin', 'small.bin', 'unlisted.bin'], 2).done).toEqual([
      { name: 'small.bin', file: path.join(dir, 'small.bin'), reason: expect.stringContaining('checksum') },
      { name: 'unlisted.bin', file: path.join(dir, 'unlisted.bin'), reason: 'is not listed in the manifest' },
    ]);
    const check = checkFiles(dir, files, ['data.bin', 'small.bin']);
    check.cancel();
    expect(await check.done).toEqual([]);
  });

  it('checks on this thread, a slice at a time, to the same CRC32 and the same findings as on a worker', async () => {
    const file = tempFile(large);
    expect(await fileCrc32Here(file)).toEqual({ crc: crc32(large), bytes: large.length });
    const dir = path.dirname(file);
    fs.writeFileSync(path.join(dir, 'small.bin'), 'small');
    const files = { 'data.bin': { bytes: large.length, crc: crc32(large) }, 'small.bin': { bytes: 5, crc: 0 } };
    const names = ['data.bin', 'small.bin', 'unlisted.bin'];
    const here = await checkFiles(dir, files, names, 1, true).done;
    expect(here.map((d) => d.name)).toEqual(['small.bin', 'unlisted.bin']);
    expect(here).toEqual(await checkFiles(dir, files, names, 2).done);
    // Damage past the first slice is found; the event loop runs between slices, and a cancelled check reports nothing.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([1]), 0, 1, large.length - 1);
    fs.closeSync(fd);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    expect(await damageOfFile(file, files['data.bin'], { here: true })).toMatch(/does not match its checksum/);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    const check = checkFiles(dir, files, ['data.bin'], 1, true);
    check.cancel();
    expect(await check.done).toEqual([]);
  });

  it("carries the manifest's own checksum: any edit of its content is caught, an older manifest without one is left to its version check", () => {
    const text = manifestText({ format: 'kiji-index', passages: 39, files: { 'texts.bin': 10 } });
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(damageOfManifestJson(json)).toBeUndefined();
    expect(damageOfManifestJson({ ...json, passages: 40 })).toMatch(/does not match its checksum/);
    const { checksum: _, ...older } = json;
    expect(damageOfManifestJson(older)).toBeUndefined();
  });
});
