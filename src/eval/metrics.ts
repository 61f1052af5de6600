/**
 * The hit rule and ranking metrics shared by every eval (keyword, vector, hybrid), so numbers from
 * different scripts are comparable.
 */
import { ErrorCodes, KijiError } from '../errors.js';

/** NFKC plus no whitespace: gold texts and passages differ in width and in line breaks, not in content. */
export function normalizeForHit(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, '');
}

/**
 * A passage is a hit when it contains a gold text or lies inside one (a passage split out of a long
 * gold paragraph still counts). An empty passage never hits.
 *
 * @example isHit('有志連合はこの日、パリで首脳会合を開催。', ['パリで首脳会合']) // true
 */
export function isHit(passageText: string, golds: readonly string[]): boolean {
  const passage = normalizeForHit(passageText);
  if (passage === '') return false;
  return golds.some((gold) => {
    const g = normalizeForHit(gold);
    return g !== '' && (passage.includes(g) || g.includes(passage));
  });
}

/**
 * 1-based rank of the first hit in `hits` (one boolean per ranked result), or 0 when none hit.
 * Metrics below take this rank, so a ranked list is judged once and scored many ways.
 */
export function firstHitRank(hits: readonly boolean[]): number {
  const index = hits.indexOf(true);
  return index < 0 ? 0 : index + 1;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `k must be a positive integer, got ${k}.`);
  }
}

/** Share of queries whose first hit is within the top `k` (ranks as from `firstHitRank`; 0 = missed). */
export function recallAt(k: number, ranks: readonly number[]): number {
  checkK(k);
  if (ranks.length === 0) return 0;
  return ranks.filter((r) => r >= 1 && r <= k).length / ranks.length;
}

/** Mean reciprocal rank, counting only first hits within the top `k` (MRR@10 with k = 10). */
export function mrrAt(k: number, ranks: readonly number[]): number {
  checkK(k);
  if (ranks.length === 0) return 0;
  let sum = 0;
  for (const r of ranks) if (r >= 1 && r <= k) sum += 1 / r;
  return sum / ranks.length;
}

/**
 * Nearest-rank percentile (`p` in 0-100) of `values`; NaN for an empty list.
 *
 * @example percentile([4, 1, 3, 2], 50) // 2
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `percentile must be within 0-100, got ${p}.`);
  }
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.max(0, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[index] as number;
}
