import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings, projectRoot } from '../../src/config/settings.js';
import { loadSourceSettings } from '../../src/config/sources.js';
import { postNews } from '../../src/discord/news.js';
import { openLibrary } from '../../src/library.js';
import type { StoredArticle } from '../../src/sources/article-store.js';
import type { Clock } from '../../src/sources/poller.js';
import { openArticleUpdates, type ArticleUpdates } from '../../src/sources/updates.js';
import { managerPermissions } from '../fake-discord/server.js';
import { startTestServer, type TestServer } from '../sources/server.js';
import { FakeLibrary, sampleArticles } from './fake-library.js';
import { startHarness, type Harness } from './harness.js';

/** A clock whose timers run only when the test says so. */
class ManualClock implements Clock {
  time = Date.parse('2026-01-22T03:00:00Z');
  private timers = new Map<number, { at: number; callback: () => void }>();
  private next = 0;
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.timers.set(++this.next, { at: this.time + ms, callback });
    return this.next;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time on by `ms` and runs the timers that are due. */
  advance(ms: number): void {
    this.time += ms;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at > this.time) continue;
      this.timers.delete(id);
      timer.callback();
    }
  }
}

const manager = { permissions: managerPermissions };

let server: TestServer;
let dir: string;
let articlesDir: string;
let library: Awaited<ReturnType<typeof openLibrary>>;
let updates: ArticleUpdates;
let harness: Harness;
const clock = new ManualClock();
let announced: (articles: readonly StoredArticle[]) => void = () => {};

/** The article files under the articles folder with their contents: equal before and after a refused command. */
async function articleFiles(folder: string): Promise<string> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
  return (await Promise.all(files.map(async (f) => `${path.relative(folder, f)}\n${await readFile(f, 'utf8')}`))).join('\n---\n');
}

async function ask(question: string): Promise<any> {
  return (await harness.fake.reply(harness.fake.slash('ask', { question }))).message;
}

const cites = (message: any, text: string): boolean => (message.embeds?.[0]?.fields ?? []).some((f: any) => f.value.includes(text));

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'kiji-updates-'));
  articlesDir = path.join(dir, 'articles');
  await import('node:fs/promises').then((fs) => fs.mkdir(articlesDir));
  await copyFile(path.join(projectRoot, 'data', 'articles', 'reuters-2026-01-06.txt'), path.join(articlesDir, 'reuters-2026-01-06.txt'));
  const settings = loadSettings({ SEMANTIC_SEARCH: 'off', INDEX_DIR: path.join(dir, 'index'), ARTICLES_PATH: articlesDir });
  library = await openLibrary(settings, { buildIfMissing: true });
  const sourceSettings = loadSourceSettings({ INGEST_ALLOW_PRIVATE_NETWORK: 'true', FEEDS_FILE: path.join(dir, 'feeds.json') });
  updates = await openArticleUpdates(articlesDir, sourceSettings, library);
  harness = await startHarness(library, {}, { updates });
  await updates.startPolling({ clock, onNewArticles: (articles) => announced(articles) });
}, 60000);

