import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managerPermissions } from '../fake-discord/server.js';
import { FakeLibrary, sampleArticles, type FakeArticle } from './fake-library.js';
import { startHarness, type Harness } from './harness.js';

let harness: Harness;
const many: FakeArticle[] = Array.from({ length: 23 }, (_, i) => ({
  id: `a${i + 1}`,
  title: `記事 ${i + 1} **太字ではない**`,
  source: 'テスト通信',
  published: '2026-01-06T23:58:00.000Z',
  paragraphs: ['一段落目。', '二段落目。'],
}));
const library = new FakeLibrary([...sampleArticles, ...many]);

beforeAll(async () => {
  harness = await startHarness(library);
});
afterAll(async () => {
  await harness?.stop();
});

describe('/sources', () => {
  it('lists indexed articles with source, date and passage count, ten a page, paged by buttons', async () => {
    const id = harness.fake.slash('sources');
    const reply = await harness.fake.reply(id);
    expect(reply.callback.type).toBe(4);
    const embed = reply.message.embeds[0];
    const lines = embed.description.split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe(
      '[ウクライナ有志連合、「安全の保証」で合意](https://jp.reuters.com/world/ukraine/coalition-2026-01-06/) — ロイター · 2026-01-07 · 3 passages',
    );
    expect(lines[4]).toBe('記事 2 \\*\\*太字ではない\\*\\* — テスト通信 · 2026-01-07 · 2 passages');
    expect(embed.footer.text).toBe('Page 1/3 · 26 articles');

    const next = reply.message.components[0].components.find((b: any) => b.label === 'More');
    const update = await harness.fake.reply(harness.fake.button(next.custom_id, harness.fake.message(id)));
    expect(update.callback.type).toBe(7);
    expect(update.message.embeds[0].footer.text).toBe('Page 2/3 · 26 articles');
    expect(update.message.allowed_mentions).toEqual({ parse: [] });
  });

  it('shows the last page for a page number past the end', async () => {
    const reply = await harness.fake.reply(harness.fake.slash('sources', { page: 99 }));
    expect(reply.message.embeds[0].footer.text).toBe('Page 3/3 · 26 articles');
  });
});

describe('/reindex', () => {
  it('refuses a member without Manage Server, whatever the registered default', async () => {
    const before = library.buildId;
    const reply = await harness.fake.reply(harness.fake.slash('reindex'));
    expect(reply.callback.type).toBe(4);
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/Manage Server/);
    expect(library.buildId).toBe(before);
  });

  it('rebuilds for a member with Manage Server and reports the counts privately', async () => {
    library.reindexReport = {
      articles: 26,
      passages: 55,
      embedded: 4,
      reused: 51,
      removed: 1,
      skipped: [
        { path: 'broken_*file*.txt', reason: 'no title line', scope: 'file' },
        { path: 'feed.jsonl', reason: 'line 3: not valid JSON', scope: 'article' },
        { path: 'feed.jsonl', reason: 'line 4: date "soon" is not readable', scope: 'field' },
      ],
    };
    const before = library.buildId;
    const reply = await harness.fake.reply(harness.fake.slash('reindex', {}, { permissions: managerPermissions }));
    expect(reply.callback).toEqual({ type: 5, data: { flags: 64 } });
    expect(reply.message.content).toBe(
      [
        'Index rebuilt in 0.0 s.',
        'Articles: 26 · passages: 55 (embedded 4, reused 51, removed 1)',
        'Skipped files: 1 · skipped articles: 1 · articles kept without an unreadable field: 1',
        '- Skipped broken\\_\\*file\\*.txt: no title line',
        '- Skipped an article of feed.jsonl: line 3: not valid JSON',
        '- feed.jsonl: line 4: date "soon" is not readable',
      ].join('\n'),
    );
    expect(library.buildId).not.toBe(before);
  });

  it('answers in Japanese for a Japanese client', async () => {
    const reply = await harness.fake.reply(harness.fake.slash('reindex', {}, { locale: 'ja' }));
    expect(reply.message.content).toMatch(/サーバー管理/);
  });
});
