import { describe, expect, it } from 'vitest';
import { ErrorCodes, KijiError } from '../../src/errors.js';
import { decodeText } from '../../src/sources/charset.js';
import { articleFromHtml, normalizeUrl, paragraphsFromHtml } from '../../src/sources/page.js';
import { fixture } from './server.js';

const BASE = 'https://news.example';
const page = (name: string, contentType = 'text/html') => decodeText(fixture(name), contentType, 'html').text.replaceAll('{{BASE}}', BASE);

function noArticle(html: string, url = `${BASE}/x`): KijiError {
  try {
    articleFromHtml(html, url);
  } catch (error) {
    expect(error).toBeInstanceOf(KijiError);
    expect((error as KijiError).code).toBe(ErrorCodes.NO_ARTICLE);
    return error as KijiError;
  }
  throw new Error('expected NO_ARTICLE');
}

describe('articleFromHtml', () => {
  it('extracts title, date, author, canonical URL and paragraphs of a UTF-8 page, without page furniture', () => {
    const article = articleFromHtml(page('articles/salmon.html'), `${BASE}/articles/salmon.html?utm_source=rss`);
    expect(article).toMatchObject({
      url: `${BASE}/articles/salmon.html`,
      title: '函館港でサケの水揚げが過去10年で最多に',
      published: '2026-01-20T09:30:00+09:00',
      authors: '山田花子',
      siteName: 'みなと新聞デジタル',
    });
    expect(article.paragraphs).toHaveLength(4);
    expect(article.paragraphs[0]).toMatch(/^北海道函館市の函館港で/);
    const all = article.paragraphs.join('\n');
    for (const furniture of ['アクセスランキング', 'Copyright', 'ログイン', 'scripts never run', '山田花子']) expect(all).not.toContain(furniture);
  });

  it('decodes a Shift_JIS page and reads its JSON-LD date and author', () => {
    const article = articleFromHtml(page('articles/subway.html'), `${BASE}/articles/subway.html`);
    expect(article).toMatchObject({ title: '大阪メトロ御堂筋線に新型車両、4月から運行開始', published: '2026-01-21T15:00:00+09:00', authors: '佐藤健' });
    expect(article.paragraphs[0]).toContain('御堂筋線に新型車両「40000系」を導入し');
  });

  it('decodes an EUC-JP page and reads the <time> date and og:url', () => {
    const article = articleFromHtml(page('articles/observatory.html'), `${BASE}/a?id=3`);
    expect(article).toMatchObject({ url: `${BASE}/articles/observatory.html`, title: '長野・木曽に新天文台が完成、8月から一般公開', published: '2026-01-22T10:00:00+09:00' });
    expect(article.paragraphs[1]).toContain('天の川をはっきり観察できる');
  });

  it('reports a list of links as holding no article', () => {
    expect(noArticle(page('articles/index.html'), `${BASE}/articles/`).message).toMatch(/^https:\/\/news\.example\/articles\/ holds no article \(only 0 characters of text\)/);
  });

  it('reports a page with too little text', () => {
    expect(noArticle('<html><head><title>Login</title></head><body><form><p>Sign in to continue.</p></form></body></html>').message).toMatch(/holds no article/);
  });

  it('ignores a canonical URL on another host', () => {
    const html = page('articles/salmon.html').replace(`${BASE}/articles/salmon.html`, 'https://other.example/their-story');
    expect(articleFromHtml(html, `${BASE}/articles/salmon.html`).url).toBe(`${BASE}/articles/salmon.html`);
  });
});

describe('paragraphsFromHtml', () => {
  it('splits <p> blocks, joins wrapped Japanese lines, drops link-only blocks', () => {
    expect(paragraphsFromHtml('<p>一行目の\n  続き。</p><p><a href="/x">関連記事</a></p><ul><li>項目 A</li></ul>')).toEqual(['一行目の続き。', '項目 A']);
  });

  it('splits text without blocks at blank lines and <br><br>', () => {
    expect(paragraphsFromHtml('first<br><br>second &amp; more')).toEqual(['first', 'second & more']);
  });
});

describe('normalizeUrl', () => {
  it.each([
    ['https://Example.com/a?utm_source=rss&id=3#top', 'https://example.com/a?id=3'],
    ['https://example.com/a?utm_medium=feed', 'https://example.com/a'],
    ['http://example.com:80/a', 'http://example.com/a'],
  ])('%s -> %s', (input, output) => {
    expect(normalizeUrl(input)).toBe(output);
  });
});
