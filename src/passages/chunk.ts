import crypto from 'node:crypto';
import type { Article } from '../articles/article.js';
import type { Passage } from './passage.js';
import { splitSentences } from './sentences.js';
import { ErrorCodes, KijiError } from '../errors.js';

export interface ChunkOptions {
  /**
   * A paragraph shorter than this (in characters) is joined to the next paragraph of its section, or
   * to the previous one when it is the section's last: a one-line quote is poor context on its own.
   * Range 0-maxChars; 0 never joins. Default 40.
   */
  minChars: number;
  /**
   * Longer passages are split at sentence ends into parts of at most this many characters
   * (a single longer sentence is cut at a character boundary). Range 50-2000; default 400, which stays
   * well inside the 512-token window of E5-style embedders for Japanese text.
   */
  maxChars: number;
}

export const chunkDefaults: Readonly<ChunkOptions> = { minChars: 40, maxChars: 400 };

/**
 * Characters as a reader counts them: code points, so a surrogate pair is one character and never
 * cut (a lone surrogate counts as one, as in `Array.from(text).length`, which this equals; counted
 * without building that array, which was most of the chunking time).
 */
export function codePointLength(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

const length = codePointLength;

/** Separates joined paragraphs inside one passage; sentence splitting treats it as a boundary. */
const PARAGRAPH_JOINER = '\n';

function checkOptions(options: ChunkOptions): ChunkOptions {
  const { minChars, maxChars } = options;
  if (!Number.isInteger(maxChars) || maxChars < 50 || maxChars > 2000) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `maxChars ${maxChars} is out of range.`, { hint: 'Use a whole number from 50 to 2000.' });
  }
  if (!Number.isInteger(minChars) || minChars < 0 || minChars > maxChars) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `minChars ${minChars} is out of range.`, { hint: `Use a whole number from 0 to maxChars (${maxChars}).` });
  }
  return options;
}

interface Group {
  /** 1-based number of the first paragraph in the group. */
  paragraph: number;
  section: string | undefined;
  texts: string[];
}

const groupLength = (group: Group): number => length(group.texts.join(PARAGRAPH_JOINER));

/** Joins short paragraphs to their neighbours within the same section. */
function groupParagraphs(article: Article, minChars: number): Group[] {
  const groups: Group[] = [];
  // A short group that reached its section's end (or the article's) goes back onto the previous group.
  const close = (group: Group): void => {
    const previous = groups.at(-1);
    if (groupLength(group) < minChars && previous !== undefined && previous.section === group.section) {
      previous.texts.push(...group.texts);
    } else {
      groups.push(group);
    }
  };
  let open: Group | undefined;
  article.paragraphs.forEach((p, index) => {
    if (open !== undefined && open.section === p.section) {
      open.texts.push(p.text);
    } else {
      if (open !== undefined) close(open);
      open = { paragraph: index + 1, section: p.section, texts: [p.text] };
    }
    if (groupLength(open) >= minChars) {
      groups.push(open);
      open = undefined;
    }
  });
  if (open !== undefined) close(open);
  return groups;
}

/** Cuts one over-long sentence into pieces of at most `maxChars` code points. */
function cutSentence(sentence: string, maxChars: number): string[] {
  const chars = Array.from(sentence);
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += maxChars) pieces.push(chars.slice(i, i + maxChars).join(''));
  return pieces;
}

/**
 * Packs sentences into parts of at most `maxChars`, aiming at equal sizes so the last part is not a
 * stub. Example (maxChars 10): `"一二三。四五六。七八九。十。"` -> `["一二三。四五六。", "七八九。十。"]`.
 */
export function splitLongText(text: string, maxChars: number): string[] {
  const total = length(text);
  if (total <= maxChars) return [text];
  const target = Math.ceil(total / Math.ceil(total / maxChars));
  const units = splitSentences(text).flatMap((s) => (length(s) > maxChars ? cutSentence(s, maxChars) : [s]));
  const parts: string[] = [];
  let current = '';
  for (const unit of units) {
    const size = length(current);
    if (current !== '' && (size + length(unit) > maxChars || size >= target)) {
      parts.push(current);
      current = '';
    }
    current += unit;
  }
  if (current !== '') parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

/** One-shot `crypto.hash` (Node 20.12+) where there is one: a Hash object per passage cost more than the hashing. */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'hex') : (text) => crypto.createHash('sha256').update(text).digest('hex');

/** What the embedder and keyword index see, so a change to any of these re-embeds the passage. */
export function passageHash(fields: Pick<Passage, 'title' | 'subtitle' | 'section' | 'text'>): string {
  const canonical = JSON.stringify([fields.title, fields.subtitle ?? null, fields.section ?? null, fields.text]);
  return sha256Hex(canonical).slice(0, 16);
}

/**
 * Splits an article into passages: one per paragraph, short paragraphs joined to a neighbour, long ones
 * split at sentence ends. Example: paragraph 3 of `reuters-2026-01-06-1` is passage
 * `reuters-2026-01-06-1#3`; if it were split, `…#3.1` and `…#3.2`.
 */
export function toPassages(article: Article, options: Partial<ChunkOptions> = {}): Passage[] {
  const { minChars, maxChars } = checkOptions({ ...chunkDefaults, ...options });
  const shared = withoutUndefined({
    articleId: article.id,
    title: article.title,
    subtitle: article.subtitle,
    source: article.source,
    published: article.published,
    url: article.url,
  });
  return groupParagraphs(article, minChars).flatMap((group) => {
    const parts = splitLongText(group.texts.join(PARAGRAPH_JOINER), maxChars);
    return parts.map((text, index): Passage => {
      const id = parts.length === 1 ? `${article.id}#${group.paragraph}` : `${article.id}#${group.paragraph}.${index + 1}`;
      // Keys in Passage order (section before paragraph), an absent section left out.
      const fields =
        group.section === undefined
          ? { ...shared, paragraph: group.paragraph, text }
          : { ...shared, section: group.section, paragraph: group.paragraph, text };
      return { id, ...fields, hash: passageHash(fields) };
    });
  });
}

/** Optional passage keys are omitted, not set to undefined, so passages compare and serialize cleanly. */
function withoutUndefined<T extends object>(fields: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/**
 * The text the embedder sees for a passage: title (and section), a newline, then the text.
 * The E5 `passage: ` prefix is the embedder's business. Example: `見出し 小見出し\n本文。`.
 */
export function passageEmbeddingText(p: EmbeddingInput): string {
  const heading = p.section === undefined ? p.title : `${p.title} ${p.section}`;
  return `${heading}\n${p.text}`;
}

/** The fields `passageEmbeddingText` reads. */
export type EmbeddingInput = Pick<Passage, 'title' | 'section' | 'text'>;

/**
 * A key for what the embedder sees of a passage: equal keys, equal vectors (from one model), whatever
 * the passages' ids. Ids are positional, so a paragraph inserted above others renumbers them while
 * their keys stay. Not `hash`, which also covers the subtitle (the keyword index sees it, the
 * embedder does not).
 */
export function passageEmbeddingKey(p: EmbeddingInput): string {
  return sha256Hex(passageEmbeddingText(p)).slice(0, 16);
}
