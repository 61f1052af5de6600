import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Worker } from 'node:worker_threads';

/**
 * Checksums of index files: CRC32 (zlib's, with the CPU's carry-less multiply where it has one), fast
 * enough to check every file a load reads whole and, off the main thread, the large ones a load
 * leaves on disk. They catch damage (truncation, zeroed or overwritten bytes, a file copied over),
 * not tampering: an index is derived data, rebuilt from the articles.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  return zlib.crc32(bytes, previous);
}

/** Files up to this size are checked on the calling thread; larger ones on a worker thread. */
const INLINE_BYTES = 8 * 2 ** 20;

/** Bytes read at a time by a streaming check. */
const CHUNK_BYTES = 8 * 2 ** 20;

/**
 * Bytes read at a time by a check on the calling thread: small enough to stay in the CPU's cache
 * between the read and the checksum, and to keep each slice of work short for the event loop.
 */
const SLICE_BYTES = 2 ** 20;

/** What a check found wrong with one file; `undefined` from a check means the file is intact. */
export interface FileDamage {
  /** The file's name in its build folder (e.g. `vectors.hnsw`). */
  name: string;
  file: string;
  reason: string;
}

/** Size and checksum a file must have. */
export interface Expected {
  bytes: number;
  crc: number;
}

/**
 * What is wrong with bytes read whole (to be completed as "The index file F ..."), or undefined when
 * they have the expected size and checksum.
 */
export function damageOfBytes(bytes: Uint8Array, expected: Expected): string | undefined {
  if (bytes.byteLength !== expected.bytes) return `is ${bytes.byteLength} bytes, expected ${expected.bytes} (truncated?)`;
  return checksumDamage(crc32(bytes), expected.crc);
}

function checksumDamage(actual: number, expected: number): string | undefined {
  const hex = (crc: number): string => crc.toString(16).padStart(8, '0');
  return actual === expected ? undefined : `does not match its checksum (CRC32 ${hex(actual)}, expected ${hex(expected)}): it was damaged or changed after it was written`;
}

/**
 * The CRC32 and size of a whole file: small files here, larger ones streamed on a worker thread so the
 * event loop stays free (a bot verifying its graph in the background keeps answering).
 */
export async function fileCrc32(file: string, onThread?: (checker: Checker) => void): Promise<{ crc: number; bytes: number }> {
  const size = fs.statSync(file).size;
  if (size <= INLINE_BYTES) {
    const bytes = fs.readFileSync(file);
    return { crc: crc32(bytes), bytes: bytes.length };
  }
  const checker = new Checker(file);
  onThread?.(checker);
  return checker.result;
}

/**
 * The CRC32 and size of a whole file, read on this thread a slice at a time with the event loop let
 * run between slices. It costs less CPU than a worker thread (no thread to start, the slice still in
 * the cache when it is summed), for a caller that waits for the result anyway. Undefined once `stopped()`.
 */
