import { describe, expect, it } from 'vitest';
import {
  BigramCoder,
  charNgrams,
  contentBigrams,
  contentWords,
  kanjiBigrams,
  kanjiKatakanaUnigrams,
  normalizeText,
  segmenterWords,
  ANALYZERS,
  stripQuestionWords,
} from '../../src/keywords/tokenize.js';

describe('normalizeText', () => {
  it.each([
    ['full-width ASCII and ideographic space', 'ＡＩ　１２３', 'ai 123'],
    ['half-width katakana', 'ｻｰﾊﾞｰ', 'サーバー'],
    ['dash after katakana becomes the long-vowel mark', 'サーバ―', 'サーバー'],
    ['dash elsewhere is kept', 'covid-19', 'covid-19'],
    ['upper case folds', 'NATO', 'nato'],
  ])('%s', (_name, input, expected) => {
    expect(normalizeText(input)).toBe(expected);
  });
});

describe('analyzers', () => {
  it('bigrams stay inside Japanese runs and keep Latin words whole', () => {
    expect(charNgrams('東京都のAI、米', 2)).toEqual(['東京', '京都', '都の', 'ai', '米']);
  });

  it('gives the same tokens for a short text after a very long one (the character table is reused)', () => {
    expect(charNgrams('東京'.repeat(40_000), 2)).toHaveLength(79_999);
    expect(charNgrams('東京都のAI、米', 2)).toEqual(['東京', '京都', '都の', 'ai', '米']);
    expect(kanjiKatakanaUnigrams('ロシアは米国')).toEqual(['ロ', 'シ', 'ア', '米', '国']);
  });

  it('trigrams skip runs too short for them except one char short', () => {
    expect(charNgrams('東京都。米国', 3)).toEqual(['東京都', '米国']);
  });

  it('content bigrams drop all-hiragana pairs', () => {
    expect(contentBigrams('梅雨がみられる')).toEqual(['梅雨', '雨が']);
  });

  it('unigrams are kanji and katakana only', () => {
    expect(kanjiKatakanaUnigrams('ロシアは米国')).toEqual(['ロ', 'シ', 'ア', '米', '国']);
  });

  it('the segmenter yields dictionary words', () => {
    const words = segmenterWords('梅雨は雨季の一種');
    expect(words).toContain('梅雨');
    expect(words).toContain('雨季');
    expect(words).not.toContain('、');
  });
});

describe('analyzers at a newline', () => {
  // The keyword build analyses an article's title once and joins its tokens to each passage's
  // (bm25.ts contextTokens): that is only the same index if no token spans the newline between them.
  const parts = [
    ['ウクライナ有志連合、パリで首脳会合', 'パリで首脳会合を開催。米国は6日、発表した。'],
    ['サーバ', '―の障害'],
    ['NATO', 'summit in Paris'],
    ['covid-', '19の感染'],
    ['東京', '都の会議'],
    ['ｻｰﾊﾞ', 'ｰ'],
    ['１２', '３ 件'],
    ['絵文字😀', '😀です'],
    ['', '本文だけ'],
  ];
  it.each(Object.keys(ANALYZERS))('%s gives the tokens of the parts one after the other', (name) => {
    const analyze = ANALYZERS[name as keyof typeof ANALYZERS];
    for (const [a, b] of parts) expect(analyze(`${a}\n${b}`)).toEqual([...analyze(a!), ...analyze(b!)]);
  });
});

describe('stripQuestionWords', () => {
  it.each([
    ['有志連合の首脳会合はどこで開かれたか', ['どこ'], ['有志連合', '首脳会合']],
    ['梅雨とは何季の一種か?', ['とは', '何'], ['梅雨', '季の一種']],
    ['今日の株価はいくらですか', ['いくら', 'ですか'], ['今日の株価']],
    ['How do I bake sourdough bread?', ['how', ' do '], ['bake sourdough bread']],
  ])('%s', (question, gone, kept) => {
    const stripped = stripQuestionWords(question);
    for (const word of gone) expect(stripped).not.toContain(word);
    for (const word of kept) expect(stripped).toContain(word);
  });

  it('does not cut inside Latin words', () => {
    expect(stripQuestionWords('whatever island')).toBe('whatever island');
  });
});

describe('kanjiBigrams and contentWords', () => {
  it('keeps kanji/katakana bigrams only, and a lone kanji between kana', () => {
    expect(kanjiBigrams('有志連合はパリで開かれた')).toEqual(['有志', '志連', '連合', 'パリ', '開']);
  });

  it('drops all-hiragana segmenter words', () => {
    expect(contentWords('梅雨は雨季の一種')).toEqual(['梅雨', '雨季', '一種']);
  });
});

describe('BigramCoder', () => {
  // Texts with surrogate pairs, a lone surrogate, combining marks, full-width and compatibility
  // characters, Latin words of several scripts and digits, next to Japanese.
  const texts = [
    '有志連合はこの日、パリで首脳会合を開催。米国は6日、発表した。',
    'GDP grew 3.5% in Q1. covid-19の感染',
    '絵文字😀です𠮷野家',
    'ｶﾞ。\u3099ｶ ＡＩ！ａｉ？ＡＩ．\u3000ai',
    'é\u0301 x Ωμέγα ПРИВЕТ привет İstanbul',
    '㍻。ﬁ！① 々〆ー',
    'a\ud800b 東',
    '',
  ];

  it('gives the bigrams of charNgrams(text, 2), equal codes exactly for equal bigrams', () => {
    const coder = new BigramCoder();
    const strings = texts.flatMap((t) => charNgrams(t, 2));
    const codes = texts.flatMap((t) => [...coder.codes(t)]);
    expect(codes).toHaveLength(strings.length);
    const codeOf = new Map<string, number>();
    const stringOf = new Map<number, string>();
    strings.forEach((gram, i) => {
      const code = codes[i]!;
      expect(codeOf.get(gram) ?? code).toBe(code);
      expect(stringOf.get(code) ?? gram).toBe(gram);
      codeOf.set(gram, code);
      stringOf.set(code, gram);
    });
    // Words repeat across texts (ai, 3.5's digits): the same word keeps its code.
    expect(codeOf.size).toBeLessThan(strings.length);
  });
});
