import type { Article } from './article.js';
import { isDigest, parseDigest } from './digest.js';
import { ignoreProblems, makeArticle, type ProblemSink } from './parser.js';
import { joinLines, removeScrapingDebris, slugifyPath, toBlocks, toLines } from './text.js';

/**
 * A plain text article: the first non-empty line is the title, the rest are paragraphs separated
 * by blank lines. Example: `"見出し\n本文一。\n\n本文二。"` -> title `見出し`, paragraphs `本文一。`, `本文二。`.
 */
export function parsePlainText(text: string, sourcePath: string, onProblem: ProblemSink = ignoreProblems): Article[] {
  const lines = toLines(removeScrapingDebris(text));
  const titleIndex = lines.findIndex((line) => line.trim() !== '');
  const blocks = toBlocks(lines.slice(titleIndex + 1));
  return [
    makeArticle(
      {
        id: slugifyPath(sourcePath),
        title: titleIndex === -1 ? undefined : lines[titleIndex],
        sourcePath,
        paragraphs: blocks.map((block) => ({ text: joinLines(block) })),
      },
      onProblem,
    ),
  ];
}

/** A `.txt` file: the digest format when its first non-empty line starts with `▽`, else plain text. */
export function parseTextFile(text: string, sourcePath: string, onProblem: ProblemSink = ignoreProblems): Article[] {
  return isDigest(text) ? parseDigest(text, sourcePath, onProblem) : parsePlainText(text, sourcePath, onProblem);
}
