import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../src/articles/jsonl.js';

const fixture = readFileSync(new URL('../fixtures/articles/articles.jsonl', import.meta.url), 'utf8');
/** The committed JSQuAD retrieval benchmark (see data/eval/README.md). */
const jsquad = fileURLToPath(new URL('../../data/eval/jsquad-valid/articles.jsonl', import.meta.url));

describe('parseJsonl', () => {
  const problems: string[] = [];
  const articles = parseJsonl(fixture, 'articles.jsonl', (p) => problems.push(p));

  it('keeps the good lines, with `date` read as `published` and a missing id taken from path and line', () => {
    expect(articles.map((a) => a.id)).toEqual(['j-1', 'articles-3', 'j-3']);
    expect(articles[0]).toEqual({
      id: 'j-1',
      title: '梅雨',
      source: 'Wikipedia',
      url: 'https://ja.wikipedia.org/wiki/梅雨',
      published: '2026-01-05T23:58:00.000Z',
      sourcePath: 'articles.jsonl',
      paragraphs: [{ text: '梅雨は東アジアの気象現象である。' }, { text: '梅雨入りは地域によって異なる。' }],
    });
    expect(articles[1]?.published).toBe('2026-01-06T00:00:00.000Z');
    expect(articles[2]?.published).toBeUndefined();
  });

  it('reports each bad line by number and the unreadable date', () => {
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^line 4: date "来週のどこか"/),
        expect.stringMatching(/^line 5: not valid JSON/),
        expect.stringMatching(/^line 6: is not a JSON object/),
        expect.stringMatching(/^line 7: article "本文のない記事" has no body paragraphs/),
      ]),
    );
  });

  it.each([
    ['a repeated id', '{"id":"a","title":"T","body":"b"}\n{"id":"a","title":"U","body":"c"}', /line 2: id "a"/],
    ['a non-string field', '{"id":"a","title":"T","body":"b"}\n{"title":["T"],"body":"c"}', /line 2: "title" is a object/],
  ])('reports %s', (_name, text, reason) => {
    const found: string[] = [];
    expect(parseJsonl(text, 'x.jsonl', (p) => found.push(p))).toHaveLength(1);
    expect(found).toEqual([expect.stringMatching(reason)]);
  });

  it('reads the body from "text" or "content" when there is no "body"', () => {
    const text = ['{"title":"A","text":"一段落目。\\n\\n二段落目。"}', '{"title":"B","content":"本文。"}', '{"title":"C","body":"本文。","text":"要約。"}'].join('\n');
    expect(parseJsonl(text, 'x.jsonl').map((a) => a.paragraphs.map((p) => p.text))).toEqual([['一段落目。', '二段落目。'], ['本文。'], ['本文。']]);
  });

  it('throws ARTICLE_PARSE naming the line when no line is usable', () => {
    expect(() => parseJsonl('{"title":"T"}\nnope', 'x.jsonl')).toThrowError(/line 1: .*line 2: /);
  });

  it('reads the JSQuAD benchmark: 59 articles, 1,145 paragraphs', () => {
    const found: string[] = [];
    const bench = parseJsonl(readFileSync(jsquad, 'utf8'), 'articles.jsonl', (p) => found.push(p));
    expect(found).toEqual([]);
    expect(bench).toHaveLength(59);
    expect(bench.reduce((sum, a) => sum + a.paragraphs.length, 0)).toBe(1145);
  });
});
