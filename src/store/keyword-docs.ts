import type { Passage } from '../passages/passage.js';
import { KEYWORD_FORMAT_VERSION, keywordDefaults, type KeywordDoc } from '../keywords/bm25.js';

/** What the keyword index sees of a passage: the subtitle counts as part of the article's title. */
export function keywordDocs(passages: readonly Passage[]): KeywordDoc[] {
  return passages.map((p) => ({
    id: p.id,
    text: p.text,
    title: p.subtitle ? `${p.title}\n${p.subtitle}` : p.title,
    ...(p.section ? { section: p.section } : {}),
  }));
}

/**
 * Changes whenever a new kiji would build a different keyword index from the same passages (format or
 * default settings), so a build can tell that an unchanged corpus still needs a new keyword index.
 */
export function keywordIndexKey(): string {
  return `${KEYWORD_FORMAT_VERSION}:${JSON.stringify(keywordDefaults)}`;
}
