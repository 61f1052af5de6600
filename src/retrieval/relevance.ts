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
   * Vector evidence (-1-1): cosine similarity of question and passage embeddings. Model-specific,
   * so the default comes from `defaultMinSimilarity(model)`; MIN_SIMILARITY overrides it.
   */
  minSimilarity: 0.5,
} as const;

/**
 * E5 models squeeze all similarities into a high band (unrelated texts near 0.75-0.8), so their
 * floor sits above it; other models get the generic 0.5. Not calibrated on E5 here (the model
 * cannot be downloaded on the build machine): tune MIN_SIMILARITY with `npm run eval`.
 */
export function defaultMinSimilarity(modelId: string): number {
  return /e5/i.test(modelId) ? 0.83 : relevanceDefaults.minSimilarity;
}

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
