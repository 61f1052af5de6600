/**
 * Near-duplicate grouping of questions, so "パリの首脳会合はいつ？" and "パリ首脳会合はいつ開かれた"
 * count as one knowledge gap. Japanese has no spaces, so questions are compared as sets of character
 * bigrams (Jaccard similarity) rather than of words. Pure: no I/O, no state.
 */

export const groupingDefaults = {
  /**
   * Jaccard similarity of bigram sets from which two questions are the same question (0-1). Chosen on
   * the labelled pairs of test/questions/grouping.test.ts: paraphrases with a particle or a verb
   * added or dropped score from about 0.45 up, questions about different things sharing one topic
   * word below 0.35.
   */
  threshold: 0.4,
} as const;

/**
 * What a question asks for. Two questions asking for different ones ("when" and "where" about the
 * same summit) are different questions even when nearly every other bigram is shared.
 */
const interrogatives: readonly [kind: string, pattern: RegExp][] = [
  ['when', /いつ|何時|何日|何年|何月|\bwhen\b/],
  ['where', /どこ|何処|どちら|\bwhere\b/],
  ['who', /誰|だれ|どなた|\bwho\b|\bwhom\b/],
  ['why', /なぜ|何故|なんで|どうして|\bwhy\b/],
  ['how many', /いくつ|いくら|何人|何回|何個|何%|どれくらい|どのくらい|\bhow (many|much|long|old)\b/],
  ['how', /どう|どのよう|いかに|\bhow\b/],
  ['which', /どれ|どの|\bwhich\b/],
  ['what', /何|なに|なん|\bwhat\b/],
];

/**
 * The text a question is compared by: NFKC (full-width letters and digits become ASCII), lower case,
 * punctuation, symbols, control characters and spaces removed.
 *
 * @example normalizeForGrouping('パリの首脳会合は、いつ？ ') // 'パリの首脳会合はいつ'
 */
export function normalizeForGrouping(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}\p{C}\s]+/gu, '');
}

/** The character bigrams of normalized text; a one-character text is its own single gram. */
export function bigrams(normalized: string): Set<string> {
  const chars = [...normalized];
  if (chars.length === 1) return new Set(chars);
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i]! + chars[i + 1]!);
  return grams;
}

/**
 * The first kind of interrogative found (the most specific, in the order listed), or undefined. Read
 * from the text before punctuation is removed so English word boundaries still hold.
 */
function askedFor(text: string): string | undefined {
  const lower = text.normalize('NFKC').toLowerCase();
  return interrogatives.find(([, pattern]) => pattern.test(lower))?.[0];
}

/**
 * Names written in katakana (ベネズエラ, パリ) or capitalized inside an English sentence (Paris). Two
 * questions naming different places or people differ though they share every other bigram; a
 * one-character name difference in kanji (米国 / 英国) is not caught.
 */
function namesIn(text: string): Set<string> {
  const normalized = text.normalize('NFKC');
  const katakana = normalized.match(/[\p{Script=Katakana}ー・]{2,}/gu) ?? [];
  const capitalized = [...normalized.matchAll(/(?<=\S\s+)\p{Lu}[\p{L}\p{N}]+/gu)].map((m) => m[0]);
  return new Set([...katakana.map((name) => name.replace(/・/g, '')), ...capitalized.map((name) => name.toLowerCase())]);
}

interface Prepared {
  grams: Set<string>;
  asks: string | undefined;
  names: Set<string>;
}

function prepare(text: string): Prepared {
  return { grams: bigrams(normalizeForGrouping(text)), asks: askedFor(text), names: namesIn(text) };
}

function disjoint(a: Set<string>, b: Set<string>): boolean {
  for (const item of a) if (b.has(item)) return false;
  return true;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const gram of small) if (large.has(gram)) shared++;
  return shared / (a.size + b.size - shared);
}

function compare(a: Prepared, b: Prepared): number {
  if (a.asks !== undefined && b.asks !== undefined && a.asks !== b.asks) return 0;
  if (a.names.size > 0 && b.names.size > 0 && disjoint(a.names, b.names)) return 0;
  return jaccard(a.grams, b.grams);
}

/**
 * How alike two questions are, from 0 (nothing shared, or asking for different things) to 1.
 *
 * @example questionSimilarity('パリの首脳会合はいつ？', 'パリ首脳会合はいつ開かれた') // 0.5
 * @example questionSimilarity('首脳会合はいつ開かれた', '首脳会合はどこで開かれた') // 0 (when vs where)
 */
export function questionSimilarity(a: string, b: string): number {
  return compare(prepare(a), prepare(b));
}

/**
 * Groups items whose texts ask the same question. Greedy leader clustering: items are taken in the
 * order given (put the most frequent first), and each joins the group whose first item (its leader)
 * it is most similar to, at or above `threshold`, or starts a new group. Comparing with leaders only,
 * not with every member, keeps one chain of small steps from joining questions that differ.
 * Groups come out in the order their leaders were given.
 *
 * @example groupSimilar(['パリの首脳会合はいつ？', '選挙の結果は？', 'パリ首脳会合はいつ開かれた'], (t) => t)
 *   // [['パリの首脳会合はいつ？', 'パリ首脳会合はいつ開かれた'], ['選挙の結果は？']]
 */
export function groupSimilar<T>(items: readonly T[], textOf: (item: T) => string, threshold: number = groupingDefaults.threshold): T[][] {
  const groups: { leader: Prepared; members: T[] }[] = [];
  // Leaders by bigram, so an item is compared only with leaders it shares a bigram with.
  const leadersWith = new Map<string, number[]>();
  for (const item of items) {
    const prepared = prepare(textOf(item));
    const candidates = new Set<number>();
    for (const gram of prepared.grams) for (const g of leadersWith.get(gram) ?? []) candidates.add(g);
    let best = -1;
    let bestScore = threshold;
    for (const g of [...candidates].sort((x, y) => x - y)) {
      const score = compare(prepared, groups[g]!.leader);
      if (score >= bestScore && (best < 0 || score > bestScore)) {
        best = g;
        bestScore = score;
      }
    }
    if (best >= 0) {
      groups[best]!.members.push(item);
      continue;
    }
    const index = groups.length;
    groups.push({ leader: prepared, members: [item] });
    for (const gram of prepared.grams) {
      const list = leadersWith.get(gram);
      if (list) list.push(index);
      else leadersWith.set(gram, [index]);
    }
  }
  return groups.map((group) => group.members);
}
