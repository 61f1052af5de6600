import { describe, expect, it } from 'vitest';
import { answerExcerpt, cutEnd, cutStart, escapeText, fitEscaped, unescapeText } from '../../src/discord/excerpt.js';

const graphemes = (text: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);
/** True when `part` (without its ellipsis) is made of whole graphemes of `whole`. */
/** No lone surrogate (String.prototype.isWellFormed is ES2024, past this project's lib). */
const wellFormed = (text: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
const wholeGraphemes = (part: string, whole: string) => graphemes(whole).join('|').includes(graphemes(part.replace(/…/g, '')).join('|'));

describe('cutEnd', () => {
  it.each([
    ['fits as is', 'abc', 3, 'abc'],
    ['cuts at a sentence end when it keeps half the room', '首脳会合を開催。共同声明によると合意した。', 12, '首脳会合を開催。…'],
    ['cuts between graphemes when the sentence is too long', 'あいうえおかきくけこ', 6, 'あいうえお…'],
    ['English sentences', 'One sentence here. Another one follows.', 25, 'One sentence here.…'],
    ['no room at all', 'abc', 0, ''],
  ])('%s', (_name, text, max, expected) => {
    expect(cutEnd(text, max)).toBe(expected);
  });

  it.each([
    ['a surrogate pair (𠮷)', '𠮷野家𠮷野家𠮷野家'],
    ['combining marks (e + U+0301, か + U+3099)', 'e\u0301e\u0301e\u0301か\u3099か\u3099か\u3099'],
    ['an emoji ZWJ sequence and a flag', '👨‍👩‍👧🇯🇵👨‍👩‍👧🇯🇵👨‍👩‍👧'],
  ])('never splits %s, at any length', (_name, text) => {
    for (let max = 0; max <= text.length; max++) {
      const cut = cutEnd(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(wholeGraphemes(cut, text)).toBe(true);
      expect(wellFormed(cut)).toBe(true);
    }
  });
});

describe('cutStart', () => {
  it('keeps the end, starting at a sentence when it can', () => {
    expect(cutStart('前置きの文です。有志連合はパリで会合。', 13)).toBe('…有志連合はパリで会合。');
  });

  it('never splits a surrogate pair', () => {
    const text = '𠮷'.repeat(10);
    for (let max = 0; max <= text.length; max++) {
      const cut = cutStart(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(wellFormed(cut)).toBe(true);
    }
  });
});

describe('escaping', () => {
  it.each(['**bold** _it_ ~~s~~ ||sp|| `code`', '# heading', '- item', '[link](http://x)', 'back\\slash *', '1. first'])(
    'escapes %j so it shows as typed, and unescapes back',
    (text) => {
      const escaped = escapeText(text);
      expect(escaped).not.toBe(text);
      expect(unescapeText(escaped)).toBe(text);
    },
  );

  it('fitEscaped stays within the limit after escaping and never ends in a lone backslash', () => {
    const text = '*'.repeat(50);
    for (let max = 0; max < 60; max++) {
      const fitted = fitEscaped(text, max);
      expect(fitted.length).toBeLessThanOrEqual(max);
      expect(/(^|[^\\])(\\\\)*\\$/.test(fitted.replace(/…$/, ''))).toBe(false);
    }
  });
});

describe('answerExcerpt', () => {
  const text = '米国は6日、支持を表明した。有志連合はこの日、パリで首脳会合を開催。共同声明によると約束が含まれる。';
  const answer = '有志連合はこの日、パリで首脳会合を開催。';

  it('bolds the answer sentence inside its whole passage when it fits', () => {
    expect(answerExcerpt(text, answer, 200)).toBe(`米国は6日、支持を表明した。**${answer}**共同声明によると約束が含まれる。`);
  });

  it('keeps the bold sentence and trims context on both sides to fit', () => {
    const excerpt = answerExcerpt(text, answer, answer.length + 4 + 12);
    expect(excerpt).toContain(`**${answer}**`);
    expect(excerpt.length).toBeLessThanOrEqual(answer.length + 16);
    expect(excerpt.startsWith('…') || excerpt.endsWith('…')).toBe(true);
  });

  it('cuts an answer sentence longer than the room, still bold', () => {
    const excerpt = answerExcerpt(text, answer, 12);
    expect(excerpt).toMatch(/^\*\*.+…\*\*$/);
    expect(excerpt.length).toBeLessThanOrEqual(12);
  });

  it('shows the passage from its start without bold when the sentence is not in it', () => {
    expect(answerExcerpt(text, 'ない文。', 15)).toBe(cutEnd(text, 15));
  });

  it('escapes Markdown in the passage but not its own bold', () => {
    expect(answerExcerpt('a *b* c. The _answer_.', 'The _answer_.', 100)).toBe('a \\*b\\* c. **The \\_answer\\_.**');
  });
});
