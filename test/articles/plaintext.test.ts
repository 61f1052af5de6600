import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlainText, parseTextFile } from '../../src/articles/plaintext.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/articles/${name}`, import.meta.url), 'utf8');

describe('parsePlainText', () => {
  it('takes the first non-empty line as title and blank-line blocks as paragraphs', () => {
    expect(parsePlainText(fixture('plain-article.txt'), 'plain-article.txt')).toEqual([
      {
        id: 'plain-article',
        title: '東京で初雪、平年より12日遅く',
        sourcePath: 'plain-article.txt',
        paragraphs: [{ text: '気象庁は6日、東京都心で初雪を観測したと発表した。平年より12日遅い。' }, { text: '「寒い朝だった」と話す人もいた。' }],
      },
    ]);
  });

  it.each([
    ['an empty file', ''],
    ['a title without body', '見出しだけ\n\n'],
  ])('throws ARTICLE_PARSE for %s', (_name, text) => {
    expect(() => parsePlainText(text, 'x.txt')).toThrowError(expect.objectContaining({ code: 'ARTICLE_PARSE' }));
  });

  it('keeps NFC text as written (full-width kept) while collapsing space runs', () => {
    const [article] = parsePlainText('見出し\n\nＡＢＣ　株は   3％上昇（速報）。\u0065\u0301\n', 'x.txt');
    expect(article?.paragraphs[0]?.text).toBe('ＡＢＣ　株は 3％上昇（速報）。\u00e9');
  });
});

describe('parseTextFile', () => {
  it.each([
    ['a `▽` first line as a digest', '\n▽見出し<源>2026年1月7日午前 8:58 GMT+9\n\n本文です。\n', 'x-1', '見出し'],
    ['anything else as plain text', '見出し\n\n本文です。\n', 'x', '見出し'],
  ])('reads %s', (_name, text, id, title) => {
    expect(parseTextFile(text, 'x.txt')[0]).toMatchObject({ id, title });
  });
});
