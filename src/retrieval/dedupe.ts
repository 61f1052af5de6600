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
 * Keeps items in order, dropping each one whose text is a near-duplicate of an item already kept
 * (so the better-ranked copy stays). Quadratic in the kept items; called on at most the fused
 * candidate list (~100).
 *
 * @example dropNearDuplicates([{ t: '有志連合はパリで会合。' }, { t: '有志連合はパリで会合。' }], (x) => x.t) // first only
 */
export function dropNearDuplicates<T>(items: readonly T[], textOf: (item: T) => string, threshold = NEAR_DUPLICATE_JACCARD): T[] {
  const kept: { item: T; grams: Set<string> }[] = [];
  for (const item of items) {
    const grams = new Set(charNgrams(textOf(item), 2));
    if (kept.some((k) => jaccard(k.grams, grams) > threshold)) continue;
    kept.push({ item, grams });
  }
  return kept.map((k) => k.item);
}
