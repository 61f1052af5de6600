import type { Passage } from '../passages/passage.js';
import type { KeywordDoc } from '../keywords/bm25.js';

/** What the keyword index sees of a passage: the subtitle counts as part of the article's title. */
export function keywordDocs(passages: readonly Passage[]): KeywordDoc[] {
  return passages.map((p) => ({
    id: p.id,
    text: p.text,
    title: p.subtitle ? `${p.title}\n${p.subtitle}` : p.title,
    ...(p.section ? { section: p.section } : {}),
  }));
}
