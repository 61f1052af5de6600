import { createHash } from 'node:crypto';
import type { BigIntStats, Dirent, Stats } from 'node:fs';
import { constants } from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Article } from './article.js';
import { parseJsonl } from './jsonl.js';
import { parseMarkdown } from './markdown.js';
import type { ArticleParser, ProblemScope } from './parser.js';
import { parseTextFile } from './plaintext.js';
import { describeError, ErrorCodes, KijiError } from '../errors.js';
import { articleLimits } from '../config/defaults.js';

export interface LoadProblem {
  /** Relative to the folder given (the file name when one file was given); `:line` is in `reason`. */
  path: string;
  reason: string;
  /** What was left out of the index: the file, one article of it, or a field of a kept article. */
  scope: ProblemScope;
  /**
   * Set on the one line that stands for the problems of `path` past the first
   * `articleLimits.problemsPerFile`: how many of each scope it stands for (`scope` is then the commonest).
   */
  omitted?: Record<ProblemScope, number> | undefined;
}

/** A problem as one line for a person: what was skipped, where, and why. */
export function describeProblem({ path: file, reason, scope, omitted }: LoadProblem): string {
  if (omitted) return reason;
  return scope === 'file' ? `Skipped ${file}: ${reason}` : scope === 'article' ? `Skipped an article of ${file}: ${reason}` : `${file}: ${reason}`;
}

/** How many files and articles were skipped, and how many articles were kept with a field dropped. */
export function countProblems(problems: readonly LoadProblem[]): Record<ProblemScope, number> {
  const counts = { file: 0, article: 0, field: 0 };
  for (const p of problems) {
    if (p.omitted) for (const scope of ['file', 'article', 'field'] as const) counts[scope] += p.omitted[scope];
    else counts[p.scope]++;
  }
  return counts;
}

export interface LoadResult {
  articles: Article[];
  problems: LoadProblem[];
}


/**
 * The file system calls the loader makes, so a test can inject failures that a root user never
 * meets (EACCES). Paths are absolute.
 */
export interface ArticleFs {
  readdir(dir: string): Promise<Dirent[]>;
  /** Follows symlinks (used on links only). */
  stat(file: string): Promise<Stats>;
  /** Follows symlinks, with nanosecond times: what `sourceFingerprint` compares with a file's stamp. */
  stamp(file: string): Promise<BigIntStats>;
  readlink(file: string): Promise<string>;
  realpath(file: string): Promise<string>;
  open(file: string, flags: number): Promise<FileHandle>;
}

export const nodeArticleFs: ArticleFs = {
  readdir: (dir) => fsp.readdir(dir, { withFileTypes: true }),
  stat: (file) => fsp.stat(file),
  stamp: (file) => fsp.stat(file, { bigint: true }),
  readlink: (file) => fsp.readlink(file),
  realpath: (file) => fsp.realpath(file),
  open: (file, flags) => fsp.open(file, flags),
};

export interface LoadOptions {
  /** Default `articleLimits.maxBytes`. */
  maxBytes?: number | undefined;
  fs?: ArticleFs | undefined;
}

/** Which parser reads which file; anything else in the folder is left alone without complaint. */
const PARSERS: Readonly<Record<string, ArticleParser>> = {
  '.md': parseMarkdown,
  '.markdown': parseMarkdown,
  '.txt': parseTextFile,
  '.jsonl': parseJsonl,
};

export function parserFor(filePath: string): ArticleParser | undefined {
  return PARSERS[path.extname(filePath).toLowerCase()];
}

const isHidden = (name: string): boolean => name.startsWith('.');

const formatCount = (n: number): string => n.toLocaleString('en-US');

/**
 * Collects problems, reporting the first `problemsPerFile` of each group (a file, or a folder for
 * its entries) and counting the rest into one line, so a JSONL of 10,000 bad lines costs six lines
 * of output and of manifest rather than 10,000.
 */
