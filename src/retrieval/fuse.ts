/**
 * Reciprocal rank fusion: each ranked list contributes weight / (k + rank) to every item in it.
 * Ranks, not raw scores, are fused because BM25 scores and cosine similarities live on scales that
 * differ per query. Pure and allocation-light so it can be tuned and tested on its own.
 */
export const fusionDefaults = {
  /** RRF's smoothing constant (1-100): larger flattens the advantage of the top ranks. 60 is the paper's value. */
  k: 60,
  /** Weight of the keyword list (0-5). */
  keywordWeight: 1,
  /** Weight of the vector list (0-5). */
  vectorWeight: 1,
} as const;

export type FusionOptions = { k: number; keywordWeight: number; vectorWeight: number };

export interface RankedList<T> {
  items: readonly T[];
  weight: number;
}

/** Fused scores by key, highest first; an empty input gives an empty output. */
export function reciprocalRankFusion<T>(
  lists: readonly RankedList<T>[],
  keyOf: (item: T) => string,
  k: number = fusionDefaults.k,
): { key: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const { items, weight } of lists) {
    if (weight <= 0) continue;
    items.forEach((item, rank) => {
      const key = keyOf(item);
      scores.set(key, (scores.get(key) ?? 0) + weight / (k + rank + 1));
    });
  }
  return [...scores].map(([key, score]) => ({ key, score })).sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
}
