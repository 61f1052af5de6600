/**
 * An uploaded file (Discord `/add file:`) to articles: .txt, .md and .jsonl through the article
 * parsers, .html through the page extractor (linkedom runs no script, so an HTML upload is data).
 */
import path from 'node:path';
import type { Article } from '../articles/article.js';
import { makeArticle, type ProblemSink, ignoreProblems } from '../articles/parser.js';
import { parserFor } from '../articles/load.js';
import { ErrorCodes, KijiError } from '../errors.js';
import { decodeText } from './charset.js';
import { articleFromHtml } from './page.js';

export const UPLOAD_EXTENSIONS = ['.txt', '.md', '.markdown', '.jsonl', '.html', '.htm'] as const;

/**
 * The articles of one uploaded file. Throws FETCH_REFUSED for a file over `maxBytes` or of another
 * type, ARTICLE_PARSE / NO_ARTICLE for one without a readable article.
 *
 * Example: `articleFromUpload('notes.md', bytes, { maxBytes: 5_000_000 })` -> `[{ id: 'notes', title: ..., paragraphs: [...] }]`.
 */
export function articleFromUpload(name: string, bytes: Uint8Array, options: { maxBytes: number; onProblem?: ProblemSink }): Article[] {
  const extension = path.extname(name).toLowerCase();
  if (!(UPLOAD_EXTENSIONS as readonly string[]).includes(extension)) {
    throw new KijiError(ErrorCodes.FETCH_REFUSED, `${name} is not a file kiji reads.`, { hint: `Upload one of ${UPLOAD_EXTENSIONS.join(', ')}.` });
  }
  if (bytes.length > options.maxBytes) {
    throw new KijiError(ErrorCodes.FETCH_REFUSED, `${name} is larger than the ${Math.round(options.maxBytes / 1024)} KB limit.`, { hint: 'Split it, or raise INGEST_MAX_BYTES.' });
  }
  const sourcePath = path.basename(name);
  const onProblem = options.onProblem ?? ignoreProblems;
  if (extension === '.html' || extension === '.htm') {
    const { text } = decodeText(bytes, undefined, 'html');
    // The base only resolves relative links inside the page; an upload has no address of its own.
    const page = articleFromHtml(text, 'https://upload.invalid/');
    const url = page.url.startsWith('https://upload.invalid/') ? undefined : page.url;
    return [
      makeArticle(
        { id: `upload-${sourcePath.replace(/\.[^.]*$/, '')}`, title: page.title, date: page.published, url, authors: page.authors, source: page.siteName, sourcePath, paragraphs: page.paragraphs.map((text) => ({ text })) },
        onProblem,
      ),
    ];
  }
  const { text } = decodeText(bytes, undefined, 'text');
  return parserFor(name)!(text, sourcePath, onProblem);
}
