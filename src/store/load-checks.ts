import path from 'node:path';
import { TEXTS_IN_MEMORY_BYTES } from './passage-table.js';
import { KEYWORDS_IN_MEMORY_BYTES } from '../keywords/bm25.js';
import { checkFiles, damageOfFile, type FileDamage } from './integrity.js';
import { corruptFile } from '../binary-file.js';
import { expectedOf, indexFiles, type Manifest } from './manifest.js';
import { checksumsOf } from './repair.js';

/**
 * When a load checks each file against its checksum. A file read whole is checked as it is read
 * (passages.bin always; texts.bin and keywords.bin when small enough to be held in memory). A graph
 * up to `VECTORS_CHECKED_BEFORE_LOAD_BYTES` is checked before hnswlib reads it: the patched loader
 * refuses a graph it cannot walk safely, but only the checksum sees changed vector values. Larger
 * files (texts and keywords read per query, a large graph mapped from its file) are checked in the
 * background once the index is loaded and serving, so that a large index still loads within its
 * floor (docs/benchmarks.md). Until that check ends they are used as they are; when it fails, the
 * index is marked damaged (see retrieval/fallback.ts).
 */
export const VECTORS_CHECKED_BEFORE_LOAD_BYTES = 256 * 2 ** 20;

/** Sizes above which each file is left on disk and checked in the background; `override` sets all three (tests). */
export function checkLimits(override?: number): { texts: number; keywords: number; vectors: number } {
  return override !== undefined
    ? { texts: override, keywords: override, vectors: override }
    : { texts: TEXTS_IN_MEMORY_BYTES, keywords: KEYWORDS_IN_MEMORY_BYTES, vectors: VECTORS_CHECKED_BEFORE_LOAD_BYTES };
}

/** Checks a graph before hnswlib reads it; throws INDEX_CORRUPT naming it. */
export async function verifyBeforeLoad(dir: string, manifest: Manifest, name: string): Promise<void> {
  const file = path.join(dir, name);
  const damage = await damageOfFile(file, expectedOf(dir, manifest, name));
  if (damage) throw corruptFile(file, damage);
}

/** A check of a loaded index's large files, running in the background. */
export interface BackgroundCheck {
  /** The files checked. */
  names: string[];
  /** What failed (empty: all passed). */
  done: Promise<FileDamage[]>;
  cancel(): void;
}

/** Starts the background check of `names` (none: a check that passed at once). */
export function checkInBackground(dir: string, manifest: Manifest, names: string[]): BackgroundCheck {
  if (names.length === 0) return { names, done: Promise.resolve([]), cancel: () => {} };
  const check = checkFiles(dir, checksumsOf(manifest), names);
  return { names, ...check };
}

/** Files a load leaves on disk, by name, given the sizes in the manifest. */
export function leftOnDisk(manifest: Manifest, limits: ReturnType<typeof checkLimits>, withVectors: boolean): string[] {
  const size = (name: string): number => manifest.files[name] ?? 0;
  const out: string[] = [];
  if (size(indexFiles.texts) > limits.texts) out.push(indexFiles.texts);
  if (size(indexFiles.keywords) > limits.keywords) out.push(indexFiles.keywords);
  if (withVectors && size(indexFiles.vectors) > limits.vectors) out.push(indexFiles.vectors);
  return out;
}