export async function fileCrc32Here(file: string, stopped: () => boolean = () => false): Promise<{ crc: number; bytes: number } | undefined> {
  const slice = Buffer.allocUnsafe(SLICE_BYTES);
  const fd = fs.openSync(file, 'r');
  try {
    let crc = 0;
    let bytes = 0;
    for (;;) {
      const n = fs.readSync(fd, slice, 0, slice.length, bytes);
      if (n === 0) return { crc, bytes };
      crc = crc32(slice.subarray(0, n), crc);
      bytes += n;
      await new Promise((resolve) => setImmediate(resolve));
      if (stopped()) return undefined;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Where `damageOfFile` reads a file: the default (small files here, large ones on a worker), or `here`, on this thread. */
export type CheckPlace = { onThread?: (checker: Checker) => void } | { here: true; stopped?: () => boolean };

/** The reason a file fails its check (missing, wrong size, wrong checksum), or undefined when it passes (or its check was stopped). */
export async function damageOfFile(file: string, expected: Expected, place: CheckPlace = {}): Promise<string | undefined> {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
  if (size === undefined) return 'is missing';
  if (size !== expected.bytes) return `is ${size} bytes, expected ${expected.bytes} (truncated?)`;
  let actual: { crc: number; bytes: number };
  try {
    const read = 'here' in place ? await fileCrc32Here(file, place.stopped) : await fileCrc32(file, place.onThread);
    if (read === undefined) return undefined;
    actual = read;
  } catch (error) {
    return `cannot be read (${error instanceof Error ? error.message : String(error)})`;
  }
  if (actual.bytes !== expected.bytes) return `is ${actual.bytes} bytes, expected ${expected.bytes} (changed while being checked?)`;
  return checksumDamage(actual.crc, expected.crc);
}

/** The expected size and checksum of every data file of a build, by name. */
export type Checksums = Record<string, Expected>;

/**
 * Checks files of one build folder, `lanes` at a time, large files on worker threads (a background
 * check takes one lane, so it uses at most one core beside the searches); or, with `here`, every file
 * on this thread, one slice at a time (a build, which waits for the result: see `fileCrc32Here`).
 * Resolves with what is damaged (empty when all pass). `cancel` stops it (a released index) and it
 * then resolves with nothing.
 */
export function checkFiles(dir: string, files: Checksums, names: readonly string[], lanes = 1, here = false): { done: Promise<FileDamage[]>; cancel(): void } {
  let cancelled = false;
  const threads = new Set<Checker>();
  const queue = [...names];
  const found: FileDamage[] = [];
  const lane = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined && !cancelled; name = queue.shift()) {
      const file = path.join(dir, name);
      const expected = files[name];
      let thread: Checker | undefined;
      const place: CheckPlace = here ? { here, stopped: () => cancelled } : { onThread: (checker) => threads.add((thread = checker)) };
      const reason = expected === undefined ? 'is not listed in the manifest' : await damageOfFile(file, expected, place);
      if (thread) threads.delete(thread);
      if (reason !== undefined) found.push({ name, file, reason });
    }
  };
  const done = Promise.all(Array.from({ length: Math.max(1, lanes) }, lane)).then(() =>
    cancelled ? [] : found.sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name)),
  );
  return {
    done,
    cancel: () => {
      cancelled = true;
      for (const thread of threads) thread.terminate();
    },
  };
}

/**
 * A worker thread that streams a file through zlib's CRC32. Plain JavaScript evaluated in the worker:
 * on Node 20 a worker thread cannot load this project's TypeScript (see build-worker.ts).
 */
class Checker {
  readonly result: Promise<{ crc: number; bytes: number }>;
  private readonly worker: Worker;

  constructor(file: string) {
    this.worker = new Worker(checkerSource, { eval: true, workerData: { file, chunk: CHUNK_BYTES } });
    // A check never keeps a process alive that has nothing else to do.
    this.worker.unref();
    this.result = new Promise((resolve, reject) => {
      this.worker.once('message', (message: { crc: number; bytes: number } | { error: string }) => ('error' in message ? reject(new Error(message.error)) : resolve(message)));
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the checksum thread stopped (exit code ${code})`)));
    });
  }

  terminate(): void {
    void this.worker.terminate();
  }
}

const checkerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const zlib = require('node:zlib');
const buffer = Buffer.allocUnsafe(workerData.chunk);
parentPort.postMessage((() => {
  const file = workerData.file;
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    let crc = 0;
    let bytes = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, bytes);
      if (n === 0) break;
      crc = zlib.crc32(buffer.subarray(0, n), crc);
      bytes += n;
    }
    return { crc, bytes };
  } catch (error) {
    return { error: error && error.message ? error.message : String(error) };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
})());
`;

/**
 * The manifest's own checksum: CRC32 of its JSON without the `checksum` field, as JSON.stringify
 * writes it (the parsed object keeps the file's key order, so a reader computes the same text).
 */
export function manifestChecksum(json: Record<string, unknown>): number {
  const { checksum: _ignored, ...rest } = json;
  return crc32(Buffer.from(JSON.stringify(rest), 'utf8'));
}

/** The manifest as written: its content, then its checksum. */
export function manifestText<T extends object>(manifest: T): string {
  const { checksum: _ignored, ...rest } = manifest as T & { checksum?: number };
  return JSON.stringify({ ...rest, checksum: manifestChecksum(rest) }, null, 2) + '\n';
}

/**
 * What is wrong with a parsed manifest's own checksum, or undefined when it matches or is absent (a
 * manifest of an older format has none; the reader then refuses it by its format version).
 */
export function damageOfManifestJson(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  if (typeof record.checksum !== 'number') return undefined;
  return checksumDamage(manifestChecksum(record), record.checksum);
}
