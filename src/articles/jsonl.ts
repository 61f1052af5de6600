import type { Article } from './article.js';
import { ignoreProblems, keepGoodArticles, makeArticle, type ProblemSink } from './parser.js';
import { joinLines, slugifyPath, toBlocks, toLines } from './text.js';
import { ErrorCodes, KijiError } from '../errors.js';

/**
 * One article a line: `{"id","title","source","published" (or "date"),"url","body" (or "text" or
 * "content", the names other news datasets use)}`, body paragraphs separated by a blank line. A bad
 * line is reported (`line 3: ...`) and skipped; the other lines are kept. A line without `id` gets
 * `${slug of path}-${line number}`.
 */

const FIELDS = ['id', 'title', 'source', 'published', 'date', 'url', 'body', 'text', 'content', 'authors'] as const;

function lineError(lineNumber: number, message: string, hint: string): KijiError {
  return new KijiError(ErrorCodes.ARTICLE_PARSE, `line ${lineNumber}: ${message}`, { hint });
}

function readRecord(line: string, lineNumber: number): Record<(typeof FIELDS)[number], string | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw lineError(lineNumber, `not valid JSON (${(error as Error).message}).`, 'Fix the line or remove it.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw lineError(lineNumber, 'is not a JSON object.', 'Each line must be one article object: {"title": ..., "body": ...}.');
  }
  const object = value as Record<string, unknown>;
  const record = {} as Record<(typeof FIELDS)[number], string | undefined>;
  for (const field of FIELDS) {
    const raw = object[field];
    if (raw === undefined || raw === null) continue;
    if (typeof raw === 'number' && field === 'id') record[field] = String(raw);
    else if (typeof raw === 'string') record[field] = raw;
    else throw lineError(lineNumber, `"${field}" is a ${typeof raw}, not a string.`, `Write "${field}" as a JSON string.`);
  }
  return record;
}

export function parseJsonl(text: string, sourcePath: string, onProblem: ProblemSink = ignoreProblems): Article[] {
  const slug = slugifyPath(sourcePath);
  const seen = new Set<string>();
  const lines = toLines(text).map((line, index) => ({ line, number: index + 1 }));
  return keepGoodArticles(
    lines.filter(({ line }) => line.trim() !== ''),
    onProblem,
    ({ line, number }) => {
      const record = readRecord(line, number);
      const id = record.id?.trim() || `${slug}-${number}`;
      if (seen.has(id)) {
        throw lineError(number, `id "${id}" is used by an earlier line.`, 'Give each article its own id.');
      }
      seen.add(id);
      return makeArticle(
        {
          id,
          title: record.title,
          source: record.source,
          date: record.published ?? record.date,
          url: record.url,
          authors: record.authors,
          sourcePath,
          paragraphs: toBlocks(toLines(record.body ?? record.text ?? record.content ?? '')).map((block) => ({ text: joinLines(block) })),
        },
        onProblem,
        `line ${number}: `,
      );
    },
  );
}
