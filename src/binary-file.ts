/**
 * What the index's binary files (keywords.bin, passages.bin, texts.bin) share: where their bytes come
 * from (memory or an open file), little-endian typed arrays, the header check, the one error a damaged
 * file gives, closing a file once its reader is collected, and the writer every one of them goes through.
 */
import fs from 'node:fs';
import { ErrorCodes, Hints, KijiError } from './errors.js';

/** A damaged, truncated or foreign index file: the one error every reader of an index file throws. */
export function corruptFile(file: string, what: string, cause?: unknown): KijiError {
  return new KijiError(ErrorCodes.INDEX_CORRUPT, `The index file ${file} ${what}.`, { hint: Hints.rebuildDamagedIndex, cause });
}

// ---- sources -------------------------------------------------------------------------------------

/** The bytes of a file: held in memory, or read from the open file as needed. */
export interface Source {
  readonly size: number;
  /** The whole file, when it is in memory. */
  readonly bytes?: Uint8Array;
  /** Copies `length` bytes at `position` into `into` at `at` (default 0). */
  readInto(into: Uint8Array, position: number, length: number, at?: number): void;
  close(): void;
}

export function memorySource(bytes: Uint8Array): Source {
  return {
    size: bytes.byteLength,
    bytes,
    readInto: (into, position, length, at = 0) => into.set(bytes.subarray(position, position + length), at),
    close: () => {},
  };
}

/** `file` kept open and read as needed; `close` (or `closeOnCollect`) lets go of the descriptor. */
export function fileSource(file: string): Source {
  const fd = fs.openSync(file, 'r');
  const size = fs.fstatSync(fd).size;
  let open = true;
  return {
    size,
    readInto: (into, position, length, at = 0) => {
      if (!open) throw new KijiError(ErrorCodes.INDEX_CORRUPT, `The index file ${file} was closed.`);
      let done = 0;
      while (done < length) {
        const read = fs.readSync(fd, into, at + done, length - done, position + done);
        if (read === 0) throw corruptFile(file, `ended early at byte ${position + done} (changed since it was opened?)`);
        done += read;
      }
    },
    close: () => {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}

/** A file as a source: read whole into memory if it has at most `inMemoryBytes` bytes, else read as needed. */
export function openSource(file: string, inMemoryBytes: number): Source {
  return fs.statSync(file).size <= inMemoryBytes ? memorySource(fs.readFileSync(file)) : fileSource(file);
}

// A reader dropped without `close` (an index swapped out by a reindex) closes its file once collected.
// Its reads are synchronous, so none can be running by then.
const registry = new FinalizationRegistry<Source>((source) => source.close());

/** Closes `source` once `owner` is collected, unless `keepOpen(owner)` or an eager close came first. */
export function closeOnCollect(owner: object, source: Source): void {
  registry.register(owner, source, owner);
}

/** Undoes `closeOnCollect`, for an owner that closes its source itself. */
export function keepOpen(owner: object): void {
  registry.unregister(owner);
}

// ---- little-endian typed arrays ------------------------------------------------------------------

export const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export type NumberArray = Uint32Array | Int32Array | Float32Array | Float64Array;
export type NumberArrayType = {
  new (length: number): NumberArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumberArray;
  BYTES_PER_ELEMENT: number;
};

function setLe(view: DataView, array: NumberArray, i: number, x: number): void {
  if (array instanceof Float64Array) view.setFloat64(i * 8, x, true);
  else if (array instanceof Float32Array) view.setFloat32(i * 4, x, true);
  else if (array instanceof Int32Array) view.setInt32(i * 4, x, true);
  else view.setUint32(i * 4, x, true);
}

function getLe(view: DataView, Type: NumberArrayType, i: number): number {
  if (Type === Float64Array) return view.getFloat64(i * 8, true);
  if (Type === Float32Array) return view.getFloat32(i * 4, true);
  if (Type === Int32Array) return view.getInt32(i * 4, true);
  return view.getUint32(i * 4, true);
}

/** The little-endian bytes of a typed array (a view on little-endian machines). */
export function leBytes(array: NumberArray): Uint8Array {
  if (NATIVE_LITTLE_ENDIAN) return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const out = new Uint8Array(array.byteLength);
  const view = new DataView(out.buffer);
  array.forEach((x, i) => setLe(view, array, i, x));
  return out;
}

/** A typed array over little-endian bytes: viewed in place when aligned, else copied. */
export function fromLeBytes<T extends NumberArray>(Type: NumberArrayType, bytes: Uint8Array): T {
  const n = bytes.byteLength / Type.BYTES_PER_ELEMENT;
  if (NATIVE_LITTLE_ENDIAN) {
    if (bytes.byteOffset % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer, bytes.byteOffset, n) as T;
    return new Type(new Uint8Array(bytes).buffer, 0, n) as T;
  }
  const out = new Type(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = getLe(view, Type, i);
  return out as T;
}

// ---- header --------------------------------------------------------------------------------------

/** What a binary file starts with: ASCII `magic`, then its format version as a little-endian u32. */
export interface FileHeader {
  magic: string;
  /** Names the kind of file in errors ("a kiji keyword index"). */
  kind: string;
  /** Versions this kiji reads. */
  versions: readonly number[];
}

export function headerBytes(header: FileHeader, version: number): Uint8Array {
  const out = new Uint8Array(header.magic.length + 4);
  for (let i = 0; i < header.magic.length; i++) out[i] = header.magic.charCodeAt(i);
  new DataView(out.buffer).setUint32(header.magic.length, version, true);
  return out;
}

/**
 * Checks the header at the start of `bytes` and returns the file's version; `bad` (which throws) hears
 * what is wrong: too short, another magic, or a version this kiji does not read.
 */
export function checkHeader(bytes: Uint8Array, header: FileHeader, bad: (what: string) => never): number {
  const { magic, kind, versions } = header;
  if (bytes.byteLength < magic.length + 4) bad(`${bytes.byteLength} bytes, shorter than its header`);
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) bad(`not ${kind} (wrong magic bytes)`);
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(magic.length, true);
  if (!versions.includes(version)) bad(`format version ${version}, this kiji reads version ${versions.join(' or ')}`);
  return version;
}

// ---- writer --------------------------------------------------------------------------------------

const WRITE_PIECE_BYTES = 1 << 30;

/** Sees every byte of a file as it is written, in order (a checksum, for one). */
export interface WriteObserver {
  update(chunk: Uint8Array): void;
}

/**
 * Writes `parts` one after the other as `file` (created or replaced); each part is shown to `observe`
 * before it is written. Resolves with the file's size.
 */
export async function writeBinaryFile(file: string, parts: Uint8Array | readonly Uint8Array[], observe?: WriteObserver): Promise<number> {
  const list = parts instanceof Uint8Array ? [parts] : parts;
  const handle = await fs.promises.open(file, 'w');
  let size = 0;
  try {
    for (const part of list) {
      observe?.update(part);
      // In pieces: one write takes at most 2 GB.
      for (let done = 0; done < part.byteLength; ) {
        const { bytesWritten } = await handle.write(part, done, Math.min(part.byteLength - done, WRITE_PIECE_BYTES), size + done);
        done += bytesWritten;
      }
      size += part.byteLength;
    }
  } finally {
    await handle.close();
  }
  return size;
}