class ProblemLog {
  readonly problems: LoadProblem[] = [];
  private readonly shown = new Map<string, number>();
  private readonly omitted = new Map<string, Record<ProblemScope, number>>();

  add(group: string, problem: LoadProblem): void {
    const shown = this.shown.get(group) ?? 0;
    if (shown < articleLimits.problemsPerFile) {
      this.shown.set(group, shown + 1);
      this.problems.push(problem);
      return;
    }
    const omitted = this.omitted.get(group) ?? { file: 0, article: 0, field: 0 };
    omitted[problem.scope]++;
    this.omitted.set(group, omitted);
  }

  /** Ends a group: its count line, if it had more problems than were shown. */
  close(group: string): void {
    this.shown.delete(group);
    const omitted = this.omitted.get(group);
    if (omitted === undefined) return;
    this.omitted.delete(group);
    const total = omitted.file + omitted.article + omitted.field;
    const scope = (['article', 'field', 'file'] as const).reduce((a, b) => (omitted[b] > omitted[a] ? b : a));
    const where = group === '' ? 'the articles folder' : group;
    this.problems.push({ path: group, reason: `… and ${formatCount(total)} more problems in ${where}`, scope, omitted });
  }
}

/** A path for a message: very long ones (over PATH_MAX) keep their start and end. */
function shownPath(relative: string): string {
  return relative.length <= 160 ? relative : `${relative.slice(0, 60)}…${relative.slice(-60)}`;
}

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException | undefined)?.code;

/** Why a file or folder could not be read, and what to do about it. */
function unreadableReason(error: unknown, what: 'file' | 'folder', absolute: string): string {
  const code = errorCode(error);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `cannot be read: permission denied (${code}). Give the user running kiji read access to the ${what}, or move it out of the articles folder.`;
    case 'ENAMETOOLONG':
      return `its path is ${formatCount(Buffer.byteLength(absolute))} bytes long, more than the system accepts (ENAMETOOLONG). Move it closer to the articles folder or shorten the folder names.`;
    case 'ELOOP':
      return `is a symlink loop (ELOOP): the links lead back to each other. Point the link at a real ${what}.`;
    case 'ENOENT':
    case 'ENOTDIR':
      return `disappeared while the articles were read (${code}).`;
    default:
      return `cannot be read (${describeError(error)}).`;
  }
}

