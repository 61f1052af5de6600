/** One paragraph of an article body, with the subheading it sits under (if any). */
export interface ArticleParagraph {
  text: string;
  /** The nearest subheading above the paragraph, e.g. `ロシア民族主義者、ベネズエラとウクライナを比較`. */
  section?: string;
}

/** An article as parsed from any input format, before it is split into passages. */
export interface Article {
  /** Stable id: the JSONL `id`, or derived from the file path (and position, for multi-article files). */
  id: string;
  title: string;
  /** Second headline of the digest format; searchable context, never a passage of its own. */
  subtitle?: string;
  source?: string;
  /** ISO 8601 timestamp, e.g. `2026-01-06T23:58:00.000Z`. */
  published?: string;
  url?: string;
  /** The byline as printed (digest names run together; kept as is). */
  authors?: string;
  /** File the article was read from, relative to the articles folder. */
  sourcePath: string;
  paragraphs: ArticleParagraph[];
}
