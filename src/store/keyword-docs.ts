import type { Passage } from '../passages/passage.js';
import { KEYWORD_FORMAT_VERSION } from '../keywords/index-file.js';
import { keywordDefaults, type KeywordDoc } from '../keywords/options.js';

/** What the keyword index sees of a passage: the subtitle counts as part of the article's title. */
export function keywordDocs(passages: readonly Passage[]): KeywordDoc[] {
  return passages.map((p) => ({
    id: p.id,
    text: p.text,
    title: p.subtitle ? `${p.title}\n${p.subtitle}` : p.title,
    ...(p.section ? { section: p.section } : {}),
  }));
}

/** The ICU (International Components for Unicode) this Node carries; its word segmenter splits Japanese words. */
export const runningIcu = (): string => process.versions.icu ?? 'none';

const ICU_PART = ':icu ';

/**
 * Changes whenever a new kiji would build a different keyword index from the same passages (format,
 * default settings, or the ICU that segments words), so a build can tell that an unchanged corpus
 * still needs a new keyword index. ICU comes with Node: after a Node upgrade its word segmenter may
 * split a word differently at query time than it did at build time, and the word would stop matching.
 * The format version stays first: a loader reads it from the key.
 */
export function keywordIndexKey(icu: string = runningIcu()): string {
  return `${KEYWORD_FORMAT_VERSION}:${JSON.stringify(keywordDefaults)}${ICU_PART}${icu}`;
}

/** The ICU a keyword index key was made with; undefined for keys from before it was recorded. */
export function icuOfKeywordIndexKey(key: string | undefined): string | undefined {
  const at = key?.lastIndexOf(ICU_PART) ?? -1;
  return at < 0 ? undefined : key!.slice(at + ICU_PART.length);
}
