import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Article } from './article.js';
import { parseJsonl } from './jsonl.js';
import { parseMarkdown } from './markdown.js';
import type { ArticleParser, ProblemScope } from './parser.js';
import { parseTextFile } from './plaintext.js';
import { describeError, ErrorCodes, KijiError } from '../errors.js';

export interface LoadProblem {
  /** Relative to the folder given (the file name when one file was given); `:line` is in `reason`. */
  path: string;
  reason: string;
  /** What was left out of the index: the file, one article of it, or a field of a kept article. */
  scope: ProblemScope;
}

/** A problem as one line for a person: what was skipped, where, and why. */
export function describeProblem({ path: file, reason, scope }: LoadProblem): string {
  return scope === 'file' ? `Skipped ${file}: ${reason}` : scope === 'article' ? `Skipped an article of ${file}: ${reason}` : `${file}: ${reason}`;
}

/** How many files and articles were skipped, and how many articles were kept with a field dropped. */
export function countProblems(problems: readonly LoadProblem[]): Record<ProblemScope, number> {
  const counts = { file: 0, article: 0, field: 0 };
  for (const p of problems) counts[p.scope]++;
  return counts;
}

export interface LoadResult {
  articles: Article[];
  problems: LoadProblem[];
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

/** Every readable article file below `dir`, hidden entries skipped, in a stable (sorted) order. */
async function listArticleFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && parserFor(entry.name) !== undefined)
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !path.relative(dir, file).split(path.sep).some(isHidden))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readUtf8(file: string): Promise<string> {
  const bytes = await readFile(file);
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

async function articleFiles(pathOrDir: string): Promise<{ base: string; files: string[] }> {
  const root = path.resolve(pathOrDir);
  const info = await stat(root).catch((error: unknown) => {
    throw new KijiError(ErrorCodes.ARTICLES_NOT_FOUND, `No articles at ${pathOrDir} (${describeError(error)}).`, {
      hint: 'Point the articles setting at a folder of .md, .txt or .jsonl files, or at one such file.',
      cause: error,
    });
  });
  return info.isDirectory() ? { base: root, files: await listArticleFiles(root) } : { base: path.dirname(root), files: [root] };
}

/**
 * A digest of every article file's path and bytes (and the parsers' version): equal digests mean
 * `loadArticles` would return the same articles, so a re-run can stop before parsing anything.
 * Hashing is I/O-bound, parsing and chunking are not.
 */
export async function sourceFingerprint(pathOrDir: string): Promise<{ fingerprint: string; bytes: number }> {
  const { base, files } = await articleFiles(pathOrDir);
  const hash = createHash('sha256').update(`kiji-articles-v${ARTICLE_PARSERS_VERSION}\0`);
  let bytes = 0;
  for (const file of files) {
    const content = await readFile(file);
    bytes += content.length;
    hash.update(path.relative(base, file)).update('\0');
    hash.update(createHash('sha256').update(content).digest()).update('\0');
  }
  // The size comes with the digest: a build decides from it whether a keyword thread pays.
  return { fingerprint: hash.digest('hex').slice(0, 32), bytes };
}

/**
 * Reads one article file or every article file below a folder. Files that cannot be read or parsed,
 * and articles whose id an earlier file already used, are reported in `problems` and skipped; the
 * rest is returned. Throws `ARTICLES_NOT_FOUND` only when `pathOrDir` itself does not exist.
 */
export async function loadArticles(pathOrDir: string): Promise<LoadResult> {
  const { base, files } = await articleFiles(pathOrDir);

  const articles: Article[] = [];
  const problems: LoadProblem[] = [];
  const firstFileOfId = new Map<string, string>();
  for (const file of files) {
    const relative = path.relative(base, file).split(path.sep).join('/');
    const report = (reason: string, scope: ProblemScope): void => {
      problems.push({ path: relative, reason, scope });
    };
    const parse = parserFor(file);
    if (parse === undefined) {
      report(`has an extension kiji does not read; use .md, .markdown, .txt or .jsonl.`, 'file');
      continue;
    }
    try {
      const text = await readUtf8(file);
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
    }
  }
  return { articles, problems };
}