function kindOf(info: Dirent | Stats | BigIntStats): string {
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

const notRegular = (info: Dirent | Stats | BigIntStats): string =>
  `is ${kindOf(info)}, not a regular file, so it was not opened. Keep only article files in the articles folder.`;

interface ArticleFile {
  absolute: string;
  /** Relative to the folder given, with `/` separators. */
  relative: string;
}

interface Listing {
  base: string;
  files: ArticleFile[];
  log: ProblemLog;
}

/**
 * Every article file below `root`, hidden entries skipped, in a stable (sorted) order. Entries that
 * cannot be articles or cannot be listed (FIFOs, devices, broken links, link loops, unreadable or
 * too deeply nested folders) are reported; a symlink is followed to its target, and a file reached
 * both directly and through a link is read once, under its own path.
 */
async function listArticleFiles(root: string, fs: ArticleFs): Promise<Listing> {
  const log = new ProblemLog();
  const found: (ArticleFile & { real: string; viaLink: boolean })[] = [];
  const report = (relative: string, reason: string): void => {
    const group = path.posix.dirname(relative);
    log.add(group === '.' ? '' : group, { path: shownPath(relative), reason, scope: 'file' });
  };

  /** `ancestors`: real paths of the folders being read, to tell a link loop from a second way in. */
  async function walk(dir: string, real: string, relative: string, ancestors: readonly string[], viaLink: boolean): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir);
    } catch (error) {
      if (relative === '') throw articlesNotFound(root, error);
      report(`${relative}/`, unreadableReason(error, 'folder', dir));
      return;
    }
    const inner = [...ancestors, real];
    // Sorted so problems are reported in the same order on every run.
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (isHidden(entry.name)) continue;
      const absolute = path.join(dir, entry.name);
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        await walk(absolute, path.join(real, entry.name), rel, inner, viaLink);
      } else if (entry.isFile()) {
        if (parserFor(entry.name)) found.push({ absolute, relative: rel, real: path.join(real, entry.name), viaLink });
      } else if (entry.isSymbolicLink()) {
        await followLink(absolute, rel, inner);
      } else {
        report(rel, notRegular(entry));
      }
    }
    log.close(relative);
  }

  async function followLink(absolute: string, rel: string, ancestors: readonly string[]): Promise<void> {
    let target: Stats;
    try {
      target = await fs.stat(absolute);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') return report(rel, unreadableReason(error, 'file', absolute));
      const to = await fs.readlink(absolute).catch(() => '?');
      return report(rel, `is a broken symlink: its target ${to} does not exist. Fix or remove the link.`);
    }
    if (target.isDirectory()) {
      const real = await fs.realpath(absolute);
      const loop = ancestors.includes(real);
      if (loop) return report(rel, `is a symlink loop: it leads back to a folder it is in. Remove the link.`);
      await walk(absolute, real, rel, ancestors, true);
    } else if (target.isFile()) {
      if (parserFor(rel)) found.push({ absolute, relative: rel, real: await fs.realpath(absolute), viaLink: true });
    } else {
      report(rel, notRegular(target));
    }
  }

  await walk(root, await fs.realpath(root).catch(() => root), '', [], false);
  // One copy of each real file: the one not reached through a link, else the first by path.
  const byPath = (a: ArticleFile, b: ArticleFile): number => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0);
  const kept = new Map<string, (typeof found)[number]>();
  for (const file of [...found].sort(byPath)) {
    const earlier = kept.get(file.real);
    if (earlier === undefined || (earlier.viaLink && !file.viaLink)) kept.set(file.real, file);
  }
  const files = [...kept.values()].sort(byPath).map(({ absolute, relative }) => ({ absolute, relative }));
  return { base: root, files, log };
}

function articlesNotFound(pathOrDir: string, error: unknown): KijiError {
  return new KijiError(ErrorCodes.ARTICLES_NOT_FOUND, `No articles at ${pathOrDir} (${describeError(error)}).`, {
    hint: 'Point the articles setting at a folder of .md, .txt or .jsonl files, or at one such file.',
    cause: error,
  });
}

async function articleFiles(pathOrDir: string, fs: ArticleFs): Promise<Listing> {
  const root = path.resolve(pathOrDir);
  const info = await fs.stat(root).catch((error: unknown) => {
    throw articlesNotFound(pathOrDir, error);
  });
  if (info.isDirectory()) return listArticleFiles(root, fs);
  return { base: path.dirname(root), files: [{ absolute: root, relative: path.basename(root) }], log: new ProblemLog() };
}

/**
 * The bytes of one article file, or why they were not read. The file is opened non-blocking and
 * checked through its own handle, so a FIFO put in its place is never waited on and a file is never
 * read past the size limit.
 */
async function readArticleBytes(fs: ArticleFs, file: string, maxBytes: number): Promise<{ bytes: Buffer; info: BigIntStats } | { problem: string }> {
  let handle: FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    return { problem: unreadableReason(error, 'file', file) };
  }
  try {
    // Taken before the read, so a file changed while it is read has a newer stamp than the one recorded.
    const info = await handle.stat({ bigint: true });
    const size = Number(info.size);
    if (!info.isFile()) return { problem: notRegular(info) };
    if (size > maxBytes) {
      return {
        problem: `is ${formatCount(size)} bytes, over the ${formatCount(maxBytes)}-byte limit for one article file. Split it into smaller files, or raise ARTICLE_MAX_BYTES in .env (at most ${formatCount(articleLimits.maxBytesCeiling)}).`,
      };
    }
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { bytes: bytes.subarray(0, filled), info };
  } catch (error) {
    return { problem: unreadableReason(error, 'file', file) };
  } finally {
    await handle.close();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new KijiError(ErrorCodes.ARTICLE_PARSE, 'is not valid UTF-8.', {
      hint: 'Save the file as UTF-8 (e.g. `iconv -f SHIFT_JIS -t UTF-8`).',
    });
  }
}