afterAll(async () => {
  await updates?.stop();
  await harness?.stop();
  // A merge the updates started may still be writing into the index folder.
  await library?.settled();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('/add url:', () => {
  it('indexes a page privately, and the next /ask cites it with its link', async () => {
    const url = `${server.base}/articles/salmon.html`;
    const build = library.buildId;
    const earlier = await harness.fake.reply(harness.fake.slash('ask', { question: '有志連合の首脳会合', k: 2 }));
    const reply = await harness.fake.reply(harness.fake.slash('add', { url }, manager));
    // Applied as a delta segment over the same build, not a rebuild; the id still tells the content changed.
    expect(library.buildId).not.toBe(build);
    expect(library.buildId.split('+')[0]).toBe(build.split('+')[0]);
    expect(reply.callback).toEqual({ type: 5, data: { flags: 64 } });
    expect(reply.message.content).toMatch(/^Indexed: \*\*函館港でサケの水揚げが過去10年で最多に\*\* · 2026-01-20 · [2-9] paragraphs\n<http:\/\/127\.0\.0\.1:\d+\/articles\/salmon\.html>$/);
    expect(reply.message.allowed_mentions).toEqual({ parse: [] });
    const answer = await ask('函館港 サケ 水揚げ');
    expect(cites(answer, `(${url})`)).toBe(true);

    // The answer given before the update keeps working buttons: the index changed, not the question.
    const shown = earlier.message.components.flatMap((row: any) => row.components);
    const full = await harness.fake.reply(harness.fake.button(shown.find((b: any) => b.label === 'Full paragraph [1]').custom_id, earlier.message));
    expect(full.ephemeral).toBe(true);
    expect(full.message.embeds[0].description).toContain('有志連合');
    const more = await harness.fake.reply(harness.fake.button(shown.find((b: any) => b.label === 'More').custom_id, earlier.message));
    expect(more.message.content ?? '').not.toMatch(/older answer/);
    expect(more.message.embeds[0].footer.text).toMatch(/^Results 3–4 of /);
  });

  it('says so when the page is already indexed, and stores nothing twice', async () => {
    const before = await articleFiles(articlesDir);
    const reply = await harness.fake.reply(harness.fake.slash('add', { url: `${server.base}/articles/salmon.html` }, manager));
    expect(reply.message.content).toMatch(/^Already indexed, unchanged: /);
    expect(await articleFiles(articlesDir)).toBe(before);
  });

  it('refuses a page without an article in one line, changing nothing', async () => {
    const before = { files: await articleFiles(articlesDir), build: library.buildId };
    const reply = await harness.fake.reply(harness.fake.slash('add', { url: `${server.base}/articles/index.html` }, manager));
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/^Nothing was changed: .*index\.html.*no article/);
    expect(reply.message.content).not.toContain('\n');
    expect({ files: await articleFiles(articlesDir), build: library.buildId }).toEqual(before);
  });

  it('asks for exactly one of url and file', async () => {
    const reply = await harness.fake.reply(harness.fake.slash('add', {}, manager));
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/exactly one of `url`.*or `file`/);
  });
});

describe('/add file:', () => {
  it('indexes an uploaded .md file under uploads/, downloaded from its attachment URL', async () => {
    const file = harness.fake.attachment('lighthouse.md', '# 灯台の一般公開、来月から週末に\n\n石狩灯台が来月から週末に一般公開される。\n\n見学は無料で、予約は不要という。\n');
    const reply = await harness.fake.reply(harness.fake.slash('add', { file }, manager));
    expect(reply.message.content).toMatch(/^Indexed: \*\*灯台の一般公開、来月から週末に\*\* · no date · 2 paragraphs$/);
    expect(await readFile(path.join(articlesDir, 'uploads', 'uploads.jsonl'), 'utf8')).toContain('石狩灯台');
    expect(cites(await ask('石狩灯台 一般公開'), '灯台の一般公開')).toBe(true);
  });

  it('keeps another file of the same name beside the first, says so, and treats the same bytes again as unchanged', async () => {
    const text = '# 灯台守の日誌、郷土資料館で展示\n\n明治期の灯台守が残した日誌が郷土資料館で展示される。\n';
    const reply = await harness.fake.reply(harness.fake.slash('add', { file: harness.fake.attachment('lighthouse.md', text) }, manager));
    expect(reply.message.content).toBe(
      'Indexed: **灯台守の日誌、郷土資料館で展示** · no date · 1 paragraph\nAdded beside “灯台の一般公開、来月から週末に”, uploaded earlier in a file of the same name (a new title makes a new article); /remove the old one if this replaces it.',
    );
    expect(cites(await ask('灯台守 日誌 郷土資料館'), '灯台守の日誌')).toBe(true);
    expect(cites(await ask('石狩灯台 一般公開'), '灯台の一般公開')).toBe(true);
    const again = await harness.fake.reply(harness.fake.slash('add', { file: harness.fake.attachment('lighthouse.md', text) }, manager));
    expect(again.message.content).toBe('Already indexed, unchanged: **灯台守の日誌、郷土資料館で展示** · no date · 1 paragraph');
  });

  it('refuses a file type kiji does not read before downloading it', async () => {
    const file = harness.fake.attachment('photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png');
    const reply = await harness.fake.reply(harness.fake.slash('add', { file }, manager));
    expect(reply.callback.type).toBe(4);
    expect(reply.message.content).toMatch(/^Nothing was changed: photo\.png is not a file kiji reads\./);
    expect(harness.fake.requests.some((r) => r.path.includes(file.id))).toBe(false);
  });
});

