import { splitSentences } from '../passages/sentences.js';
import { BigramCoder, stripQuestionWords } from '../keywords/tokenize.js';

/** A passage split into sentences (`splitSentences`), with each sentence's bigrams as `coder` codes them. */
export interface SentenceGrams {
  sentences: string[];
  grams: number[][];
}

/** Splits a passage into sentences and codes each sentence's bigrams. */
export function sentenceGrams(passageText: string, coder: BigramCoder): SentenceGrams {
  const sentences = splitSentences(passageText);
  return { sentences, grams: sentences.map((s) => coder.codes(s)) };
}

/**
 * Picks, for one question, the sentence of a passage that best answers it: the one sharing the most
 * question bigrams, each weighted by how rare it is within the passage's sentences (so a bigram every
 * sentence has decides nothing). Ties go to the earlier sentence; with no overlap at all (an English
 * question about a Japanese passage), the first sentence, which in news leads the paragraph.
 *
 * The question is analysed once (a search picks a sentence for every result), and each passage's
 * bigrams come in already made (a search has made them for the near-duplicate check) by the same `coder`.
 *
 * @example
 * const coder = new BigramCoder();
 * answerSentencePicker('首脳会合はどこで開かれたか', coder)(sentenceGrams('パリで首脳会合を開催。共同声明が出た。', coder)) // 'パリで首脳会合を開催。'
 */
export function answerSentencePicker(question: string, coder: BigramCoder): (passage: SentenceGrams) => string {
  // In first-seen order: a score adds the question's bigrams in this order, as it always has.
  const queryGrams = new Map<number, number>();
  for (const g of coder.codes(stripQuestionWords(question))) if (!queryGrams.has(g)) queryGrams.set(g, queryGrams.size);
  return (passage) => pick(passage, queryGrams);
}

function pick({ sentences, grams }: SentenceGrams, queryGrams: ReadonlyMap<number, number>): string {
  // The passage itself when it is one sentence (or none): sentences join back into the text.
  if (sentences.length <= 1) return (sentences[0] ?? '').trim();
  const q = queryGrams.size;
  // Only the question's bigrams can score, so only they are tracked: which sentences hold each
  // (has[i * q + g]) and in how many sentences it occurs.
  // Plain arrays: typed ones cost more to allocate than this whole pick.
  const has = new Array<number>(sentences.length * q).fill(0);
  const documentFrequency = new Array<number>(q).fill(0);
  grams.forEach((sentence, i) => {
    for (const gram of sentence) {
      const g = queryGrams.get(gram);
      if (g === undefined || has[i * q + g]) continue;
      has[i * q + g] = 1;
      documentFrequency[g]!++;
    }
  });
  let best = 0;
  let bestScore = 0;
  for (let i = 0; i < sentences.length; i++) {
    let score = 0;
    for (let g = 0; g < q; g++) if (has[i * q + g]) score += Math.log(1 + sentences.length / documentFrequency[g]!);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return sentences[best]!.trim();
}
