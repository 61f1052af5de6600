import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArticles } from '../../src/articles/load.js';
import type { FeedConfig } from '../../src/sources/feeds-file.js';
import { createFetcher } from '../../src/sources/fetch.js';
import { openSources, pollFeeds, type Sources } from '../../src/sources/ingest.js';
import { fixture, hitsUnder, startTestServer, type TestServer } from './server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const feed = (url: string, extra: Partial<FeedConfig> = {}): FeedConfig => ({ url, intervalMinutes: 30, fetchFullText: true, ...extra });

async function open(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-poll-'))): Promise<Sources & { dir: string }> {
  const fetcher = createFetcher({ allowPrivateNetwork: true, userAgent: 'kiji-test', timeoutMs: 1000, connectTimeoutMs: 1000, maxBytes: 1024 * 1024, maxRedirects: 3, hostConcurrency: 2 });
  return Object.assign(await openSources(dir, fetcher), { dir });
}

const rss = (items: Array<{ title: string; link: string; description?: string }>) =>
  `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>テスト</title>${items
    .map((i) => `<item><title>${i.title}</title><link>${server.base}${i.link}</link><description>${i.description ?? 'summary'}</description></item>`)
    .join('')}</channel></rss>`;

/** A UTF-8 fixture page as served. */
const servedPage = (name: string) => fixture(name).toString('utf8').replaceAll('{{BASE}}', server.base);

