/**
 * Text clean-up shared by every parser. Stored text is only NFC-normalized (never NFKC):
 * citations must quote the article as written, full-width punctuation included.
 */

/** Runs of ASCII spaces, tabs and no-break spaces; U+3000 is kept because it is part of the writing. */
const SPACE_RUN = /[ \t\u00a0]+/g;

/** Link-marker debris left by scraping news sites: `ロスネフチ(ROSN.MM), opens new tabは`. */
const SCRAPING_DEBRIS = /,?[ \t]*opens new tab/gi;

/** Han, Hiragana, Katakana and full-width forms: no space is needed between two of these. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u;

/** NFC, trimmed, inner space runs collapsed to one space. */
export function normalizeLine(line: string): string {
  return line.normalize('NFC').replace(SPACE_RUN, ' ').trim();
}

export function removeScrapingDebris(text: string): string {
  return text.replace(SCRAPING_DEBRIS, '');
}

/** Unify line endings so every parser sees `\n` only. */
export function toLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/**
 * Groups lines into blocks separated by blank lines; each block is a list of normalized, non-empty lines.
 * Example: `"a\nb\n\n\nc"` -> `[["a","b"],["c"]]`.
 */
export function toBlocks(lines: readonly string[]): string[][] {
  const blocks: string[][] = [];
  let current: string[] = [];
  for (const raw of lines) {
    const line = normalizeLine(raw);
    if (line === '') {
      if (current.length > 0) blocks.push(current);
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

/**
 * Joins the lines of one hard-wrapped paragraph: Japanese lines are glued directly, Latin ones with a space.
 * Example: `["米国は", "6日、"]` -> `"米国は6日、"`; `["New", "York"]` -> `"New York"`.
 */
export function joinLines(lines: readonly string[]): string {
  let out = '';
  for (const line of lines) {
    if (out === '') {
      out = line;
      continue;
    }
    const glue = CJK.test(out.slice(-1)) || CJK.test(line.slice(0, 1)) ? '' : ' ';
    out += glue + line;
  }
  return out;
}

export function hasCjk(text: string): boolean {
  return CJK.test(text);
}

/**
 * An id-safe form of a path: extension dropped, folders and other separators turned into `-`,
 * ASCII lower-cased, Japanese letters kept. Example: `news/Reuters 2026-01-06.txt` -> `news-reuters-2026-01-06`.
 */
export function slugifyPath(sourcePath: string): string {
  const withoutExtension = sourcePath.replace(/\.[^./\\]*$/, '');
  return withoutExtension
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}
