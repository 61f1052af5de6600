import { describe, expect, it } from 'vitest';
import { isSpaceCode, splitSentences } from '../../src/passages/sentences.js';

describe('splitSentences', () => {
  it.each([
    ['Japanese full stops', '米国は6日、発表した。支持を表明した。', ['米国は6日、発表した。', '支持を表明した。']],
    ['! and ? in both widths', '本当か？そうだ！Yes! No?', ['本当か？', 'そうだ！', 'Yes! ', 'No?']],
    ['a closing quote stays with its sentence', '彼は「終わりだ。」その後、去った。', ['彼は「終わりだ。」', 'その後、去った。']],
    ['a quote that goes on with と is one sentence', '「勝利だ。」と述べた。次の文。', ['「勝利だ。」と述べた。', '次の文。']],
    ['decimals and tickers are not ends', 'GDP grew 3.5% at ROSN.MM today. Next', ['GDP grew 3.5% at ROSN.MM today. ', 'Next']],
    ['a run of terminators is one end', '何だって！？まさか。', ['何だって！？', 'まさか。']],
    ['a line break ends a sentence', '見出し\n本文。', ['見出し\n', '本文。']],
    ['no terminator at all', '終わりのない文', ['終わりのない文']],
    ['an empty string', '', []],
    ['surrogate pairs survive', '𠮷野家に行った。𩸽を食べた。', ['𠮷野家に行った。', '𩸽を食べた。']],
  ])('%s', (_name, text, expected) => {
    const sentences = splitSentences(text);
    expect(sentences).toEqual(expected);
    expect(sentences.join('')).toBe(text);
    expect(sentences).not.toContain('');
  });
});

/** The scanner as it was written over code points (Array.from), kept as the reference the code-unit scanner must equal. */
function referenceSplit(text: string): string[] {
  const TERMINATORS = new Set(['。', '！', '？', '!', '?']);
  const WEAK = new Set(['.', '．']);
  const CLOSERS = new Set(['」', '』', '）', ')', '"', '”', '’', '】', '〕', '］', ']', "'"]);
  const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);
  const chars = Array.from(text);
  const sentences: string[] = [];
  let start = 0;
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i] ?? '';
    let end = -1;
    if (ch === '\n') {
      end = i + 1;
    } else if (TERMINATORS.has(ch) || WEAK.has(ch)) {
      let j = i + 1;
      while (j < chars.length && (TERMINATORS.has(chars[j] ?? '') || WEAK.has(chars[j] ?? ''))) j++;
      let closed = false;
      while (j < chars.length && CLOSERS.has(chars[j] ?? '')) {
        j++;
        closed = true;
      }
      const next = chars[j];
      const weakOnly = chars.slice(i, j).every((c) => WEAK.has(c) || CLOSERS.has(c));
      const ends = weakOnly ? next === undefined || isSpace(next) : !(closed && next === 'と');
      if (ends) end = j;
      else i = j - 1;
    }
    if (end !== -1) {
      while (end < chars.length && isSpace(chars[end]) && chars[end - 1] !== '\n') end++;
      sentences.push(chars.slice(start, end).join(''));
      start = end;
      i = end;
    } else {
      i++;
    }
  }
  if (start < chars.length) sentences.push(chars.slice(start).join(''));
  return sentences;
}

describe('splitSentences over code units', () => {
  it('treats exactly what /\\s/ matches as whitespace', () => {
    for (let c = 0; c <= 0xffff; c++) {
      if (isSpaceCode(c) !== /\s/.test(String.fromCharCode(c))) expect.fail(`U+${c.toString(16)}`);
    }
  });

  it('splits random text as the code-point scanner did, surrogates and quotes included', () => {
    const alphabet = ['。', '！', '？', '!', '?', '.', '．', '」', '』', '）', ')', '"', '”', '’', '】', '〕', '］', ']', "'", 'と', ' ', '\n', '\u3000', '\t', 'a', '東', '𠮷', '\ud800', '\udc00', '「'];
    let seed = 1;
    const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 20_000; k++) {
      let text = '';
      for (let i = Math.floor(random() * 16); i > 0; i--) text += alphabet[Math.floor(random() * alphabet.length)];
      const expected = referenceSplit(text);
      if (JSON.stringify(splitSentences(text)) !== JSON.stringify(expected)) expect(splitSentences(text)).toEqual(expected);
    }
  });
});
