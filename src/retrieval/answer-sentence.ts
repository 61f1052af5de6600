import { splitSentences } from '../passages/sentences.js';
import { charNgrams, stripQuestionWords } from '../keywords/tokenize.js';

/**
 * The sentence of a passage that best answers a question: the one sharing the most question
 * bigrams, each weighted by how rare it is within the passage's sentences (so a bigram every
 * sentence has decides nothing). Ties go to the earlier sentence; with no overlap at all (an
 * English question about a Japanese passage), the first sentence, which in news leads the paragraph.
 *
 * @example bestSentence('パリで首脳会合を開催。共同声明が出た。', '首脳会合はどこで開かれたか') // 'パリで首脳会合を開催。'
 */
export function bestSentence(passageText: string, question: string): string {
  const sentences = splitSentences(passageText);
  if (sentences.length <= 1) return passageText.trim();
  const queryGrams = new Set(charNgrams(stripQuestionWords(question), 2));
  const sentenceGrams = sentences.map((s) => new Set(charNgrams(s, 2)));
  const documentFrequency = new Map<string, number>();
  for (const grams of sentenceGrams) for (const g of grams) documentFrequency.set(g, (documentFrequency.get(g) ?? 0) + 1);
  let best = 0;
  let bestScore = 0;
  sentenceGrams.forEach((grams, i) => {
    let score = 0;
    for (const g of queryGrams) if (grams.has(g)) score += Math.log(1 + sentences.length / documentFrequency.get(g)!);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return sentences[best]!.trim();
}
