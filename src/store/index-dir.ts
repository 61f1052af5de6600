import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * An index folder holds one sub-folder per build and a `CURRENT` file naming the live one.
 * A build writes a new sub-folder and only then replaces `CURRENT` by rename, which is atomic:
 * a build that fails or is killed leaves the previous index untouched and in use.
 */
const CURRENT = 'CURRENT';
const BUILD_PREFIX = 'build-';
const PARTIAL_SUFFIX = '.partial';

/** The live build's folder, or undefined when no build was ever completed. */
export function currentBuildDir(indexDir: string): string | undefined {
  let name: string;
  try {
    name = fs.readFileSync(path.join(indexDir, CURRENT), 'utf8').trim();
  } catch {
    return undefined;
  }
  // Never follow a pointer out of the index folder.
  if (!name.startsWith(BUILD_PREFIX) || name.includes('/') || name.includes('\\')) return undefined;
  return path.join(indexDir, name);
}

export function newBuildId(): string {
  const stamp = new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Creates the folder a build writes into; it is invisible to readers until `publishBuild`. */
export function startBuild(indexDir: string, buildId: string): string {
  fs.mkdirSync(indexDir, { recursive: true });
  const dir = path.join(indexDir, `${BUILD_PREFIX}${buildId}${PARTIAL_SUFFIX}`);
  fs.mkdirSync(dir);
  return dir;
}

/** Makes a finished build live, then removes older builds and leftovers of killed ones. */
export function publishBuild(indexDir: string, partialDir: string): string {
  const finalDir = partialDir.slice(0, -PARTIAL_SUFFIX.length);
  fsyncFolderFiles(partialDir);
  fs.renameSync(partialDir, finalDir);
  pointCurrentAt(indexDir, finalDir);
  removeStaleBuilds(indexDir, finalDir);
  return finalDir;
}

/** Makes `buildDir` (a finished build in `indexDir`) the live one, atomically. */
export function pointCurrentAt(indexDir: string, buildDir: string): void {
  const pointer = path.join(indexDir, `${CURRENT}.${process.pid}.tmp`);
  fs.writeFileSync(pointer, path.basename(buildDir) + '\n');
  fs.renameSync(pointer, path.join(indexDir, CURRENT));
}

/** Drops a build that will not be published (after an error). */
export function abandonBuild(partialDir: string): void {
  fs.rmSync(partialDir, { recursive: true, force: true });
}

/** Everything but the live build: older builds (already loaded ones stay in memory) and killed partial builds. */
function removeStaleBuilds(indexDir: string, liveDir: string): void {
  for (const entry of fs.readdirSync(indexDir)) {
    const full = path.join(indexDir, entry);
    if (entry.startsWith(BUILD_PREFIX) && full !== liveDir) {
      // A partial build younger than a minute may belong to a concurrent build: leave it.
      if (entry.endsWith(PARTIAL_SUFFIX) && Date.now() - fs.statSync(full).mtimeMs < 60_000) continue;
      fs.rmSync(full, { recursive: true, force: true });
    } else if (entry.startsWith(`${CURRENT}.`) && entry.endsWith('.tmp')) {
      fs.rmSync(full, { force: true });
    }
  }
}

/** Data must be on disk before the pointer names it, or a power cut could publish empty files. */
function fsyncFolderFiles(dir: string): void {
  for (const entry of fs.readdirSync(dir)) {
    const fd = fs.openSync(path.join(dir, entry), 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
