/**
 * Near-duplicate passages (the same wire story filed twice, a paragraph quoted in a follow-up)
 * would fill the reply with one fact. Above this character-bigram Jaccard similarity (0-1) the
 * lower-ranked passage is dropped; 0.8 keeps paragraphs that merely share a topic and a few phrases.
 */
export const NEAR_DUPLICATE_JACCARD = 0.8;

/**
 * A set of bigram codes (`BigramCoder` in keywords/tokenize.ts), hashed into an open-addressing
 * table. Made and compared for every examined passage of every search, where a Set of bigram strings
 * cost more than the vector search itself, and sorting the codes to merge them nearly as much. Plain
 * arrays: a typed array's off-heap buffer takes longer to allocate than filling the set.
 */
export class GramSet {
  /** Each distinct code once. */
  private readonly codes: number[] = [];
  /** Power-of-two table, at most half full; 0 marks an empty slot (no bigram codes to 0). */
  private readonly table: number[];
  private readonly shift: number;

  /** The distinct codes of `parts` together. */
  constructor(parts: readonly (readonly number[])[]) {
    let total = 0;
    for (const part of parts) total += part.length;
    const bits = Math.max(4, 32 - Math.clz32(2 * total));
    this.table = new Array<number>(1 << bits).fill(0);
    this.shift = 32 - bits;
    for (const part of parts) {
      for (let i = 0; i < part.length; i++) {
        const code = part[i] as number;
        if (this.insert(code)) this.codes.push(code);
      }
    }
  }

  get size(): number {
    return this.codes.length;
  }

  private slot(code: number): number {
    // Codes go up to 2^41 + words: both 32-bit halves are mixed in.
    return Math.imul((code | 0) ^ ((code / 4294967296) | 0), 0x9e3779b1) >>> this.shift;
  }

  /** Where `code` is in the table, or the empty slot it would go into (linear probing). */
  private find(code: number): number {
    const { table } = this;
    const mask = table.length - 1;
    let i = this.slot(code);
    for (let held = table[i] as number; held !== code && held !== 0; held = table[i] as number) i = (i + 1) & mask;
    return i;
  }

  private insert(code: number): boolean {
    const i = this.find(code);
    if (this.table[i] === code) return false;
    this.table[i] = code;
    return true;
  }

  has(code: number): boolean {
    return this.table[this.find(code)] === code;
  }

  /**
   * How many codes the two sets share, or -1 once more than `misses` codes of the smaller set are
   * missing from the larger one (the caller's answer is settled by then).
   */
  shared(other: GramSet, misses = Infinity): number {
    const [small, large] = this.size <= other.size ? [this, other] : [other, this];
    let shared = 0;
    let missing = 0;
    for (let i = 0; i < small.codes.length; i++) {
      if (large.has(small.codes[i] as number)) shared++;
      else if (++missing > misses) return -1;
    }
    return shared;
  }
}

function jaccard(a: number, b: number, shared: number): number {
  return a === 0 && b === 0 ? 1 : shared / (a + b - shared);
}

/**
 * Jaccard is at most |small| / |large|, so sets whose sizes differ by more than the threshold
 * allows cannot be near-duplicates; most pairs of unrelated passages are settled by this without
 * touching their bigrams. Otherwise Jaccard > t needs more than t(|a|+|b|)/(1+t) shared bigrams,
 * so the count stops as soon as too many of the smaller set's are missing (unrelated passages
 * after a few dozen of their ~300 bigrams).
 */
function isNearDuplicate(a: GramSet, b: GramSet, threshold: number): boolean {
  const small = Math.min(a.size, b.size);
  const large = Math.max(a.size, b.size);
  if (large > 0 && small / large <= threshold) return false;
  // Widened by a little so that rounding can only make it stop later, never wrongly.
  const needed = (threshold * (a.size + b.size)) / (1 + threshold) - 1e-6;
  const shared = a.shared(b, small - needed);
  if (shared < 0) return false;
  return jaccard(a.size, b.size, shared) > threshold;
}

export interface Collapsed<T> {
  kept: T[];
  /** How many leading items were looked at; `examined === items.length` means `kept` is complete. */
  examined: number;
}

/**
 * Keeps items in order, dropping each one whose text is a near-duplicate of an item already kept
 * (so the better-ranked copy stays), and stops once `limit` items are kept. `gramsOf` gives an
 * item's character bigrams as a set, all coded by one `BigramCoder` (search unites its passages'
 * sentence bigrams, which it needs anyway). Lazy because every item costs a text decode and a
 * bigram set, and pairs are compared quadratically: a search that shows 5 results should not pay
 * for collapsing all of its fused candidates.
 */
export function collapseNearDuplicateGrams<T>(
  items: readonly T[],
  gramsOf: (item: T) => GramSet,
  limit = Infinity,
  threshold = NEAR_DUPLICATE_JACCARD,
): Collapsed<T> {
  const kept: { item: T; grams: GramSet }[] = [];
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
