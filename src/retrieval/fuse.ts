/**
 * Fusing the keyword and vector candidate lists. The default is a convex combination of min-max
 * normalized scores (`normalizedScoreFusion`): the keyword score after coverage rescoring says how
 * decisive a match is, and rank fusion throws that away, so a noisy vector list can outvote a
 * keyword match that covers the whole question (seen in test/store/build.int.test.ts; it also ranks
 * better on the seed with the test model, docs/retrieval-quality.md). Reciprocal rank
 * fusion stays available (`--fusion rrf` in `npm run eval`) for when a real model can be compared.
 * Neither is tuned on a real embedding model (none can be downloaded here): equal weights.
 */
export const fusionDefaults = {
  method: 'score',
  /** RRF's smoothing constant (1-100): larger flattens the advantage of the top ranks. 60 is the paper's value. */
  k: 60,
  /** Weight of the keyword list (0-5). */
  keywordWeight: 1,
  /** Weight of the vector list (0-5). */
  vectorWeight: 1,
} as const;

export type FusionMethod = 'rrf' | 'score';
export type FusionOptions = { method: FusionMethod; k: number; keywordWeight: number; vectorWeight: number };

export interface RankedList<T> {
  /** Best first. */
  items: readonly T[];
  weight: number;
  /** Per item, higher is better; needed by score fusion only. */
  scores?: readonly number[];
}

/** What fusion keys items by: search uses passage rows (numbers: no string per candidate). */
type Key = string | number;

/**
 * Highest score first; equal scores keep the order items were first seen in (sort is stable): the
 * lists in the order given, each best first. Search gives the keyword list first, the half tuned on
 * JSQuAD, so when each list's best is missing from the other list, both scoring exactly the list
 * weight in score fusion, the keyword match leads. That tie is common, and breaking it by the keys'
 * text order would decide it by chance.
 */
const byScore = (a: { score: number }, b: { score: number }) => b.score - a.score;

/** Fused scores by key, highest first; an empty input gives an empty output. */
export function reciprocalRankFusion<T, K extends Key>(
  lists: readonly RankedList<T>[],
  keyOf: (item: T) => K,
  k: number = fusionDefaults.k,
): { key: K; score: number }[] {
  const scores = new Map<K, number>();
  for (const { items, weight } of lists) {
    if (weight <= 0) continue;
    items.forEach((item, rank) => {
      const key = keyOf(item);
      scores.set(key, (scores.get(key) ?? 0) + weight / (k + rank + 1));
    });
  }
  return [...scores].map(([key, score]) => ({ key, score })).sort(byScore);
}

/**
 * Convex combination of min-max normalized scores: in each list the best item gets 1 and the worst
 * candidate 0 (a lone item 1), an item missing from a list gets 0. Min-max rather than dividing by the
 * best, so E5's compressed cosines (all within 0.75-0.9) still spread over 0-1. Keeps the confidence
 * gaps that RRF flattens (keyword 11.5 vs 0.14 is a decisive match; in RRF it is worth rank 1 vs 2).
 */
export function normalizedScoreFusion<T, K extends Key>(lists: readonly RankedList<T>[], keyOf: (item: T) => K): { key: K; score: number }[] {
  const scores = new Map<K, number>();
  for (const { items, weight, scores: raw } of lists) {
    if (weight <= 0 || items.length === 0) continue;
    const values = raw ?? items.map((_, rank) => 1 / (rank + 1));
    // Loops rather than Math.max(...values): this runs on every search (same results, NaN included).
    let best = -Infinity;
    let worst = Infinity;
    for (const value of values) {
      best = Math.max(best, value);
      worst = Math.min(worst, value);
    }
    for (let i = 0; i < items.length; i++) {
      const key = keyOf(items[i] as T);
      const normalized = best > worst ? ((values[i] ?? worst) - worst) / (best - worst) : 1;
      scores.set(key, (scores.get(key) ?? 0) + weight * normalized);
    }
  }
  return Array.from(scores, ([key, score]) => ({ key, score })).sort(byScore);
}

export function fuse<T, K extends Key>(lists: readonly RankedList<T>[], keyOf: (item: T) => K, options: FusionOptions): { key: K; score: number }[] {
  return options.method === 'score' ? normalizedScoreFusion(lists, keyOf) : reciprocalRankFusion(lists, keyOf, options.k);
}
