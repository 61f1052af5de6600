/**
 * When a question counts as answerable, and which candidates count as relevant. A question the
 * articles cannot answer still gets nearest neighbours and some keyword matches; these floors turn
 * them into an honest "nothing found".
 */
import { RELEVANT_COVERAGE } from '../keywords/options.js';

export const relevanceDefaults = {
  /**
   * Keyword evidence (0-1): the share of the question's IDF mass a passage matches. Calibrated with
   * scripts/tune-keywords.ts (column `cov ans/unans`): answerable Japanese seed questions' top hits
   * score 0.143 or more, `今日の株価はいくらですか` 0.049, English questions 0; no JSQuAD question is
   * left without results. Decided per question (`isAnswerable`), not per candidate. See RELEVANT_COVERAGE.
   */
  minCoverage: RELEVANT_COVERAGE,
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

/**
 * Whether the question is answerable from the index at all, judged on the best evidence any
 * candidate has: enough of the question's rare terms occur in one passage, or one passage's
 * embedding is close enough. Either alone suffices because the halves fail differently (keywords
 * miss paraphrases and other languages, vectors miss rare names).
 */
export function isAnswerable(candidates: Iterable<Evidence>, options: RelevanceOptions): boolean {
  for (const evidence of candidates) if (isRelevant(evidence, options)) return true;
  return false;
}

/** One candidate passes a floor on its own (the question-level test is `isAnswerable`). */
export function isRelevant(evidence: Evidence, options: RelevanceOptions): boolean {
  return (
    (evidence.coverage !== undefined && evidence.coverage >= options.minCoverage) ||
    (evidence.similarity !== undefined && evidence.similarity >= options.minSimilarity)
  );
}

/**
 * Once a question is answerable, a lower-ranked candidate stays when its evidence is at least this
 * share (0-1) of the best candidate's on either half. An absolute floor on every candidate dropped
 * answers JSQuAD ranks 2nd-10th (a passage matching only the rare half of the question has 0.06-0.07
 * coverage); a relative one still cuts the tail that only shares a particle or a common noun.
 */
export const TAIL_SHARE = 0.25;

/**
 * Candidates worth showing for an answerable question, in their fused order: a vector candidate
 * above the similarity floor, or a keyword candidate with at least `share` of the best coverage.
 */
export function keepTail<T>(ranked: readonly T[], evidenceOf: (item: T) => Evidence, options: RelevanceOptions, share = TAIL_SHARE): T[] {
  let bestCoverage = 0;
  for (const item of ranked) bestCoverage = Math.max(bestCoverage, evidenceOf(item).coverage ?? 0);
  return ranked.filter((item) => {
    const e = evidenceOf(item);
    return (
      (e.coverage !== undefined && e.coverage > 0 && e.coverage >= share * bestCoverage) ||
      (e.similarity !== undefined && e.similarity >= options.minSimilarity)
    );
  });
}