/**
 * Bump when a parser (or the passage splitter) changes what it makes of the same file, so indexes
 * built by the older code are not mistaken for up to date by `sourceFingerprint`.
 */
export const ARTICLE_PARSERS_VERSION = 1;

/**
 * What a build recorded of one article file: the stat it had when it was read, and the digest of its
 * bytes. Times and inode are decimal strings of the kernel's exact values (nanoseconds; an inode may
 * not fit a double).
 */
export interface FileStamp {
  /** Relative to the folder given, as in `LoadProblem.path`. */
  path: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
}

/** The stamps of one fingerprint, and when its files were looked at. */
export interface SourceStamps {
  /** Milliseconds since the epoch, taken before the first file was looked at. */
  at: number;
  files: FileStamp[];
}

/**
 * How much older than the stamps' `at` a file's mtime and ctime must be for its stamp to stand for
 * its bytes. A file written again within one tick of the filesystem's clock can keep the same times
 * (and size): a stamp taken during such a tick proves nothing, so that file is read and hashed again
 * on the next run. The margin covers the coarsest clocks in use (FAT keeps mtimes to 2 seconds) and
 * the lag of the kernel's coarse clock behind `Date.now()`.
 */
export const STAMP_SETTLE_MS = 3000;

export interface FingerprintOptions extends LoadOptions {
  /** The stamps recorded by the previous build: files whose stat still matches are not read again. */
  known?: SourceStamps | undefined;
}

export interface SourceFingerprint {
  fingerprint: string;
  /** Bytes of the article files fingerprinted (a build decides from it whether a keyword thread pays). */
  bytes: number;
  /** The stamps to record with a build made from these files. */
  stamps: SourceStamps;
  /** Files whose bytes were read and hashed this time (the others were known by their stamp). */
  hashed: number;
  /** Whether `stamps` would spare the next run reading files that `known` did not: worth recording. */
  worthRecording: boolean;
}

/**
 * A digest of every article file's path and bytes (and the parsers' version, and what could not be
 * read): equal digests mean `loadArticles` would return the same articles and problems, so a re-run
 * can stop before parsing anything.
 *
 * A file whose stat (size, mtime, ctime, inode) matches its stamp in `known` is taken to hold the
 * bytes it held then, and is not read: the way git and make tell an unchanged file. Writing a file
 * changes its ctime, which no user call can set back, so edited bytes are always read, unless they were
 * written within `STAMP_SETTLE_MS` of the stamp being taken (such stamps are never trusted).
 */
export async function sourceFingerprint(pathOrDir: string, options: FingerprintOptions = {}): Promise<SourceFingerprint> {
  const fs = options.fs ?? nodeArticleFs;
  const maxBytes = options.maxBytes ?? articleLimits.maxBytes;
  const at = Date.now();
  const known = new Map<string, FileStamp>();
  if (options.known) for (const stamp of options.known.files) if (settled(stamp, options.known.at)) known.set(stamp.path, stamp);
  const { files, log } = await articleFiles(pathOrDir, fs);
  const hash = createHash('sha256').update(`kiji-articles-v${ARTICLE_PARSERS_VERSION}\0`);
  const stamps: FileStamp[] = [];
  let bytes = 0;
  let hashed = 0;
  let worthRecording = false;
  for (const { absolute, relative } of files) {
    hash.update(relative).update('\0');
    const same = await sameAsStamp(fs, absolute, known.get(relative), maxBytes);
    if (same) {
      stamps.push(same);
      bytes += same.size;
      hash.update(Buffer.from(same.sha256, 'hex')).update('\0');
      continue;
    }
    const read = await readArticleBytes(fs, absolute, maxBytes);
    if ('problem' in read) {
      hash.update(`!${read.problem}`).update('\0');
      continue;
    }
    hashed++;
    bytes += read.bytes.length;
    const digest = createHash('sha256').update(read.bytes).digest();
    hash.update(digest).update('\0');
    const { info } = read;
    const stamp = { path: relative, size: read.bytes.length, mtimeNs: String(info.mtimeNs), ctimeNs: String(info.ctimeNs), ino: String(info.ino), sha256: digest.toString('hex') };
    stamps.push(stamp);
    // Read this time, yet settled: the next run can know it by its stamp, once it is recorded.
    if (settled(stamp, at)) worthRecording = true;
  }
  for (const problem of log.problems) hash.update(`!${problem.path}\0${problem.reason}\0`);
  return { fingerprint: hash.digest('hex').slice(0, 32), bytes, stamps: { at, files: stamps }, hashed, worthRecording };
}

