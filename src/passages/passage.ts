/**
 * The unit of retrieval and citation: one paragraph (or a part of a long one, or a short one
 * joined with its neighbour) with everything needed to cite it.
 */
export interface Passage {
  /** Stable across runs while the article id and paragraph position stay the same: `${articleId}#${paragraph}` (+ `.${part}` for split paragraphs). */
  id: string;
  articleId: string;
  title: string;
  subtitle?: string;
  source?: string;
  published?: string;
  url?: string;
  section?: string;
  /** 1-based paragraph number within the article, as a reader would count it. */
  paragraph: number;
  text: string;
  /** sha256 (hex, first 16 chars) of everything that goes into the passage's embedding and keyword entry. */
  hash: string;
}
