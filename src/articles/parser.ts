import type { Article, ArticleParagraph } from './article.js';
import { toIsoDate } from './dates.js';
import { normalizeLine } from './text.js';
import { ErrorCodes, KijiError } from '../errors.js';

/** What a problem cost: the whole file, one article of it, or only a field (the article is kept without it). */
export type ProblemScope = 'file' | 'article' | 'field';

/**
 * Receives what a parser could not use but worked around (a bad JSONL line, an unreadable date),
 * as a sentence saying what was wrong and what to do. A file that yields nothing usable throws instead.
 */
export type ProblemSink = (reason: string, scope: Exclude<ProblemScope, 'file'>) => void;

/** One input format: the text of one file in, its articles out. `sourcePath` is relative to the articles folder. */
export type ArticleParser = (text: string, sourcePath: string, onProblem?: ProblemSink) => Article[];

export const ignoreProblems: ProblemSink = () => {};

export interface ArticleFields {
  id: string;
  title: string | undefined;
  subtitle?: string | undefined;
  source?: string | undefined;
  /** As written in the input; normalized here. */
  date?: string | undefined;
  url?: string | undefined;
  authors?: string | undefined;
  sourcePath: string;
  paragraphs: ArticleParagraph[];
}

/** `undefined` for missing or blank values, so optional keys are omitted rather than set to `""`. */
function present(value: string | undefined): string | undefined {
  const trimmed = value === undefined ? undefined : normalizeLine(value);
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/**
 * The border check every parser ends with: title and body required, date normalized (an unreadable
 * date goes to `onProblem` and is dropped), empty optional fields omitted.
 * `where` prefixes messages, e.g. `line 3: `.
 */
export function makeArticle(fields: ArticleFields, onProblem: ProblemSink, where = ''): Article {
  const title = present(fields.title);
  if (title === undefined) {
    throw new KijiError(ErrorCodes.ARTICLE_PARSE, `${where}article has no title.`, {
      hint: 'Give it a first line (plain text), a `# Title` or `title:` (Markdown), or a "title" field (JSONL).',
    });
  }
  const paragraphs = fields.paragraphs.filter((p) => p.text !== '');
  if (paragraphs.length === 0) {
    throw new KijiError(ErrorCodes.ARTICLE_PARSE, `${where}article "${title}" has no body paragraphs.`, {
      hint: 'Add the article text below the title, paragraphs separated by blank lines.',
    });
  }
  const article: Article = { id: fields.id, title, sourcePath: fields.sourcePath, paragraphs };
  const optional = {
    subtitle: present(fields.subtitle),
    source: present(fields.source),
    url: present(fields.url),
    authors: present(fields.authors),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) Object.assign(article, { [key]: value });
  }
  const date = present(fields.date);
  if (date !== undefined) {
    const published = toIsoDate(date);
    if (published === undefined) {
      onProblem(`${where}date "${date}" of "${title}" is not readable, so the article is kept without one; write it as 2026-01-06 or 2026-01-06T08:58:00+09:00.`, 'field');
    } else {
      article.published = published;
    }
  }
  return article;
}

/**
 * Builds one article per item, keeping the good ones and reporting the items that fail (a KijiError),
 * so one bad line or section does not cost the whole file. When no item yields an article the file
 * as a whole is bad: one error then carries the first reasons instead of a problem per item.
 */
export function keepGoodArticles<T>(
  items: readonly T[],
  onProblem: ProblemSink,
  build: (item: T, index: number) => Article,
): Article[] {
  const articles: Article[] = [];
  const failures: string[] = [];
  items.forEach((item, index) => {
    try {
      articles.push(build(item, index));
    } catch (error) {
      if (!(error instanceof KijiError)) throw error;
      failures.push(error.hint === undefined ? error.message : `${error.message} ${error.hint}`);
    }
  });
  if (articles.length === 0) {
    const shown = failures.slice(0, 3).join(' ');
    const more = failures.length > 3 ? ` (and ${failures.length - 3} more)` : '';
    throw new KijiError(ErrorCodes.ARTICLE_PARSE, `no article could be read. ${shown}${more}`.trim(), {
      hint: failures.length === 0 ? 'The file is empty: add at least one article.' : undefined,
    });
  }
  failures.forEach((reason) => onProblem(reason, 'article'));
  return articles;
}
