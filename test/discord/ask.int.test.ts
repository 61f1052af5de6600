import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeLibrary, sampleArticles } from './fake-library.js';
import { startHarness, testToken, type Harness } from './harness.js';

let harness: Harness;
const library = new FakeLibrary(sampleArticles);
/** The bot defers a search still running after this long; `slowSearch` takes twice as long. */
const slowAfterMs = 1000;
const slowSearch = () => new Promise<void>((resolve) => setTimeout(resolve, 2 * slowAfterMs));

beforeAll(async () => {
  // Long enough that the second question of the cooldown test always falls within it.
  harness = await startHarness(library, { askCooldownSeconds: 600 }, { deferAfterMs: slowAfterMs });
});
afterAll(async () => {
  await harness?.stop();
});
beforeEach(() => {
  library.searchHook = undefined;
});

describe('/ask end to end', () => {
  it('answers a quick search in one response: an embed citing the right article with the answer sentence in bold', async () => {
    const id = harness.fake.slash('ask', { question: '有志連合の首脳会合はどこで開かれたか' });
    const reply = await harness.fake.reply(id);
    expect(reply.callback.type).toBe(4);
    expect(reply.via).toBe('callback');
    expect(reply.requests.map((r) => `${r.method} ${r.path.split('/').at(-1)}`)).toEqual(['POST callback']);
    const embed = reply.message.embeds[0];
    expect(embed.description).toBe('有志連合の首脳会合はどこで開かれたか');
    const first = embed.fields[0];
    expect(first.name).toBe('[1] ロイター · 2026-01-07 · paragraph 2');
    expect(first.value).toContain('[ウクライナ有志連合、「安全の保証」で合意](https://jp.reuters.com/world/ukraine/coalition-2026-01-06/)');
    expect(first.value).toContain('**有志連合はこの日、パリで首脳会合を開催。**');
    expect(reply.message.allowed_mentions).toEqual({ parse: [] });
    expect(reply.ephemeral).toBe(false);
  });

  it('defers a slow search first, then edits the answer in', async () => {
    library.searchHook = slowSearch;
    const id = harness.fake.slash('ask', { question: '有志連合の首脳会合はどこで開かれたか' });
    const reply = await harness.fake.reply(id);
    expect(reply.callback.type).toBe(5);
    expect(reply.via).toBe('edit');
    const order = reply.requests.map((r) => `${r.method} ${r.path.split('/').at(-1)}`);
    expect(order.indexOf('POST callback')).toBeLessThan(order.indexOf('PATCH @original'));
    expect(reply.message.embeds[0].fields[0].name).toBe('[1] ロイター · 2026-01-07 · paragraph 2');
    expect(reply.ephemeral).toBe(false);
  });

  it('answers in Japanese chrome for a ja locale', async () => {
    const id = harness.fake.slash('ask', { question: '有志連合の首脳会合' }, { locale: 'ja' });
    const reply = await harness.fake.reply(id);
    expect(reply.message.embeds[0].title).toBe('記事からの引用');
    expect(reply.message.embeds[0].fields[0].name).toContain('第2段落');
  });

  it('says plainly that nothing relevant is indexed instead of weak matches', async () => {
    const id = harness.fake.slash('ask', { question: 'quantum chromodynamics lattice' });
    const reply = await harness.fake.reply(id);
    expect(reply.message.content).toMatch(/Nothing relevant/);
    // The fake library does not report semantic search as off: no hint about it.
    expect(reply.message.content).not.toMatch(/Semantic search/);
    expect(reply.message.embeds).toEqual([]);
  });

  it('private:true answers with the ephemeral flag, and defers with it when slow', async () => {
    const quick = await harness.fake.reply(harness.fake.slash('ask', { question: '有志連合の首脳会合', private: true }));
    expect(quick.callback.type).toBe(4);
    expect(quick.callback.data.flags).toBe(64);
    expect(quick.ephemeral).toBe(true);
    library.searchHook = slowSearch;
    const slow = await harness.fake.reply(harness.fake.slash('ask', { question: '有志連合の首脳会合', private: true }));
    expect(slow.callback).toEqual({ type: 5, data: { flags: 64 } });
    expect(slow.via).toBe('edit');
    expect(slow.ephemeral).toBe(true);
  });

  it('never pings: mentions in the question and in the article leave allowed_mentions.parse empty', async () => {
    const id = harness.fake.slash('ask', { question: '@everyone <@&123> harbour festival cancelled' });
    const reply = await harness.fake.reply(id);
    expect(reply.message.allowed_mentions).toEqual({ parse: [] });
    const embed = reply.message.embeds[0];
    expect(embed.fields[0].value).toContain('@everyone');
    expect(embed.description).toContain('@everyone');
  });

  it('escapes Markdown in the question shown back', async () => {
    const id = harness.fake.slash('ask', { question: '**有志連合** の_首脳会合_' });
    const reply = await harness.fake.reply(id);
    expect(reply.message.embeds[0].description).toBe('\\*\\*有志連合\\*\\* の\\_首脳会合\\_');
  });

  it('searches a 3,000-character question by its first 500 characters and still answers within the limits', async () => {
    const question = `有志連合の首脳会合はどこで開かれたか${'あ'.repeat(3000)}`;
    const id = harness.fake.slash('ask', { question });
    const reply = await harness.fake.reply(id);
    const searched = library.searches.at(-1)!.question;
    expect(searched.length).toBe(500);
    expect(reply.message.embeds[0].footer.text).toContain('question shortened to 500 characters');
  });

  it('answers a whitespace-only question with a private hint and no search', async () => {
    const before = library.searches.length;
    const id = harness.fake.slash('ask', { question: '   ' });
    const reply = await harness.fake.reply(id);
    expect(reply.callback.type).toBe(4);
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/Please type a question/);
    expect(library.searches.length).toBe(before);
  });

  it('tells a user asking again within the cooldown to wait, privately, without searching', async () => {
    const asker = { userId: '400000000000000777' };
    await harness.fake.reply(harness.fake.slash('ask', { question: '有志連合の首脳会合' }, asker));
    const before = library.searches.length;
    const reply = await harness.fake.reply(harness.fake.slash('ask', { question: 'ベネズエラ' }, asker));
    expect(reply.callback.type).toBe(4);
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/please wait \d+ s/);
    expect(library.searches.length).toBe(before);
  });

  it('turns an exception in search into a private apology and a log line, and keeps running', async () => {
    library.searchHook = () => {
      throw new Error('index file vanished');
    };
    const id = harness.fake.slash('ask', { question: '有志連合の首脳会合' });
    const reply = await harness.fake.reply(id);
    expect(reply.via).toBe('callback');
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/Sorry, something went wrong/);
    expect(reply.message.allowed_mentions).toEqual({ parse: [] });
    const line = await harness.logLine(id);
    expect(line).toMatchObject({ event: 'interaction', command: 'ask', outcome: 'error', error: 'index file vanished' });

    library.searchHook = undefined;
    const next = harness.fake.slash('ask', { question: '有志連合の首脳会合' });
    expect((await harness.fake.reply(next)).message.embeds).toHaveLength(1);
  });

  it('after a slow search fails, replaces the public placeholder with a private apology', async () => {
    library.searchHook = async () => {
      await slowSearch();
      throw new Error('index file vanished');
    };
    const id = harness.fake.slash('ask', { question: '有志連合の首脳会合' });
    const reply = await harness.fake.reply(id);
    expect(reply.callback.type).toBe(5);
    expect(reply.via).toBe('followup');
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/Sorry, something went wrong/);
    await harness.fake.waitFor((r) => r.interactionId === id && r.method === 'DELETE', 'the deletion of the public placeholder');
    expect(await harness.logLine(id)).toMatchObject({ outcome: 'error', error: 'index file vanished' });
  });

  it('retries a callback answered with 429', async () => {
    harness.fake.rateLimitCallbacks(1);
    const id = harness.fake.slash('ask', { question: '有志連合の首脳会合' });
    const reply = await harness.fake.reply(id);
    const callbacks = reply.requests.filter((r) => r.path.endsWith('/callback'));
    expect(callbacks.map((r) => r.status)).toEqual([429, 204]);
    expect(reply.message.embeds[0].fields.length).toBeGreaterThan(0);
  });

  it('acknowledges first an /ask that arrives while enough searches are running', async () => {
    // A second bot on the same fake library that counts two searches as busy.
    const busy = await startHarness(library, { askCooldownSeconds: 0 }, { deferAfterMs: slowAfterMs, deferWhenBusy: 2 });
    try {
      library.searchHook = (question) => (question.includes('パリ') ? slowSearch() : undefined);
      const running = [busy.fake.slash('ask', { question: 'パリの首脳会合' }), busy.fake.slash('ask', { question: 'パリで開催' })];
      await busy.fake.waitFor((r) => r.interactionId === running[1] && r.path.endsWith('/callback'), 'the second slow search to be deferred');
      const quick = await busy.fake.reply(busy.fake.slash('ask', { question: '有志連合の首脳会合' }));
      expect(quick.callback.type).toBe(5);
      expect(quick.via).toBe('edit');
      expect(quick.message.embeds).toHaveLength(1);
      await Promise.all(running.map((id) => busy.fake.reply(id)));
    } finally {
      await busy.stop();
    }
  });

  it('answers 50 concurrent /ask interactions', async () => {
    const ids = Array.from({ length: 50 }, (_, i) =>
      harness.fake.slash('ask', { question: i % 2 ? '有志連合の首脳会合' : 'ベネズエラとウクライナ' }, { userId: `5000000000000000${String(i).padStart(2, '0')}` }),
    );
    const replies = await Promise.all(ids.map((id) => harness.fake.reply(id, 30000)));
    expect(replies.filter((r) => r.message.embeds?.length === 1)).toHaveLength(50);
  });

  it('logs one JSON line per interaction with latency and result count, never the token', async () => {
    const id = harness.fake.slash('ask', { question: '有志連合の首脳会合' });
    await harness.fake.reply(id);
    const line = await harness.logLine(id);
    expect(line).toMatchObject({ event: 'interaction', command: 'ask', outcome: 'answered', results: expect.any(Number) });
    expect(line.latencyMs).toEqual(expect.any(Number));
    expect(JSON.stringify(harness.logs)).not.toContain(testToken);
  });
});