describe('/remove', () => {
  it('suggests kiji’s own articles by title, removes one, and the next /ask no longer cites it', async () => {
    const typing = harness.fake.autocomplete('remove', { article: 'サケ' }, 'article', manager);
    const choices = await harness.fake.choices(typing);
    expect(choices).toHaveLength(1);
    expect(choices[0]!.name).toBe('函館港でサケの水揚げが過去10年で最多に');
    // Seed articles placed by hand are not offered: only the page and the two uploads added above.
    expect(await harness.fake.choices(harness.fake.autocomplete('remove', { article: '' }, 'article', manager))).toHaveLength(3);

    const reply = await harness.fake.reply(harness.fake.slash('remove', { article: String(choices[0]!.value) }, manager));
    expect(reply.message.content).toBe('Removed: **函館港でサケの水揚げが過去10年で最多に**. The index no longer cites it.');
    expect(cites(await ask('函館港 サケ 水揚げ'), 'salmon.html')).toBe(false);
  });

  it('sends an article placed by hand to the articles folder', async () => {
    const seed = library.articles()[0]!;
    const reply = await harness.fake.reply(harness.fake.slash('remove', { article: seed.title }, manager));
    expect(reply.message.content).toMatch(/was not added by kiji .* Remove that file by hand, then run \/reindex\./);
    expect(library.articles().some((a) => a.id === seed.id)).toBe(true);
  });
});

describe('/feeds', () => {
  it('adds a feed after reading it once, lists it, refuses a page that is no feed, and removes it', async () => {
    const added = await harness.fake.reply(harness.fake.slash('feeds add', { url: `${server.base}/atom.xml`, name: 'みなと Atom', interval_minutes: 60 }, manager));
    expect(added.message.content).toMatch(/^Added the feed \*\*みなと Atom\*\* \(\d+ items? now, polled every 60 min\)/);
    const file = JSON.parse(await readFile(path.join(dir, 'feeds.json'), 'utf8'));
    expect(file).toEqual([{ url: `${server.base}/atom.xml`, name: 'みなと Atom', intervalMinutes: 60, fetchFullText: true }]);

    const listed = await harness.fake.reply(harness.fake.slash('feeds list', {}, manager));
    expect(listed.message.content).toMatch(new RegExp(`^\\*\\*みなと Atom\\*\\* — <${server.base}/atom.xml>\\n(new|ok) · `));
    expect(listed.message.content).toMatch(/ · every 60 min$/);

    const notFeed = await harness.fake.reply(harness.fake.slash('feeds add', { url: `${server.base}/articles/salmon.html`, name: 'x' }, manager));
    expect(notFeed.message.content).toMatch(/^Nothing was changed: .*salmon\.html is not an RSS, Atom, RDF or JSON feed/);

    const removed = await harness.fake.reply(harness.fake.slash('feeds remove', { name: 'みなと Atom' }, manager));
    expect(removed.message.content).toMatch(/^Stopped polling \*\*みなと Atom\*\*/);
    expect(JSON.parse(await readFile(path.join(dir, 'feeds.json'), 'utf8'))).toEqual([]);
    expect((await harness.fake.reply(harness.fake.slash('feeds list', {}, manager))).message.content).toMatch(/^No feeds are polled/);
  });
});

