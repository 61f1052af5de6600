import { describe, expect, it } from 'vitest';
import { loadArticles } from '../../src/articles/load.js';
import { toPassages } from '../../src/passages/chunk.js';
import { splitSentences } from '../../src/passages/sentences.js';
import { BigramCoder, charNgrams, stripQuestionWords } from '../../src/keywords/tokenize.js';
import { answerSentencePicker, sentenceGrams } from '../../src/retrieval/answer-sentence.js';
import { GramSet } from '../../src/retrieval/dedupe.js';
import { seedArticles } from '../store/helpers.js';

/** The answer sentence as first written (a bigram set per sentence, a frequency map over all of them): the reference. */
function referenceBestSentence(passageText: string, question: string): string {
  const sentences = splitSentences(passageText);
  if (sentences.length <= 1) return passageText.trim();
  const queryGrams = new Set(charNgrams(stripQuestionWords(question), 2));
  const sentenceSets = sentences.map((s) => new Set(charNgrams(s, 2)));
  const documentFrequency = new Map<string, number>();
  for (const grams of sentenceSets) for (const g of grams) documentFrequency.set(g, (documentFrequency.get(g) ?? 0) + 1);
  let best = 0;
  let bestScore = 0;
  sentenceSets.forEach((grams, i) => {
    let score = 0;
    for (const g of queryGrams) if (grams.has(g)) score += Math.log(1 + sentences.length / documentFrequency.get(g)!);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return sentences[best]!.trim();
}

const questions = ['有志連合の首脳会合はどこで開かれたか', 'ロシアの石油会社はどこですか', '梅雨とは何', 'Where was the summit held?', '', 'ＡＩ　ｻｰﾊﾞ―'];

/** Texts where sentence ends meet case, width and normalization oddities. */
const tricky = ['ΑΣ. Β ΑΣ!Β', 'カー。-カ\n―カ', 'ｶﾞ。\u3099ｶ', 'é.\u0301 x', 'ＡＩ！ａｉ？ＡＩ．\u3000ai', '「勝利だ。」と述べた。𠮷野家に行った。', '㍻。ﬁ！①'];

describe('answerSentencePicker', () => {
  it('picks what the reference implementation picks, question analysed once for many passages', async () => {
    const { articles } = await loadArticles(seedArticles);
    const texts = [...articles.flatMap((a) => toPassages(a)).map((p) => p.text), ...tricky];
    for (const question of questions) {
      const coder = new BigramCoder();
      const pick = answerSentencePicker(question, coder);
      for (const text of texts) {
        const expected = referenceBestSentence(text, question);
        expect(pick(sentenceGrams(text, coder))).toBe(expected);
      }
    }
  });

  it("unites its sentences' bigrams into the text's near-duplicate bigrams (what search compares)", async () => {
    const { articles } = await loadArticles(seedArticles);
    const coder = new BigramCoder();
    for (const text of [...articles.flatMap((a) => toPassages(a)).map((p) => p.text), ...tricky]) {
      const union = new GramSet(sentenceGrams(text, coder).grams);
      const whole = new GramSet([coder.codes(text)]);
      expect(union.size).toBe(whole.size);
      expect(union.shared(whole)).toBe(whole.size);
    }
  });
});