/** Whether the file was last written well before its stamp was taken at `at` (see `STAMP_SETTLE_MS`). */
function settled(stamp: FileStamp, at: number): boolean {
  const latest = BigInt(stamp.mtimeNs) > BigInt(stamp.ctimeNs) ? BigInt(stamp.mtimeNs) : BigInt(stamp.ctimeNs);
  return latest < BigInt(at - STAMP_SETTLE_MS) * 1_000_000n;
}

/** `stamp` when the file still has its stat, is a regular file and within the size limit; else undefined (read it). */
async function sameAsStamp(fs: ArticleFs, file: string, stamp: FileStamp | undefined, maxBytes: number): Promise<FileStamp | undefined> {
  if (stamp === undefined) return undefined;
  let info: BigIntStats;
  try {
    info = await fs.stamp(file);
  } catch {
    // Read as any other file, which reports why it cannot be.
    return undefined;
  }
  const same =
    info.isFile() &&
    info.size === BigInt(stamp.size) &&
    stamp.size <= maxBytes &&
    String(info.mtimeNs) === stamp.mtimeNs &&
    String(info.ctimeNs) === stamp.ctimeNs &&
    String(info.ino) === stamp.ino;
  return same ? stamp : undefined;
}

/**
 * Reads one article file or every article file below a folder. Files and folders that cannot be
 * read or parsed (see `listArticleFiles`, `readArticleBytes`), and articles whose id an earlier file
 * already used, are reported in `problems` (at most `articleLimits.problemsPerFile` a file, then a
 * count) and skipped; the rest is returned. Throws `ARTICLES_NOT_FOUND` only when `pathOrDir` itself
 * does not exist or cannot be listed.
 */
export async function loadArticles(pathOrDir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const fs = options.fs ?? nodeArticleFs;
  const { files, log } = await articleFiles(pathOrDir, fs);

  const articles: Article[] = [];
  const firstFileOfId = new Map<string, string>();
  for (const { absolute, relative } of files) {
    const report = (reason: string, scope: ProblemScope): void => log.add(relative, { path: relative, reason, scope });
    const parse = parserFor(absolute);
    try {
      if (parse === undefined) {
        report(`has an extension kiji does not read; use .md, .markdown, .txt or .jsonl.`, 'file');
        continue;
      }
      const read = await readArticleBytes(fs, absolute, options.maxBytes ?? articleLimits.maxBytes);
      if ('problem' in read) {
        report(read.problem, 'file');
        continue;
      }
      const text = decodeUtf8(read.bytes);
      if (text.trim() === '') throw new KijiError(ErrorCodes.ARTICLE_PARSE, 'is empty.', { hint: 'Add an article or remove the file.' });
      for (const article of parse(text, relative, report)) {
        const earlier = firstFileOfId.get(article.id);
        if (earlier === undefined) {
          firstFileOfId.set(article.id, relative);
          articles.push(article);
        } else {
          report(`article id "${article.id}" is already used by ${earlier}; give it another id or remove one copy.`, 'article');
        }
      }
    } catch (error) {
      report(describeError(error), 'file');
    } finally {
      log.close(relative);
    }
  }
  return { articles, problems: log.problems };
}