describe('pollFeed', () => {
  it('stores each item of an RSS feed from its page; a second poll gets 304 and fetches no page', async () => {
    const sources = await open();
    const first = await pollFeeds([feed(`${server.base}/feed.xml`)], sources);
    expect(first[0]).toMatchObject({ status: 'ok', source: 'みなと新聞デジタル 新着', pagesFetched: 3 });
    expect(first[0]!.items.map((i) => [i.outcome, i.url])).toEqual([
      ['added', `${server.base}/articles/salmon.html`],
      ['added', `${server.base}/articles/subway.html`],
      ['added', `${server.base}/articles/observatory.html`],
    ]);
    const pages = hitsUnder(server, '/articles/');
    const again = await pollFeeds([feed(`${server.base}/feed.xml`)], await open(sources.dir));
    expect(again[0]).toMatchObject({ status: 'not-modified', items: [], pagesFetched: 0 });
    expect(hitsUnder(server, '/articles/')).toBe(pages);
    const { articles } = await loadArticles(sources.dir);
    expect(articles.map((a) => a.title)).toEqual(['函館港でサケの水揚げが過去10年で最多に', '大阪メトロ御堂筋線に新型車両、4月から運行開始', '長野・木曽に新天文台が完成、8月から一般公開']);
    expect(sources.feeds.get(`${server.base}/feed.xml`)).toMatchObject({ status: 'ok', articleCount: 3, failures: 0 });
  });

  it('without validators, items already handled are not fetched again; a no-article page is reported once; a failed page is retried', async () => {
    server.dynamic.set('/p1.xml', {
      type: 'application/rss+xml',
      body: rss([
        { title: '函館港', link: '/articles/salmon.html' },
        { title: '一覧', link: '/articles/index.html' },
        { title: '壊れた', link: '/status/500' },
      ]),
    });
    const sources = await open();
    const [first] = await pollFeeds([feed(`${server.base}/p1.xml`)], sources);
    expect(first!.items.map((i) => i.outcome)).toEqual(['added', 'skipped', 'failed']);
    expect(first!.items[1]!.reason).toMatch(/holds no article/);
    expect(first!.items[2]!.reason).toMatch(/HTTP 500/);
    const before = { salmon: server.hits.get('/articles/salmon.html'), index: server.hits.get('/articles/index.html'), broken: server.hits.get('/status/500') ?? 0 };
    const [second] = await pollFeeds([feed(`${server.base}/p1.xml`)], await open(sources.dir));
    expect(second!.items.map((i) => i.outcome)).toEqual(['unchanged', 'skipped', 'failed']);
    expect(second!.pagesFetched).toBe(1);
    expect(server.hits.get('/articles/salmon.html')).toBe(before.salmon);
    expect(server.hits.get('/articles/index.html')).toBe(before.index);
    expect(server.hits.get('/status/500')).toBe(before.broken + 1);
  });

  it('replaces a changed story at the same URL', async () => {
    const html = servedPage('articles/salmon.html').replace(`${server.base}/articles/salmon.html`, `${server.base}/changing.html`);
    server.dynamic.set('/changing.html', { type: 'text/html; charset=utf-8', body: html });
    server.dynamic.set('/p2.xml', { type: 'application/rss+xml', body: rss([{ title: 'v1', link: '/changing.html' }]) });
    const sources = await open();
    const [first] = await pollFeeds([feed(`${server.base}/p2.xml`)], sources);
    expect(first!.items[0]!.outcome).toBe('added');
    server.dynamic.set('/changing.html', { type: 'text/html; charset=utf-8', body: html.replace('約4200トン', '約4500トン') });
    server.dynamic.set('/p2.xml', { type: 'application/rss+xml', body: rss([{ title: 'v2', link: '/changing.html' }]) });
    const [second] = await pollFeeds([feed(`${server.base}/p2.xml`)], sources);
    expect(second!.items[0]).toMatchObject({ outcome: 'changed', url: `${server.base}/changing.html` });
    const { articles } = await loadArticles(sources.dir);
    expect(articles).toHaveLength(1);
    expect(articles[0]!.paragraphs[0]!.text).toContain('約4500トン');
  });

  it('stores the same story under a second URL once', async () => {
    const copy = servedPage('articles/salmon.html').replace(/<link rel="canonical"[^>]*>/, '');
    server.dynamic.set('/copy.html', { type: 'text/html; charset=utf-8', body: copy });
    server.dynamic.set('/p3.xml', { type: 'application/rss+xml', body: rss([{ title: 'a', link: '/articles/salmon.html' }, { title: 'b', link: '/copy.html' }]) });
    const sources = await open();
    const [report] = await pollFeeds([feed(`${server.base}/p3.xml`)], sources);
    expect(report!.items.map((i) => i.outcome)).toEqual(['added', 'skipped']);
    expect(report!.items[1]!.reason).toBe(`same story as ${server.base}/articles/salmon.html, already stored`);
    expect((await loadArticles(sources.dir)).articles).toHaveLength(1);
  });

  it('fetches a story two feeds list once, whether they are polled together or one after the other', async () => {
    const html = servedPage('articles/salmon.html').replaceAll(`${server.base}/articles/salmon.html`, `${server.base}/shared.html`);
    server.dynamic.set('/shared.html', { type: 'text/html; charset=utf-8', body: html });
    server.dynamic.set('/pa.xml', { type: 'application/rss+xml', body: rss([{ title: 'A', link: '/shared.html' }]) });
    server.dynamic.set('/pb.xml', { type: 'application/rss+xml', body: rss([{ title: 'B', link: '/shared.html' }]) });
    server.dynamic.set('/pc.xml', { type: 'application/rss+xml', body: rss([{ title: 'C', link: '/shared.html' }]) });
    const sources = await open();
    const fetched = () => server.hits.get('/shared.html') ?? 0;
    const [a, b] = await pollFeeds([feed(`${server.base}/pa.xml`, { name: 'A紙' }), feed(`${server.base}/pb.xml`, { name: 'B紙' })], sources);
    expect(fetched()).toBe(1);
    expect([a!.items[0]!.outcome, b!.items[0]!.outcome]).toEqual(['added', 'unchanged']);
    const [c] = await pollFeeds([feed(`${server.base}/pc.xml`, { name: 'C紙' })], sources);
    expect(c!.items[0]).toMatchObject({ outcome: 'unchanged', url: `${server.base}/shared.html`, reason: 'already stored from A紙' });
    expect(c!.pagesFetched).toBe(0);
    expect(fetched()).toBe(1);
    // Remembered: the next poll of C skips it as its own.
    server.dynamic.set('/pc.xml', { type: 'application/rss+xml', body: rss([{ title: 'C', link: '/shared.html' }]) + ' ' });
    const [again] = await pollFeeds([feed(`${server.base}/pc.xml`, { name: 'C紙' })], sources);
    expect(again!.items[0]).toMatchObject({ outcome: 'unchanged', reason: 'already stored, unchanged in the feed' });
    expect(fetched()).toBe(1);
    expect((await loadArticles(sources.dir)).articles.map((article) => article.source)).toEqual(['A紙']);
  });

  it('uses the feed text itself when fetchFullText is off', async () => {
    const sources = await open();
    const pages = hitsUnder(server, '/articles/');
    const [report] = await pollFeeds([feed(`${server.base}/atom.xml`, { fetchFullText: false, name: 'Atom版' })], sources);
    expect(report!.items.map((i) => i.outcome)).toEqual(['added', 'added']);
    expect(hitsUnder(server, '/articles/')).toBe(pages);
    const { articles } = await loadArticles(sources.dir);
    expect(articles[0]).toMatchObject({ source: 'Atom版', authors: '山田花子', title: '函館港でサケの水揚げが過去10年で最多に' });
    expect(articles[0]!.paragraphs).toHaveLength(4);
  });

  it('reports a feed that fails or is no feed, counts failures, and writes no article', async () => {
    const sources = await open();
    const reports = await pollFeeds([feed(`${server.base}/status/500`), feed(`${server.base}/articles/salmon.html`)], sources);
    expect(reports.map((r) => r.status)).toEqual(['error', 'error']);
    expect(reports[0]!.error).toMatch(/HTTP 500/);
    expect(reports[1]!.error).toMatch(/is not an RSS, Atom, RDF or JSON feed \(text\/html/);
    await pollFeeds([feed(`${server.base}/status/500`)], sources);
    expect(sources.feeds.get(`${server.base}/status/500`)).toMatchObject({ status: 'error', failures: 2 });
    // Feeds that never answered leave no file behind; once one answers, only it is remembered.
    expect(fs.existsSync(path.join(sources.dir, 'feeds'))).toBe(false);
    await pollFeeds([feed(`${server.base}/status/500`), feed(`${server.base}/rdf.xml`)], sources);
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(sources.dir, 'feeds', '.state.json'), 'utf8')).feeds)).toEqual([`${server.base}/rdf.xml`]);
  });
});
