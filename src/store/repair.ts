import fs from 'node:fs';
import path from 'node:path';
import { describeWithoutHint } from '../errors.js';
import { checkFiles, type Checksums, type FileDamage } from './integrity.js';
import { indexFiles, readManifest, type Manifest } from './manifest.js';
import { currentBuildDir, pointCurrentAt } from './index-dir.js';

/**
 * What a build may take over from the build before it. Every data file is checked whole against its
 * checksum first (a read of the files, cheap next to re-embedding them), so a damaged build is
 * never kept as "unchanged": the damaged files are rebuilt, and its vectors are reused only when
 * vectors.hnsw and the passage table that labels them pass.
 */
export interface CheckedBuild {
  dir: string;
  manifest: Manifest;
  /** Data files that failed their check (empty: the whole build is intact). */
  damaged: FileDamage[];
  /** CURRENT was missing or unreadable and this build was found beside it: publishing must point CURRENT at it again. */
  orphaned: boolean;
}

/** The expected size and checksum of each data file the manifest lists. */
export function checksumsOf(manifest: Manifest): Checksums {
  const out: Checksums = {};
  for (const [name, bytes] of Object.entries(manifest.files)) out[name] = { bytes, crc: manifest.checksums?.[name] ?? -1 };
  return out;
}

/** The live build found (see `findPreviousBuild`), before its files are checked. */
export type FoundBuild = Omit<CheckedBuild, 'damaged'>;

/**
 * The live build of `indexDir`, checked. When CURRENT is missing or names no readable build, the
 * newest finished build folder beside it whose manifest reads is taken instead (a build that
 * published it never removes the one CURRENT names, so that folder is the last build published).
 * Undefined when there is none, or when its manifest cannot be trusted (then nothing of it can be
 * proven intact and the build starts from scratch).
 */
export async function checkPreviousBuild(indexDir: string, log: (line: string) => void): Promise<CheckedBuild | undefined> {
  const found = findPreviousBuild(indexDir, log);
  return found && (await checkBuild(found));
}

/** The first half of `checkPreviousBuild`: the build and its manifest, which a caller may use while its files are checked. */
export function findPreviousBuild(indexDir: string, log: (line: string) => void): FoundBuild | undefined {
  const named = currentBuildDir(indexDir);
  const candidates = named !== undefined && fs.existsSync(path.join(named, indexFiles.manifest)) ? [named] : finishedBuilds(indexDir);
  const dir = candidates[0];
  if (dir === undefined) return undefined;
  try {
    return { dir, manifest: readManifest(dir), orphaned: dir !== named };
  } catch (error) {
    log(`The previous index cannot be reused (${describeWithoutHint(error)}); building from scratch.`);
    return undefined;
  }
}

/**
 * The second half: every data file of a found build checked against its checksum, on this thread (the
 * build waits for the result, and reading a slice and summing it while it is in the cache costs less
 * than starting worker threads).
 */
export async function checkBuild(found: FoundBuild): Promise<CheckedBuild> {
  const { dir, manifest } = found;
  const damaged = await checkFiles(dir, checksumsOf(manifest), Object.keys(manifest.files), 1, true).done;
  return { ...found, damaged };
}

/** Finished (published or renamed) build folders, newest first; partial ones are never candidates. */
function finishedBuilds(indexDir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(indexDir);
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.startsWith('build-') && !e.endsWith('.partial'))
    .sort()
    .reverse()
    .map((e) => path.join(indexDir, e));
}

/** Publishes a found build again when CURRENT had lost it; a no-op for the live one. */
export function republish(indexDir: string, build: CheckedBuild, log: (line: string) => void): void {
  if (!build.orphaned) return;
  pointCurrentAt(indexDir, build.dir);
  log(`Repaired CURRENT (missing or unreadable): it names ${path.basename(build.dir)} again, whose files all pass their checksums.`);
}

/** Whether vectors of this build can be reused: its graph and the passage table that labels it pass. */
export function vectorsTrusted(build: CheckedBuild): boolean {
  return !build.damaged.some((d) => d.name === indexFiles.vectors || d.name === indexFiles.passages);
}

/** Whether the passage table (ids, hashes, vector labels) can be read for reuse. */
export function tableTrusted(build: CheckedBuild): boolean {
  return !build.damaged.some((d) => d.name === indexFiles.passages);
}

/** One line per repaired file, as `npm run embed` and the bot's log print them; `vectors` says what became of the vectors. */
export function repairLines(damaged: readonly FileDamage[], vectors: string): string[] {
  return damaged.map((d) => {
    const what = d.reason === 'is missing' ? 'missing' : d.reason.includes('checksum') ? 'checksum mismatch' : d.reason.replace(/^is /, '');
    return `Repaired ${d.name} (${what}): rebuilt from the articles; ${vectors}.`;
  });
}
