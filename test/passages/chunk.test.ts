import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/articles/article.js';
import { parseDigest } from '../../src/articles/digest.js';
import { chunkDefaults, codePointLength, passageEmbeddingKey, passageEmbeddingText, splitLongText, toPassages } from '../../src/passages/chunk.js';

const seed = readFileSync(new URL('../../data/articles/reuters-2026-01-06.txt', import.meta.url), 'utf8');
const [first, second, third] = parseDigest(seed, 'reuters-2026-01-06.txt');

const sentence = (n: number): string => `${'あ'.repeat(n - 1)}。`;
const article = (paragraphs: Article['paragraphs'], extra: Partial<Article> = {}): Article => ({
  id: 'a',
  title: '見出し',
  sourcePath: 'a.txt',
  paragraphs,
  ...extra,
});

describe('toPassages on the seed', () => {
  it('gives each normal paragraph its own passage carrying the article fields', () => {
    const passages = toPassages(first!);
    expect(passages).toHaveLength(11);
    expect(passages[1]).toMatchObject({
      id: 'reuters-2026-01-06-1#2',
      articleId: 'reuters-2026-01-06-1',
      paragraph: 2,
      title: first!.title,
      subtitle: first!.subtitle,
      source: 'ロイター日本語版',
      published: '2026-01-06T23:58:00.000Z',
    });
    expect(passages[1]?.text).toMatch(/^有志連合はこの日、パリで首脳会合を開催。/);
    expect(passages[1]).not.toHaveProperty('url');
    expect(passages[1]).not.toHaveProperty('section');
  });

  it('joins a short paragraph to the next one, keeping the first number', () => {
    const passages = toPassages(second!);
    expect(passages.map((p) => p.paragraph)).toEqual([1, 2, 3, 4, 6, 7, 8]);
    expect(passages[3]?.text).toMatch(/^これら内容はきょうパリで開催される有志連合首脳会合での承認が必要となる。\n会合に出席する/);
  });

  it('joins a short last paragraph of a section to the previous one, not across sections', () => {
    const passages = toPassages(third!);
    const quote = '「この勝利は災厄となるのか」と彼は問いかけた。';
    const holder = passages.find((p) => p.text.includes(quote));
    expect(holder).toMatchObject({ id: 'reuters-2026-01-06-3#16', section: 'トランプの『ワイルド・ウエスト』が孕む危険性' });
    expect(holder?.text.endsWith(`\n${quote}`)).toBe(true);
    expect(passages.some((p) => p.text === quote)).toBe(false);
  });
});

describe('toPassages rules', () => {
  it('splits a long paragraph at sentence ends into numbered parts within maxChars', () => {
    const long = Array.from({ length: 6 }, () => sentence(30)).join('');
    const passages = toPassages(article([{ text: long }]), { maxChars: 80 });
    expect(passages.map((p) => p.id)).toEqual(['a#1.1', 'a#1.2', 'a#1.3']);
    expect(passages.every((p) => p.text.length <= 80 && p.text.endsWith('。'))).toBe(true);
    expect(passages.map((p) => p.text).join('')).toBe(long);
  });

  it('cuts a single over-long sentence without breaking a surrogate pair', () => {
    const text = `${'𠮷'.repeat(120)}。`;
    const passages = toPassages(article([{ text }]), { maxChars: 50 });
    expect(passages.map((p) => Array.from(p.text).length)).toEqual([50, 50, 21]);
    expect(passages.every((p) => !/[\ud800-\udbff]$|^[\udc00-\udfff]/.test(p.text))).toBe(true);
    expect(passages.map((p) => p.text).join('')).toBe(text);
  });

  it('leaves a short paragraph alone when it is the only one of its section', () => {
    const passages = toPassages(article([{ text: sentence(60) }, { text: '短い。', section: '別の節' }]));
    expect(passages.map((p) => [p.id, p.section])).toEqual([
      ['a#1', undefined],
      ['a#2', '別の節'],
    ]);
  });

  it('never joins with minChars 0', () => {
    expect(toPassages(article([{ text: '一。' }, { text: '二。' }]), { minChars: 0 })).toHaveLength(2);
  });

  it('gives the same ids and hashes on every run', () => {
    expect(toPassages(third!)).toEqual(toPassages(third!));
  });

  it.each([
    ['title', { title: '別の見出し' }, true],
    ['subtitle', { subtitle: '副' }, true],
    ['url', { url: 'https://example.com/x' }, false],
    ['source', { source: '別の源' }, false],
    ['published', { published: '2026-01-01T00:00:00.000Z' }, false],
  ])('changing the %s changes the hash: %s', (_field, change, changes) => {
    const base = article([{ text: sentence(60), section: '節' }]);
    const [before] = toPassages(base);
    const [after] = toPassages({ ...base, ...change });
    expect(before!.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(after!.hash !== before!.hash).toBe(changes);
  });

  it.each([
    [{ maxChars: 10 }],
    [{ maxChars: 400.5 }],
    [{ minChars: -1 }],
    [{ minChars: 500 }],
  ])('refuses options %j', (options) => {
    expect(() => toPassages(article([{ text: '本文。' }]), options)).toThrowError(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });

  it('has defaults inside their documented ranges', () => {
    expect(chunkDefaults).toEqual({ minChars: 40, maxChars: 400 });
  });
});

describe('splitLongText', () => {
  it('balances parts instead of leaving a stub', () => {
    expect(splitLongText('一二三。四五六。七八九。十。', 10)).toEqual(['一二三。四五六。', '七八九。十。']);
  });
});

describe('passageEmbeddingText', () => {
  it.each([
    [undefined, '見出し\n本文。'],
    ['節', '見出し 節\n本文。'],
  ])('section %s', (section, expected) => {
    const [passage] = toPassages(article([{ text: '本文。', ...(section === undefined ? {} : { section }) }]));
    expect(passageEmbeddingText(passage!)).toBe(expected);
  });
});

describe('passageEmbeddingKey', () => {
  const long = '本文。'.repeat(20);
  const base = toPassages(article([{ text: long }, { text: long }], { subtitle: '副題' }));

  it('is the same for the same embedding input, whatever the id, paragraph or subtitle', () => {
    const moved = toPassages(article([{ text: 'ほかの段落。'.repeat(10) }, { text: long }], { id: 'b', subtitle: '別の副題' }));
    expect(base[1]!.id).not.toBe(moved[1]!.id);
    expect(base[0]!.hash).not.toBe(moved[1]!.hash);
    expect(passageEmbeddingKey(moved[1]!)).toBe(passageEmbeddingKey(base[0]!));
    expect(passageEmbeddingKey(base[1]!)).toBe(passageEmbeddingKey(base[0]!));
  });

  it.each([
    ['title', { title: '別の見出し' }],
    ['section', { section: '節' }],
    ['text', { text: `${long}追記。` }],
  ])('changes with the %s', (_, change) => {
    expect(passageEmbeddingKey({ ...base[0]!, ...change })).not.toBe(passageEmbeddingKey(base[0]!));
  });
});

describe('codePointLength', () => {
  it('counts as Array.from does, lone surrogates as one character each', () => {
    for (const text of ['', 'abc', '東京', '𠮷野家', '\ud842', '\udfb7', '\udfb7\ud842', 'a\ud842\udfb7b', '\ud842\ud842\udfb7', '𩸽\n𠮷']) {
      expect(codePointLength(text), JSON.stringify(text)).toBe(Array.from(text).length);
    }
  });
});