describe('the bot’s feed poller', () => {
  it('picks up a new feed item on its interval, updates the index, and the next /ask cites it', async () => {
    const item = (slug: string, title: string) =>
      `<item><title>${title}</title><link>${server.base}/articles/${slug}.html</link><guid>${slug}</guid></item>`;
    const feed = (items: string) => `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>テスト通信</title>${items}</channel></rss>`;
    server.dynamic.set('/live.xml', { body: feed(item('observatory', '長野・木曽に新天文台')), type: 'application/rss+xml' });
    const first = new Promise<readonly StoredArticle[]>((resolve) => (announced = resolve));
    await harness.fake.reply(harness.fake.slash('feeds add', { url: `${server.base}/live.xml`, name: 'テスト通信', interval_minutes: 5 }, manager));
    clock.advance(0);
    expect((await first).map((a) => a.title)).toEqual(['長野・木曽に新天文台が完成、8月から一般公開']);
    expect(cites(await ask('木曽 天文台 望遠鏡'), 'observatory.html')).toBe(true);

    server.dynamic.set('/live.xml', { body: feed(item('subway', '御堂筋線に新型車両') + item('observatory', '長野・木曽に新天文台')), type: 'application/rss+xml' });
    const second = new Promise<readonly StoredArticle[]>((resolve) => (announced = resolve));
    clock.advance(4 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(cites(await ask('御堂筋線 新型車両'), 'subway.html')).toBe(false);
    clock.advance(60_000);
    const fresh = await second;
    expect(fresh.map((a) => a.url)).toEqual([`${server.base}/articles/subway.html`]);
    expect(cites(await ask('御堂筋線 新型車両'), 'subway.html')).toBe(true);

    // Removed, it stays removed: the next poll of the feed does not bring it back.
    const subway = (await harness.fake.choices(harness.fake.autocomplete('remove', { article: '御堂筋線' }, 'article', manager)))[0]!;
    await harness.fake.reply(harness.fake.slash('remove', { article: String(subway.value) }, manager));
    const polled = server.hits.get('/live.xml')!;
    clock.advance(5 * 60_000);
    await vi.waitFor(() => expect(updates.feedState(`${server.base}/live.xml`).lastPollAt).toBe(new Date(clock.time).toISOString()));
    expect(server.hits.get('/live.xml')).toBe(polled + 1);
    expect(server.hits.get('/articles/subway.html')).toBe(1);
    expect(cites(await ask('御堂筋線 新型車両'), 'subway.html')).toBe(false);

    // The optional news post: titles and links, escaped, pinging nobody.
    await postNews(harness.bot.client, harness.fake.channelId, fresh);
    const post = await harness.fake.waitFor((r) => r.method === 'POST' && r.path === `/api/v10/channels/${harness.fake.channelId}/messages`);
    expect(post.body.content).toBe(`**New articles**\n- ${fresh[0]!.title} — テスト通信 <${server.base}/articles/subway.html>`);
    expect(post.body.allowed_mentions).toEqual({ parse: [] });
  }, 60000);
});

describe('without Manage Server, or with private addresses refused', () => {
  let other: Harness;
  let otherDir: string;
  let otherUpdates: ArticleUpdates;
  const fakeLibrary = new FakeLibrary(sampleArticles);

  beforeAll(async () => {
    otherDir = await mkdtemp(path.join(os.tmpdir(), 'kiji-updates-strict-'));
    // The defaults of a real bot: private addresses refused; a small upload limit.
    otherUpdates = await openArticleUpdates(otherDir, loadSourceSettings({ INGEST_MAX_BYTES: '2048', FEEDS_FILE: path.join(otherDir, 'feeds.json') }), fakeLibrary);
    other = await startHarness(fakeLibrary, {}, { updates: otherUpdates });
    await writeFile(path.join(otherDir, 'keep.txt'), 'kept\n\nunchanged');
  });
  afterAll(async () => {
    await otherUpdates?.stop();
    await other?.stop();
    if (otherDir) await rm(otherDir, { recursive: true, force: true });
  });

  it.each([
    ['add', { url: 'https://example.com/a.html' }],
    ['remove', { article: 'x' }],
    ['feeds list', {}],
  ] as const)('refuses /%s to a member without Manage Server', async (name, options) => {
    const reply = await other.fake.reply(other.fake.slash(name, options));
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toBe('Only members with the Manage Server permission can change the articles and feeds.');
  });

  it('refuses a private address and an oversized upload in one line, changing nothing', async () => {
    const before = { files: await articleFiles(otherDir), build: fakeLibrary.buildId };
    const privateUrl = await other.fake.reply(other.fake.slash('add', { url: `${server.base}/articles/salmon.html` }, manager));
    expect(privateUrl.message.content).toMatch(/^Nothing was changed: .*salmon\.html is on 127\.0\.0\.1, a loopback address: refused\./);
    expect(privateUrl.message.content).not.toContain('\n');

    const big = other.fake.attachment('big.md', `# 大きな記事\n\n${'あ'.repeat(1000)}\n`);
    const oversized = await other.fake.reply(other.fake.slash('add', { file: big }, manager));
    expect(oversized.message.content).toBe('Nothing was changed: big.md is 3 KB, larger than the 2 KB limit. Split it, or raise INGEST\\_MAX\\_BYTES.');
    expect({ files: await articleFiles(otherDir), build: fakeLibrary.buildId }).toEqual(before);
  });
});
