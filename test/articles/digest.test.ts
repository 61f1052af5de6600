import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isDigest, parseDigest } from '../../src/articles/digest.js';
import { KijiError } from '../../src/errors.js';

const seedPath = new URL('../../data/articles/reuters-2026-01-06.txt', import.meta.url);
const seed = readFileSync(seedPath, 'utf8');
const articles = parseDigest(seed, 'reuters-2026-01-06.txt');

describe('parseDigest on the seed digest', () => {
  it('finds the three articles with ids from the file name', () => {
    expect(articles.map((a) => a.id)).toEqual(['reuters-2026-01-06-1', 'reuters-2026-01-06-2', 'reuters-2026-01-06-3']);
  });

  // Paragraph counts from reading the file: blank-line blocks after the subtitle, subheadings excluded.
  it.each([
    [0, 'ウクライナ有志連合、多国籍軍など「安全の保証」で合意 米も支持', '2026-01-06T23:58:00.000Z', 'Inti LandauroDan PeleschukJohn Irish', 'ウクライナ「安全の保証」で合意、有志国連合首脳会合', 11],
    [1, 'ウ有志連合、安全の「保証」で拘束力ある約束も 首脳会合声明草案', '2026-01-06T18:21:00.000Z', 'John Irish', '有志連合のウクライナ安全保障、拘束力ある約束含む 首脳会合声明草案', 8],
    [2, 'アングル:同盟国ベネズエラを失うロシア、トランプ氏の「ワイルド・ウエスト」的現実主義で好機も', '2026-01-06T03:31:00.000Z', 'Guy Faulconbridge', 'アングル:同盟国ベネズエラを失うロシア、トランプ氏の「ワイルド・ウエスト」的現実主義で好機も', 23],
  ])('article %i: title, date, authors, subtitle, paragraph count', (index, title, published, authors, subtitle, count) => {
    const article = articles[index];
    expect(article).toMatchObject({ title, published, authors, subtitle, source: 'ロイター日本語版', sourcePath: 'reuters-2026-01-06.txt' });
    expect(article?.paragraphs).toHaveLength(count);
  });

  it('keeps the dateline as the first body paragraph and the subtitle out of the body', () => {
    const [first, second] = articles[0]?.paragraphs ?? [];
    expect(first?.text).toMatch(/^\[パリ 6日 ロイター\] – 米国は6日、ウクライナを支援する「有志連合」が/);
    expect(second?.text).toMatch(/^有志連合はこの日、パリで首脳会合を開催。/);
    expect(articles[0]?.paragraphs.map((p) => p.text)).not.toContain(articles[0]?.subtitle);
  });

  it('turns the two subheadings of article 3 into sections of the paragraphs below them', () => {
    const paragraphs = articles[2]?.paragraphs ?? [];
    expect(paragraphs.slice(0, 8).every((p) => p.section === undefined)).toBe(true);
    expect(new Set(paragraphs.slice(8, 17).map((p) => p.section))).toEqual(new Set(['トランプの『ワイルド・ウエスト』が孕む危険性']));
    expect(new Set(paragraphs.slice(17).map((p) => p.section))).toEqual(new Set(['ロシア民族主義者、ベネズエラとウクライナを比較']));
    expect(paragraphs.some((p) => p.text.startsWith('<'))).toBe(false);
  });

  it('removes the `, opens new tab` scraping debris', () => {
    expect(JSON.stringify(articles)).not.toContain('opens new tab');
    expect(articles[2]?.paragraphs.map((p) => p.text).join('\n')).toContain('ロスネフチ(ROSN.MM)は2020年');
  });
});

describe('parseDigest edge cases', () => {
  it.each([
    ['午前 12:05 is just after midnight', '▽見出し<源>2026年1月7日午前 12:05 GMT+9', '2026-01-06T15:05:00.000Z'],
    ['午後 1:00 is 13:00', '▽見出し<源>2026年1月7日午後 1:00 GMT+9', '2026-01-07T04:00:00.000Z'],
    ['a negative offset is honoured', '▽見出し<源>2026年1月7日午前 8:58 GMT-5', '2026-01-07T13:58:00.000Z'],
  ])('%s', (_name, header, published) => {
    const [article] = parseDigest(`${header}\n\nA Writer\n\n副見出し\n\n本文です。\n`, 'x.txt');
    expect(article?.published).toBe(published);
    expect(article).toMatchObject({ authors: 'A Writer', subtitle: '副見出し', paragraphs: [{ text: '本文です。' }] });
  });

  it('keeps an article with an unreadable date and reports the date', () => {
    const problems: string[] = [];
    const [article] = parseDigest('▽見出し<源>いつか\n\n本文です。\n', 'x.txt', (p) => problems.push(p));
    expect(article?.published).toBeUndefined();
    expect(problems).toEqual([expect.stringContaining('いつか')]);
  });

  it('throws ARTICLE_PARSE when there is no header at all', () => {
    expect(() => parseDigest('本文だけ\n', 'x.txt')).toThrowError(expect.objectContaining({ code: 'ARTICLE_PARSE' }));
    expect(() => parseDigest('', 'x.txt')).toThrowError(KijiError);
  });

  it.each([
    ['▽見出し', true],
    ['\n\n  ▽見出し', true],
    ['見出し\n▽', false],
  ])('isDigest(%j) is %s', (text, expected) => {
    expect(isDigest(text)).toBe(expected);
  });
});
