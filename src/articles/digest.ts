import type { Article, ArticleParagraph } from './article.js';
import { ignoreProblems, keepGoodArticles, makeArticle, type ProblemSink } from './parser.js';
import { hasCjk, joinLines, normalizeLine, removeScrapingDebris, slugifyPath, toBlocks, toLines } from './text.js';
import { ErrorCodes, KijiError } from '../errors.js';

/**
 * The news digest format (e.g. `reuters-2026-01-06.txt`): several articles in one file, each
 * starting at a `▽` line:
 *
 *     ▽headline<ロイター日本語版>2026年1月7日午前 8:58 GMT+9
 *
 *     Inti LandauroDan PeleschukJohn Irish          <- authors (Latin names, run together)
 *
 *     ウクライナ「安全の保証」で合意、有志国連合首脳会合  <- subtitle
 *
 *     [パリ 6日 ロイター] – 米国は6日、...            <- first body paragraph (dateline)
 *
 *     <subheading>                                  <- becomes `section` of the paragraphs below
 */

export const DIGEST_MARKER = '▽';

/** `headline<source>date`: the last `<...>` is the source, so a headline may itself contain `<`. */
const HEADER = /^▽(.*)<([^<>]+)>([^<>]*)$/;
const SUBHEADING = /^<([^<>]+)>$/;
/** `[パリ 6日 ロイター] –`: where the body starts when a subtitle is missing. */
const DATELINE = /^\[[^\]]+\]/;

/** True when the first non-empty line starts with `▽`: how a `.txt` file is recognized as a digest. */
export function isDigest(text: string): boolean {
  return text.trimStart().startsWith(DIGEST_MARKER);
}

interface RawArticle {
  header: string;
  lines: string[];
}

function splitArticles(text: string): RawArticle[] {
  const raws: RawArticle[] = [];
  for (const line of toLines(removeScrapingDebris(text))) {
    if (line.trimStart().startsWith(DIGEST_MARKER)) raws.push({ header: normalizeLine(line), lines: [] });
    else raws.at(-1)?.lines.push(line);
  }
  return raws;
}

/**
 * Authors and subtitle sit between the header and the body. A byline is told apart by having no
 * Japanese letters; a subtitle is a line that is neither a dateline nor a finished sentence.
 */
function takeFrontBlocks(blocks: string[][]): { authors: string | undefined; subtitle: string | undefined; body: string[][] } {
  let rest = blocks;
  let authors: string | undefined;
  let subtitle: string | undefined;
  const first = rest[0] === undefined ? undefined : joinLines(rest[0]);
  if (first !== undefined && !hasCjk(first) && !DATELINE.test(first)) {
    authors = first;
    rest = rest.slice(1);
  }
  const next = rest[0] === undefined ? undefined : joinLines(rest[0]);
  if (next !== undefined && !DATELINE.test(next) && !SUBHEADING.test(next) && !/[。.]$/.test(next)) {
    subtitle = next;
    rest = rest.slice(1);
  }
  return { authors, subtitle, body: rest };
}

function toParagraphs(blocks: string[][]): ArticleParagraph[] {
  const paragraphs: ArticleParagraph[] = [];
  let section: string | undefined;
  for (const block of blocks) {
    // A subheading may sit directly on top of its paragraph without a blank line in between.
    let lines = block;
    const heading = SUBHEADING.exec(lines[0] ?? '');
    if (heading) {
      section = normalizeLine(heading[1] ?? '');
      lines = lines.slice(1);
    }
    if (lines.length === 0) continue;
    const text = joinLines(lines);
    paragraphs.push(section === undefined ? { text } : { text, section });
  }
  return paragraphs;
}

/**
 * Parses a digest file into its articles, ids `${slug of path}-${1-based position}`.
 * Example: `reuters-2026-01-06.txt` -> ids `reuters-2026-01-06-1` ... `-3`.
 */
export function parseDigest(text: string, sourcePath: string, onProblem: ProblemSink = ignoreProblems): Article[] {
  const raws = splitArticles(text);
  if (raws.length === 0) {
    throw new KijiError(ErrorCodes.ARTICLE_PARSE, `${sourcePath} holds no article header.`, {
      hint: 'Each article of a digest starts with a line `▽headline<source>2026年1月7日午前 8:58 GMT+9`.',
    });
  }
  const slug = slugifyPath(sourcePath);
  return keepGoodArticles(raws, onProblem, (raw, index) => {
    const where = `article ${index + 1}: `;
    const header = HEADER.exec(raw.header);
    const front = takeFrontBlocks(toBlocks(raw.lines));
    return makeArticle(
      {
        id: `${slug}-${index + 1}`,
        title: header ? header[1] : raw.header.slice(DIGEST_MARKER.length),
        source: header?.[2],
        date: header?.[3],
        authors: front.authors,
        subtitle: front.subtitle,
        sourcePath,
        paragraphs: toParagraphs(front.body),
      },
      onProblem,
      where,
    );
  });
}
