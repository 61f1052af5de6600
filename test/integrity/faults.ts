import fs from 'node:fs';
import path from 'node:path';
import { currentBuildDir } from '../../src/store/index-dir.js';

/** The files of an index that the fault tests damage: the build's files, and CURRENT beside them. */
export const faultFiles = ['manifest.json', 'passages.bin', 'texts.bin', 'keywords.bin', 'vectors.hnsw', 'CURRENT'] as const;
export const faultKinds = ['truncate', 'zero', 'overwrite', 'delete'] as const;
export type FaultFile = (typeof faultFiles)[number];
export type FaultKind = (typeof faultKinds)[number];

/** Every file with every fault, 24 cases. */
export const faultCases: [FaultFile, FaultKind][] = faultFiles.flatMap((file) => faultKinds.map((kind): [FaultFile, FaultKind] => [file, kind]));

/** A small seeded generator, so a failing case names the bytes it wrote. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The path of `file` in the live build of `indexDir` (CURRENT: beside the builds). */
export function faultPath(indexDir: string, file: FaultFile): string {
  return file === 'CURRENT' ? path.join(indexDir, 'CURRENT') : path.join(currentBuildDir(indexDir)!, file);
}

/**
 * Damages one file in place: cut to half its size, zeroed at its size, 4 runs of 64 random bytes
 * written at random offsets (seeded), or deleted.
 */
export function injectFault(indexDir: string, file: FaultFile, kind: FaultKind, seed = 1): void {
  const target = faultPath(indexDir, file);
  const size = fs.statSync(target).size;
  if (kind === 'delete') return fs.rmSync(target);
  if (kind === 'truncate') return fs.truncateSync(target, Math.floor(size / 2));
  if (kind === 'zero') return fs.writeFileSync(target, Buffer.alloc(size));
  const next = random(seed);
  const fd = fs.openSync(target, 'r+');
  try {
    for (let i = 0; i < 4; i++) {
      const bytes = Buffer.from(Array.from({ length: 64 }, () => Math.floor(next() * 256)));
      fs.writeSync(fd, bytes, 0, bytes.length, Math.floor(next() * Math.max(1, size - 64)));
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Overwrites the last 64 bytes of a file: in keywords.bin and texts.bin, data a load leaves on disk (postings, texts) rather than the head it reads. */
export function damageTail(indexDir: string, file: FaultFile): void {
  const target = faultPath(indexDir, file);
  const fd = fs.openSync(target, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, Math.max(0, fs.fstatSync(fd).size - 64));
  } finally {
    fs.closeSync(fd);
  }
}
