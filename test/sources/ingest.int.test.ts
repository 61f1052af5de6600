import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, hitsUnder, startTestServer, type TestServer } from './server.js';

const root = path.resolve(import.meta.dirname, '../..');
const testModel = path.join(root, 'test/fixtures/model/kiji-test-char');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** Runs a CLI entry point as `npm run X` does, asynchronously: the feed server lives in this process. */
function cli(script: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli', script), ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

function temp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-ingest-'));
  const feedsFile = path.join(dir, 'feeds.json');
  fs.writeFileSync(feedsFile, '[]\n');
  return { articles: path.join(dir, 'articles'), index: path.join(dir, 'index'), feedsFile };
}

describe('npm run ingest', () => {
  it('indexes a feed once, fetches no page on a second run, and query cites the new articles with their URLs', async () => {
    const { articles, index, feedsFile } = temp();
    fs.mkdirSync(articles);
    const env = { INGEST_ALLOW_PRIVATE_NETWORK: 'true', FEEDS_FILE: feedsFile };
    const args = ['--once', '--feed', `${server.base}/feed.xml`, '--articles', articles, '--index', index];
    const first = await cli('ingest.ts', args, { env });
    expect(first.stderr).not.toMatch(/kiji:/);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `added     ${server.base}/articles/salmon.html  函館港でサケの水揚げが過去10年で最多に`,
      `added     ${server.base}/articles/subway.html  大阪メトロ御堂筋線に新型車両、4月から運行開始`,
      `added     ${server.base}/articles/observatory.html  長野・木曽に新天文台が完成、8月から一般公開`,
    ]);
    expect(lines[3]).toBe(`feed      みなと新聞デジタル 新着 (${server.base}/feed.xml): 3 added, 0 changed, 0 unchanged, 0 skipped, 0 failed; 3 page(s) fetched`);
    // No index yet: the library is opened as the bot opens it, and its first build holds the new articles.
    expect(lines[4]).toBe('index     created: 3 articles, 12 passages');
    expect(fs.existsSync(path.join(index, 'CURRENT'))).toBe(true);

    const pages = hitsUnder(server, '/articles/');
    const second = await cli('ingest.ts', args, { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('not modified since the last poll (HTTP 304), no page fetched');
    expect(second.stdout).toContain('index     unchanged');
    expect(hitsUnder(server, '/articles/')).toBe(pages);

    const query = await cli('query.ts', ['--json', '--k', '3', '--articles', articles, '--index', index], { input: '御堂筋線の新型車両はいつから運行を始めるか\n' });
    expect(query.code).toBe(0);
    const [answer] = query.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(answer.results.length).toBeGreaterThan(0);
    expect(answer.results[0]).toMatchObject({
      title: '大阪メトロ御堂筋線に新型車両、4月から運行開始',
      source: 'みなと新聞デジタル 新着',
      url: `${server.base}/articles/subway.html`,
      published: '2026-01-21T06:00:00.000Z',
    });
  }, 240_000);

  it('replaces a changed story: same canonical URL and passage ids, only the changed paragraph embedded again', async () => {
    const { articles, index, feedsFile } = temp();
    fs.mkdirSync(articles);
    const env = { INGEST_ALLOW_PRIVATE_NETWORK: 'true', FEEDS_FILE: feedsFile };
    const args = ['--once', '--feed', `${server.base}/live/feed.xml`, '--articles', articles, '--index', index];
    const salmon = fixture('articles/salmon.html').toString('utf8').replaceAll('{{BASE}}', server.base);
    const oldSentence = '特に11月の水揚げは前年同月の約1.8倍に達した。';
    const newSentence = '特に11月の水揚げは前年同月の約2.3倍に達し、統計開始以来の記録となった。';
    const serve = (items: { path: string; summary: string }[], pages: Record<string, string>): void => {
      const entries = items.map((i) => `<item><title>t</title><link>${server.base}${i.path}</link><description>${i.summary}</description></item>`).join('');
      server.dynamic.set('/live/feed.xml', { type: 'application/rss+xml', body: `<?xml version="1.0"?><rss version="2.0"><channel><title>live</title>${entries}</channel></rss>` });
      for (const [page, html] of Object.entries(pages)) server.dynamic.set(page, { type: 'text/html', body: html });
    };
    const at = (page: string, html: string): string => html.replaceAll(`${server.base}/articles/salmon.html`, `${server.base}${page}`);
    const observatory = fixture('articles/observatory.html').toString('utf8').replaceAll('{{BASE}}/articles/observatory.html', `${server.base}/live/b.html`);

    serve([{ path: '/live/a.html', summary: 'v1' }], { '/live/a.html': at('/live/a.html', salmon) });
    expect((await cli('ingest.ts', args, { env })).stdout).toContain('index     created: 1 articles, 4 passages');

    // The index exists now: a new article goes through IndexUpdates, and only its passages are embedded.
    serve([{ path: '/live/a.html', summary: 'v1' }, { path: '/live/b.html', summary: 'v1' }], { '/live/b.html': observatory });
    const added = await cli('ingest.ts', args, { env });
    expect(added.stdout).toContain(`added     ${server.base}/live/b.html`);
    expect(added.stdout).toMatch(/^index     updated: 2 articles, 8 passages: 4 embedded, 4 unchanged, 0 removed/m);
    const query = async (question: string) => {
      const out = await cli('query.ts', ['--json', '--k', '10', '--articles', articles, '--index', index], { input: `${question}\n` });
      return (JSON.parse(out.stdout.trim()) as { results: { passageId: string; url: string; text: string }[] }).results;
    };
    const before = await query('11月の水揚げは前年同月の何倍か');

    // The same story with one paragraph rewritten (the feed item changed too, so the page is fetched again).
    serve([{ path: '/live/a.html', summary: 'v2' }, { path: '/live/b.html', summary: 'v1' }], { '/live/a.html': at('/live/a.html', salmon.replace(oldSentence, newSentence)) });
    const changed = await cli('ingest.ts', args, { env });
    expect(changed.stdout).toContain(`changed   ${server.base}/live/a.html  函館港でサケの水揚げが過去10年で最多に`);
    expect(changed.stdout).toMatch(/^index     updated: 2 articles, 8 passages: 1 embedded, 7 unchanged, 0 removed/m);
    const stored = fs.readFileSync(path.join(articles, 'feeds', 'live.jsonl'), 'utf8').trim().split('\n');
    expect(stored).toHaveLength(2);

    const after = await query('11月の水揚げは前年同月の何倍か');
    const story = (results: typeof before) => results.filter((r) => r.url === `${server.base}/live/a.html`);
    expect(story(before).length).toBeGreaterThan(1);
    // Every passage of the story keeps its id; only paragraph 2's text is new, and the old text is gone.
    expect(story(after).map((r) => r.passageId).sort()).toEqual(story(before).map((r) => r.passageId).sort());
    expect(story(after).find((r) => r.text.includes(newSentence))?.passageId).toMatch(/^web-[0-9a-f]{16}#2$/);
    expect(after.some((r) => r.text.includes(oldSentence))).toBe(false);
  }, 240_000);

  it.each([
    ['a page that is no feed', { INGEST_ALLOW_PRIVATE_NETWORK: 'true' }, '/articles/salmon.html', /is not an RSS, Atom, RDF or JSON feed \(text\/html/],
    ['a private address', {}, '/feed.xml', /is on 127\.0\.0\.1, a loopback address: refused\. .*INGEST_ALLOW_PRIVATE_NETWORK=true/],
  ])('refuses %s in one line and changes nothing', async (_name, extraEnv, feedPath, reason) => {
    const { articles, index, feedsFile } = temp();
    fs.mkdirSync(articles);
    const out = await cli('ingest.ts', ['--once', '--feed', `${server.base}${feedPath}`, '--articles', articles, '--index', index], { env: { FEEDS_FILE: feedsFile, ...extraEnv } });
    expect(out.code).toBe(1);
    const errorLines = out.stdout.split('\n').filter((l) => l.startsWith('error'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(reason);
    expect(fs.readdirSync(articles)).toEqual([]);
    expect(fs.existsSync(index)).toBe(false);
  }, 120_000);

  it('skips a page without an article and an oversized page, each with a one-line reason, storing and indexing nothing', async () => {
    const { articles, index, feedsFile } = temp();
    fs.mkdirSync(articles);
    const items = ['/articles/index.html', '/big'].map((p) => `<item><title>${p}</title><link>${server.base}${p}</link></item>`).join('');
    server.dynamic.set('/bad/feed.xml', { type: 'application/rss+xml', body: `<?xml version="1.0"?><rss version="2.0"><channel><title>bad</title>${items}</channel></rss>` });
    const out = await cli('ingest.ts', ['--once', '--feed', `${server.base}/bad/feed.xml`, '--articles', articles, '--index', index], {
      env: { INGEST_ALLOW_PRIVATE_NETWORK: 'true', INGEST_MAX_BYTES: '1000000', FEEDS_FILE: feedsFile },
    });
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^skipped   ${server.base}/articles/index\\.html: .*holds no article`));
    expect(lines[1]).toMatch(new RegExp(`^(skipped|failed) +${server.base}/big: .*larger than`));
    expect(lines.slice(2)).toEqual([`feed      bad (${server.base}/bad/feed.xml): 0 added, 0 changed, 0 unchanged, 2 skipped, 0 failed; 2 page(s) fetched`, 'index     unchanged: no article added or changed']);
    // The items are remembered as refused (not fetched again at the next poll); no article file.
    expect(fs.readdirSync(path.join(articles, 'feeds'))).toEqual(['.state.json']);
    expect(fs.existsSync(index)).toBe(false);
  }, 120_000);

  it('without --once keeps polling, builds the index after a poll that added articles, and stops cleanly on SIGINT', async () => {
    const { articles, index, feedsFile } = temp();
    fs.mkdirSync(articles);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/ingest.ts'), '--feed', `${server.base}/atom.xml`, '--articles', articles, '--index', index], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel, INGEST_ALLOW_PRIVATE_NETWORK: 'true', FEEDS_FILE: feedsFile },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('index     ')) resolve();
      });
      void exited.then(() => reject(new Error(`ingest ended early: ${stderr}`)));
    });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain(`feed      みなと新聞デジタル(Atom) (${server.base}/atom.xml): 2 added`);
    expect(stdout).toContain('index     created: 2 articles, 8 passages');
    expect(stderr).toContain('Stopping after the polls and index updates in flight.');
    expect(fs.existsSync(path.join(index, 'CURRENT'))).toBe(true);
  }, 120_000);

  it('says what to do when there is no feed at all', async () => {
    const { articles, index } = temp();
    const out = await cli('ingest.ts', ['--once', '--articles', articles, '--index', index], { env: { FEEDS_FILE: path.join(articles, 'missing.json') } });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^kiji: The feeds file .*missing\.json cannot be read \(ENOENT\)/);
  }, 120_000);
});
