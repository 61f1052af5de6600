import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMarkdown, stripInlineMarkdown } from '../../src/articles/markdown.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/articles/${name}`, import.meta.url), 'utf8');

describe('parseMarkdown', () => {
  it('reads front matter, which wins over the H1, and strips inline markup', () => {
    const [article, ...rest] = parseMarkdown(fixture('kiji-launch.md'), 'kiji-launch.md');
    expect(rest).toEqual([]);
    expect(article).toEqual({
      id: 'kiji-launch',
      title: 'kiji、ニュース検索ボットを公開',
      source: '社内報',
      published: '2026-01-06T00:00:00.000Z',
      url: 'https://example.com/kiji-launch',
      sourcePath: 'kiji-launch.md',
      paragraphs: [
        { text: 'kiji は日本語ニュースの記事を検索し、引用付きで答える Discord ボットだ。長い段落は複数行に折り返して書いてもよい。' },
        { text: '記事は段落ごとに分けられ、BM25 と埋め込みの両方で検索される。snake_case_name はそのまま残る。', section: '仕組み' },
        { text: '対応形式を増やす予定だ。', section: '今後' },
      ],
    });
  });

  it('takes the first H1 as title when there is no front matter, and the path as id', () => {
    const [article] = parseMarkdown(fixture('no-front-matter.markdown'), 'sub/no-front-matter.markdown');
    expect(article).toMatchObject({ id: 'sub-no-front-matter', title: '前付けのない記事' });
    expect(article?.paragraphs.map((p) => p.text)).toEqual(['本文の第一段落。強調は消える。', '本文の第二段落。']);
  });

  it('uses the front matter id and `published` over `date`', () => {
    const text = '---\nid: custom-id\npublished: 2026-01-07T08:58:00+09:00\ndate: 1999-01-01\n---\n# T\n\n本文。\n';
    expect(parseMarkdown(text, 'a.md')[0]).toMatchObject({ id: 'custom-id', published: '2026-01-06T23:58:00.000Z' });
  });

  it('throws ARTICLE_PARSE for a file with no title', () => {
    expect(() => parseMarkdown('本文だけ。\n', 'a.md')).toThrowError(expect.objectContaining({ code: 'ARTICLE_PARSE' }));
  });
});

describe('stripInlineMarkdown', () => {
  it.each([
    ['**太字**と__太字__', '太字と太字'],
    ['これは*強調*です', 'これは強調です'],
    ['[リンク](https://example.com)を残す', 'リンクを残す'],
    ['![図1](a.png)', '図1'],
    ['<https://example.com>', 'https://example.com'],
    ['`code` と ~~取消~~', 'code と 取消'],
    ['snake_case_name', 'snake_case_name'],
    ['2 * 3 * 4', '2 * 3 * 4'],
  ])('%j -> %j', (input, expected) => {
    expect(stripInlineMarkdown(input)).toBe(expected);
  });
});
