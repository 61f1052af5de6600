import type { Article, ArticleParagraph } from './article.js';
import { ignoreProblems, makeArticle, type ProblemSink } from './parser.js';
import { joinLines, normalizeLine, slugifyPath, toLines } from './text.js';

/**
 * One Markdown file = one article:
 *
 *     ---
 *     title: 見出し            (wins over the first `# H1`)
 *     source: ロイター日本語版
 *     date: 2026-01-06         (or `published:`)
 *     url: https://...
 *     id: my-id                (default: the slugified path)
 *     ---
 *     # 見出し
 *     Paragraph, **emphasis** and [links](https://...) kept as plain text.
 *
 *     ## Subheading            (`##`..`######` become the `section` of the paragraphs below)
 */

const FRONT_MATTER_FENCE = /^---\s*$/;
const FRONT_MATTER_LINE = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const CODE_FENCE = /^(```|~~~)/;
/** Front matter lines that carry no field of ours but are valid YAML: blank, comments, nested values. */
const IGNORED_FRONT_MATTER_LINE = /^(\s*$|\s*#|\s+\S|\s*- )/;

/**
 * Reads `key: value` lines; values may be quoted. Nested YAML (indented lines, `- items`) is out of
 * scope and ignored. Broken front matter is reported to `onProblem` and the article kept: a block
 * never closed ends at its last `key: value` line (so its fields are not indexed as text), and a line
 * that is not `key: value` is left out.
 */
function readFrontMatter(lines: string[], onProblem: ProblemSink): { fields: Map<string, string>; body: string[] } {
  const fields = new Map<string, string>();
  const start = lines.findIndex((line) => line.trim() !== '');
  if (start === -1 || !FRONT_MATTER_FENCE.test(lines[start] ?? '')) return { fields, body: lines };
  let end = lines.findIndex((line, i) => i > start && FRONT_MATTER_FENCE.test(line));
  let bodyStart = end + 1;
  if (end === -1) {
    end = start + 1;
    while (end < lines.length && FRONT_MATTER_LINE.test((lines[end] ?? '').trim())) end++;
    bodyStart = end;
    const fieldLines = end - start - 1;
    const read =
      fieldLines === 0 ? 'the rest was read as the article'
      : fieldLines === 1 ? `line ${end} was read as its field and the rest as the article`
      : `lines ${start + 2}-${end} were read as its fields and the rest as the article`;
    onProblem(`line ${start + 1}: front matter opened with \`---\` is never closed: ${read}. End it with a \`---\` line.`, 'field');
  }
  lines.slice(start + 1, end).forEach((line, i) => {
    const match = FRONT_MATTER_LINE.exec(line.trim());
    if (!match) {
      if (!IGNORED_FRONT_MATTER_LINE.test(line)) {
        onProblem(`line ${start + 2 + i}: front matter line "${line.trim().slice(0, 80)}" is not \`key: value\`, so it was ignored.`, 'field');
      }
      return;
    }
    const value = (match[2] ?? '').trim().replace(/^(["'])(.*)\1$/, '$2');
    fields.set((match[1] ?? '').toLowerCase(), value);
  });
  return { fields, body: lines.slice(bodyStart) };
}

/**
 * Markdown inline syntax to plain text, keeping link and image text.
 * Example: `**米国**は[ロイター](https://x)によると` -> `米国はロイターによると`.
 */
export function stripInlineMarkdown(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
    .replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
    .replace(/\*(?=[^\s*])(.+?)(?<=[^\s*])\*/g, '$1')
    // `_` only emphasizes at word edges, so snake_case_names survive.
    .replace(/(?<![\p{L}\p{N}_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\p{L}\p{N}_])/gu, '$1')
    .replace(/~~(.+?)~~/g, '$1')
    .replace(/`([^`]+)`/g, '$1');
}

/** Block markers that carry no text: quote `>`, list bullets and numbers. */
function stripBlockMarkers(line: string): string {
  return line.replace(/^(?:>\s?)+/, '').replace(/^(?:[-*+]|\d+[.)])\s+/, '');
}

export function parseMarkdown(text: string, sourcePath: string, onProblem: ProblemSink = ignoreProblems): Article[] {
  const { fields, body } = readFrontMatter(toLines(text), onProblem);
  let heading: string | undefined;
  let section: string | undefined;
  const paragraphs: ArticleParagraph[] = [];
  const pending: string[] = [];
  const flush = (): void => {
    const joined = stripInlineMarkdown(joinLines(pending)).trim();
    pending.length = 0;
    if (joined !== '') paragraphs.push(section === undefined ? { text: joined } : { text: joined, section });
  };
  for (const raw of body) {
    const line = normalizeLine(raw);
    const match = HEADING.exec(line);
    if (match) {
      flush();
      const title = normalizeLine(stripInlineMarkdown(match[2] ?? ''));
      if ((match[1] ?? '').length === 1 && heading === undefined) heading = title;
      else section = title;
    } else if (line === '' || CODE_FENCE.test(line) || /^([-*_])\s*(?:\1\s*){2,}$/.test(line)) {
      flush();
    } else {
      pending.push(normalizeLine(stripBlockMarkers(line)));
    }
  }
  flush();
  return [
    makeArticle(
      {
        id: fields.get('id') || slugifyPath(sourcePath),
        title: fields.get('title') || heading,
        source: fields.get('source'),
        date: fields.get('published') || fields.get('date'),
        url: fields.get('url'),
        authors: fields.get('authors') || fields.get('author'),
        sourcePath,
        paragraphs,
      },
      onProblem,
    ),
  ];
}
