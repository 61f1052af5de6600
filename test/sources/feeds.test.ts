import { describe, expect, it } from 'vitest';
import { ErrorCodes, KijiError } from '../../src/errors.js';
import { parseFeed } from '../../src/sources/feeds.js';
import { fixture } from './server.js';

const BASE = 'https://news.example';
const served = (name: string): Buffer => Buffer.from(fixture(name).toString('latin1').replaceAll('{{BASE}}', BASE), 'latin1');

describe('parseFeed', () => {
  it('reads RSS 2.0: link, guid, date and summary of each item', () => {
    const feed = parseFeed(served('feed.xml'), 'application/rss+xml', `${BASE}/feed.xml`);
    expect(feed.format).toBe('rss');
    expect(feed.title).toBe('みなと新聞デジタル 新着');
    expect(feed.items).toHaveLength(3);
    expect(feed.items[1]).toEqual({
      guid: 'minato-subway',
      link: `${BASE}/articles/subway.html?utm_source=rss&utm_medium=feed`,
      title: '大阪メトロ御堂筋線に新型車両、4月から運行開始',
      published: 'Wed, 21 Jan 2026 15:00:00 +0900',
      html: '御堂筋線に新型車両が導入される。',
      hasFullText: false,
    });
  });

  it('reads Atom with full content and authors', () => {
    const feed = parseFeed(served('atom.xml'), 'application/atom+xml', `${BASE}/atom.xml`);
    expect(feed.format).toBe('atom');
    expect(feed.items[0]).toMatchObject({
      guid: 'tag:minato.example,2026:salmon',
      link: `${BASE}/articles/salmon.html`,
      authors: '山田花子',
      published: '2026-01-20T09:30:00+09:00',
      hasFullText: true,
    });
    expect(feed.items[0]!.html).toContain('<p>北海道函館市の函館港で');
  });

  it('reads RDF / RSS 1.0 in Shift_JIS, decoded from its XML declaration', () => {
    const feed = parseFeed(served('rdf.xml'), 'application/rdf+xml', `${BASE}/rdf.xml`);
    expect(feed.format).toBe('rdf');
    expect(feed.title).toBe('みなと新聞デジタル(RDF)');
    expect(feed.items.map((i) => i.title)).toEqual(['函館港でサケの水揚げが過去10年で最多に', '大阪メトロ御堂筋線に新型車両、4月から運行開始', '長野・木曽に新天文台が完成、8月から一般公開']);
    expect(feed.items[2]).toMatchObject({ link: `${BASE}/articles/observatory.html`, published: '2026-01-22T10:00:00+09:00', authors: 'みなと新聞' });
  });

  it('reads JSON Feed', () => {
    const feed = parseFeed(served('feed.json'), 'application/feed+json', `${BASE}/feed.json`);
    expect(feed.format).toBe('json');
    expect(feed.items[0]).toMatchObject({ guid: 'minato-observatory', link: `${BASE}/articles/observatory.html`, hasFullText: true });
  });

  it('resolves relative links against the feed URL and drops non-web ones', () => {
    const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>a</title><link>/a.html</link></item><item><title>b</title><link>javascript:alert(1)</link></item></channel></rss>`;
    const feed = parseFeed(Buffer.from(rss), 'application/rss+xml', `${BASE}/sub/feed.xml`);
    expect(feed.items[0]!.link).toBe(`${BASE}/a.html`);
    expect(feed.items[1]!.link).toBeUndefined();
  });

  it('refuses an HTML page with a one-line reason naming the feed it advertises', () => {
    const html = `<!DOCTYPE html><html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body>news</body></html>`;
    let error: unknown;
    try {
      parseFeed(Buffer.from(html), 'text/html; charset=utf-8', `${BASE}/`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KijiError);
    expect((error as KijiError).code).toBe(ErrorCodes.NOT_A_FEED);
    expect((error as KijiError).message).toMatch(/^https:\/\/news\.example\/ is not an RSS, Atom, RDF or JSON feed \(text\/html/);
    expect((error as KijiError).hint).toBe(`The page names its feed: ${BASE}/rss.xml`);
  });
});
