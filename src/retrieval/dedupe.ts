import { charNgrams } from '../keywords/tokenize.js';

/**
 * Near-duplicate passages (the same wire story filed twice, a paragraph quoted in a follow-up)
 * would fill the reply with one fact. Above this character-bigram Jaccard similarity (0-1) the
 * lower-ranked passage is dropped; 0.8 keeps paragraphs that merely share a topic and a few phrases.
 */
export const NEAR_DUPLICATE_JACCARD = 0.8;

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const g of small) if (large.has(g)) shared++;
  return shared / (a.size + b.size - shared);
}

/**
 * Jaccard is at most |small| / |large|, so sets whose sizes differ by more than the threshold
 * allows cannot be near-duplicates; most pairs of unrelated passages are settled by this without
 * touching their bigrams.
 */
function isNearDuplicate(a: ReadonlySet<string>, b: ReadonlySet<string>, threshold: number): boolean {
  const small = Math.min(a.size, b.size);
  const large = Math.max(a.size, b.size);
  if (large > 0 && small / large <= threshold) return false;
  return jaccard(a, b) > threshold;
}

export interface Collapsed<T> {
  kept: T[];
  /** How many leading items were looked at; `examined === items.length` means `kept` is complete. */
  examined: number;
}

/**
 * Keeps items in order, dropping each one whose text is a near-duplicate of an item already kept
 * (so the better-ranked copy stays), and stops once `limit` items are kept. Lazy because every
 * item costs a text decode and a bigram set, and pairs are compared quadratically: a search that
 * shows 5 results should not pay for collapsing all ~100 fused candidates (it did: 5 ms of a
 * 0.6 ms keyword search at 10k passages).
 */
export function collapseNearDuplicates<T>(
  items: readonly T[],
  textOf: (item: T) => string,
  limit = Infinity,
  threshold = NEAR_DUPLICATE_JACCARD,
): Collapsed<T> {
  return collapseNearDuplicateGrams(items, (item) => nearDuplicateGrams(textOf(item)), limit, threshold);
}

/** What near-duplicates are compared on: the text's character bigrams (`charNgrams(text, 2)`) as a set. */
export function nearDuplicateGrams(text: string): Set<string> {
  return new Set(charNgrams(text, 2));
}

/**
 * `collapseNearDuplicates` for a caller that already has each item's `nearDuplicateGrams` (or the
 * same set made another way: search unites its passages' sentence bigrams, which it needs anyway).
 */
export function collapseNearDuplicateGrams<T>(
  items: readonly T[],
  gramsOf: (item: T) => ReadonlySet<string>,
  limit = Infinity,
  threshold = NEAR_DUPLICATE_JACCARD,
): Collapsed<T> {
  const kept: { item: T; grams: ReadonlySet<string> }[] = [];
  let examined = 0;
  for (const item of items) {
    if (kept.length >= limit) break;
    examined++;
    const grams = gramsOf(item);
    if (kept.some((k) => isNearDuplicate(k.grams, grams, threshold))) continue;
    kept.push({ item, grams });
  }
  return { kept: kept.map((k) => k.item), examined };
}

/**
 * Every item that is not a near-duplicate of a better-ranked one (see `collapseNearDuplicates`).
 *
 * @example dropNearDuplicates([{ t: '有志連合はパリで会合。' }, { t: '有志連合はパリで会合。' }], (x) => x.t) // first only
 */
export function dropNearDuplicates<T>(items: readonly T[], textOf: (item: T) => string, threshold = NEAR_DUPLICATE_JACCARD): T[] {
  return collapseNearDuplicates(items, textOf, Infinity, threshold).kept;
}
