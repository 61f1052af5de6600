/** Where the bytes of a keyword index come from: memory (`deserialize`) or an open file (`open`). */
import fs from 'node:fs';
import { ErrorCodes, KijiError } from '../errors.js';

export function fail(message: string): never {
  throw new KijiError(ErrorCodes.INDEX_CORRUPT, `Keyword index is unreadable: ${message}.`, {
    hint: 'Rebuild the index (npm run embed).',
  });
}

export interface Source {
  readonly size: number;
  /** The whole index, when it is in memory. */
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

export function fileSource(file: string): Source {
  const fd = fs.openSync(file, 'r');
  const size = fs.fstatSync(fd).size;
  let open = true;
  return {
    size,
    readInto: (into, position, length, at = 0) => {
      if (!open) throw new KijiError(ErrorCodes.INDEX_CORRUPT, 'Keyword index was closed.');
      let done = 0;
      while (done < length) {
        const read = fs.readSync(fd, into, at + done, length - done, position + done);
        if (read === 0) fail(`file ended early at byte ${position + done} (changed since it was opened?)`);
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
