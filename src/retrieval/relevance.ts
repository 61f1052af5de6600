/**
 * When a candidate counts as relevant. A question the articles cannot answer still gets
 * nearest neighbours and some keyword matches; these floors turn them into an honest "nothing found".
 */
export const relevanceDefaults = {
  /**
   * Keyword evidence (0-1): the share of the question's IDF mass a passage matches.
   * Below this, shared words are incidental (particles, one common noun).
   */
  minCoverage: 0.4,
  /**
   * Vector evidence (-1-1): cosine similarity of question and passage embeddings. Model-specific:
   * E5 models put unrelated texts near 0.75-0.8, so their floor sits above that.
   */
  minSimilarity: 0.85,
} as const;

export type RelevanceOptions = { minCoverage: number; minSimilarity: number };

export interface Evidence {
  coverage?: number;
  similarity?: number;
}

export function isRelevant(evidence: Evidence, options: RelevanceOptions): boolean {
  return (
    (evidence.coverage !== undefined && evidence.coverage >= options.minCoverage) ||
    (evidence.similarity !== undefined && evidence.similarity >= options.minSimilarity)
  );
}
