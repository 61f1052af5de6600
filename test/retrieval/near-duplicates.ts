import { BigramCoder } from '../../src/keywords/tokenize.js';
import { collapseNearDuplicateGrams, GramSet, type Collapsed } from '../../src/retrieval/dedupe.js';

/** `collapseNearDuplicateGrams` on texts: each item's whole-text bigrams, as search compares them. */
export function collapseNearDuplicates<T>(items: readonly T[], textOf: (item: T) => string, limit = Infinity): Collapsed<T> {
  const coder = new BigramCoder();
  return collapseNearDuplicateGrams(items, (item) => new GramSet([coder.codes(textOf(item))]), limit);
}

/** Every item that is not a near-duplicate of a better-ranked one. */
export function dropNearDuplicates<T>(items: readonly T[], textOf: (item: T) => string): T[] {
  return collapseNearDuplicates(items, textOf).kept;
}
