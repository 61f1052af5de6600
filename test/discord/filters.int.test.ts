import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { openLibrary } from '../../src/library.js';
import type { Library } from '../../src/retrieval/types.js';
import { filterTag } from '../../src/discord/filters.js';
import { startLoggedHarness, type LoggedHarness } from './logged-harness.js';

/**
 * /ask's filters end to end: the real bot through the fake Discord, on a real index (keyword search,
 * offline) of articles from three sources over ten days, so a filter that leaks shows up in a citation.
 */
const articles = [
  {
    id: 'alpha-old',
    title: 'Harbour festival cancelled after the storm',
    source: 'Alpha News',
    published: '2026-01-03T10:00:00+09:00',
    body: [
      'The harbour festival was cancelled on Saturday because the storm damaged the pier and the stage.',
      'Organisers of the harbour festival said tickets would be refunded within two weeks of the storm.',
      'Fishermen who sell food at the harbour festival lost a weekend of trade to the storm and the floods.',
    ],
  },
  {
    id: 'beta',
    title: 'Harbour festival will return next summer',
    source: 'Beta Wire',
    published: '2026-01-10T09:00:00+09:00',
    body: [
      'The harbour festival will return next summer with a larger stage, the city council announced on Friday.',
      'The council will pay for repairs to the pier so the harbour festival can use it again next summer.',
    ],
  },
  {
    id: 'alpha-new',
    title: 'Harbour festival parade gets a new route',
    source: 'Alpha News',
    published: '2026-01-12T18:00:00+09:00',
    body: ['The harbour festival parade will follow a new route along the rebuilt pier, the organisers said on Monday.'],
  },
  {
    id: 'gamma',
    title: 'ＡＩ規制法案、港まつりの警備にも影響',
    source: 'Gamma 新聞',
    published: '2026-01-11T12:00:00+09:00',
    body: ['港まつりの警備にＡＩカメラを使う計画について、規制法案の審議が続いている。市は来週にも方針を示す。'],
  },
];

let harness: LoggedHarness;
let library: Library;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kiji-ask-filters-'));
  const jsonl = articles.map((a) => JSON.stringify({ id: a.id, title: a.title, source: a.source, published: a.published, body: a.body.join('\n\n') })).join('\n');
  await writeFile(path.join(dir, 'articles.jsonl'), `${jsonl}\n`);
  library = await openLibrary(
    loadSettings({ SEMANTIC_SEARCH: 'off', ARTICLES_PATH: path.join(dir, 'articles.jsonl'), INDEX_DIR: path.join(dir, 'index') }),
    { buildIfMissing: true },
  );
  harness = await startLoggedHarness(library, 'kiji-ask-filters-log-');
}, 60000);
afterAll(async () => {
  await harness?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function buttons(message: any): { label: string; custom_id: string }[] {
  return message.components.flatMap((row: any) => row.components);
}

/** The source and day of each citation, from its field name `[1] Alpha News · 2026-01-03 · paragraph 2`. */
function citations(message: any): { source: string; day: string }[] {
  return message.embeds[0].fields.map((field: any) => {
    const [, source, day] = /^\[\d+\] (.+?) · (\d{4}-\d{2}-\d{2}) · /.exec(field.name)!;
    return { source: source!, day: day! };
  });
}

async function ask(options: Record<string, string | number | boolean>) {
  const id = harness.fake.slash('ask', options);
  const reply = await harness.fake.reply(id);
  return { id, reply };
}

describe('/ask with filters', () => {
  it('with source cites only that source, says so, and records the filter', async () => {
    // Without the filter the question finds both wires: the filter has something to leave out.
    const { id: all } = await ask({ question: 'harbour festival', k: 10 });
    expect(new Set(citations(harness.fake.message(all)).map((c) => c.source))).toEqual(new Set(['Alpha News', 'Beta Wire']));

    const { id, reply } = await ask({ question: 'harbour festival', k: 10, source: 'Beta Wire' });
    expect(reply.ephemeral).toBe(false);
    const message = harness.fake.message(id);
    expect(citations(message).map((c) => c.source)).toEqual(['Beta Wire', 'Beta Wire']);
    expect(message.content).toBe('Searched only: source: Beta Wire');
    const [logged] = harness.rows("SELECT filters FROM questions WHERE question = 'harbour festival' ORDER BY id DESC LIMIT 1");
    expect(JSON.parse(logged.filters)).toEqual({ sources: ['Beta Wire'] });
  });

  it('reads a typed source whatever its case and width', async () => {
    const { id } = await ask({ question: 'harbour festival', k: 10, source: 'ＡＬＰＨＡ news' });
    expect(new Set(citations(harness.fake.message(id)).map((c) => c.source))).toEqual(new Set(['Alpha News']));
  });

  it('with since cites only passages published on or after that day', async () => {
    const { id } = await ask({ question: 'harbour festival', k: 10, since: '2026-01-10' });
    const cited = citations(harness.fake.message(id));
    expect(cited.length).toBe(3);
    for (const c of cited) expect(c.day >= '2026-01-10').toBe(true);
    expect(harness.fake.message(id).content).toBe('Searched only: since 2026-01-10');
  });

  it('with until and article keeps to the days and the one article', async () => {
    const { id } = await ask({ question: 'harbour festival', k: 10, until: '2026-01-05' });
    expect(citations(harness.fake.message(id)).map((c) => c.day)).toEqual(['2026-01-03', '2026-01-03', '2026-01-03']);
    const { id: one } = await ask({ question: 'harbour festival pier', k: 10, article: 'beta' });
    const message = harness.fake.message(one);
    expect(message.embeds[0].fields.every((f: any) => f.value.startsWith('Harbour festival will return'))).toBe(true);
    expect(message.content).toBe('Searched only: article: Harbour festival will return next summer');
  });

  it('More keeps the filter on every page', async () => {
    const { id } = await ask({ question: 'harbour festival', k: 1, source: 'Alpha News' });
    let message = harness.fake.message(id);
    const seen = [...citations(message)];
    for (let page = 0; page < 5; page++) {
      const more = buttons(message).find((b) => b.label === 'More');
      if (!more) break;
      const reply = await harness.fake.reply(harness.fake.button(more.custom_id, message));
      message = reply.message;
      expect(message.content).toBe('Searched only: source: Alpha News');
      seen.push(...citations(message));
    }
    // All four Alpha News passages, one a page, and nothing from the other sources.
    expect(seen.map((c) => c.source)).toEqual(['Alpha News', 'Alpha News', 'Alpha News', 'Alpha News']);
    expect(buttons(message).some((b) => b.label === 'More')).toBe(false);
  });

  it('a follow-up from a filtered answer is searched with the same filter', async () => {
    const { id } = await ask({ question: 'harbour festival', source: 'Beta Wire' });
    const message = harness.fake.message(id);
    const follow = buttons(message).find((b) => b.label === 'Follow up')!;
    const modal = await harness.fake.reply(harness.fake.button(follow.custom_id, message));
    const field = modal.callback.data.components[0].components[0];
    // Unfiltered, "storm" is only in Alpha News; within Beta Wire the pier of the earlier answer is what is left.
    const submit = harness.fake.modalSubmit(modal.callback.data.custom_id, { [field.custom_id]: 'what did the storm damage' }, {}, message);
    await harness.fake.reply(submit);
    const thread = [...harness.fake.threads.values()].find((t) => t.messageId === message.id)!;
    const posted = thread.messages[0];
    expect(posted.content).toContain('Searched only: source: Beta Wire');
    expect(new Set(citations(posted).map((c) => c.source))).toEqual(new Set(['Beta Wire']));
    const [logged] = harness.rows("SELECT filters FROM questions WHERE question = 'what did the storm damage'");
    expect(JSON.parse(logged.filters)).toMatchObject({ sources: ['Beta Wire'] });
  });

  it('a button whose filter no longer names anything in the index gets a private note', async () => {
    const { id } = await ask({ question: 'harbour festival', k: 1, source: 'Alpha News' });
    const message = harness.fake.message(id);
    const more = buttons(message).find((b) => b.label === 'More')!;
    expect(more.custom_id).toMatch(/:n[0-9a-f]{8}$/);
    // As if the index had lost that source: the tag of another source names nothing indexed.
    const expired = more.custom_id.replace(/:n[0-9a-f]{8}$/, `:${filterTag({ sources: ['Gone Wire'] })}`);
    message.components[0].components.find((b: any) => b.custom_id === more.custom_id).custom_id = expired;
    const reply = await harness.fake.reply(harness.fake.button(expired, message));
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/^This button belongs to an older answer/);
  });

  it('says the filter allows nothing, privately and with the filter named, without searching', async () => {
    const { reply } = await ask({ question: 'harbour festival', since: '2026-02-01' });
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toBe(
      'No indexed article matches the filter (since 2026-02-01), so nothing was searched. Change the filter, or see what is indexed with /sources.',
    );
  });

  it('says nothing relevant was found within the filter', async () => {
    const { reply } = await ask({ question: 'harbour festival', source: 'Gamma 新聞' });
    expect(reply.message.content).toMatch(/^Nothing relevant to this question is indexed within the filter \(source: Gamma 新聞\)\./);
  });

  it('answers a bad date, a reversed range and an unknown source with a private error', async () => {
    const bad = await ask({ question: 'harbour festival', since: '2026-13-01' });
    expect(bad.reply.ephemeral).toBe(true);
    expect(bad.reply.message.content).toBe('`since` takes a date written YYYY-MM-DD (for example 2026-01-07) or one of the suggestions; "2026-13-01" is not one.');
    const reversed = await ask({ question: 'harbour festival', since: '2026-01-12', until: '2026-01-03' });
    expect(reversed.reply.ephemeral).toBe(true);
    expect(reversed.reply.message.content).toContain('is after `until` (2026-01-03)');
    const unknown = await ask({ question: 'harbour festival', source: 'Delta Post' });
    expect(unknown.reply.ephemeral).toBe(true);
    expect(unknown.reply.message.content).toBe(
      'No indexed source is called "Delta Post". Pick one of the suggestions while typing (for example Alpha News, Beta Wire, Gamma 新聞).',
    );
  });
});

describe('/ask autocomplete', () => {
  it('suggests the indexed sources, narrowed by what is typed', async () => {
    expect(await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', source: '' }, 'source'))).toEqual([
      { name: 'Alpha News', value: 'Alpha News' },
      { name: 'Beta Wire', value: 'Beta Wire' },
      { name: 'Gamma 新聞', value: 'Gamma 新聞' },
    ]);
    expect(await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', source: 'WIRE' }, 'source'))).toEqual([
      { name: 'Beta Wire', value: 'Beta Wire' },
    ]);
  });

  it('suggests titles containing the typed text, newest first, in English or Japanese', async () => {
    const harbour = await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', article: 'harbour FESTIVAL' }, 'article'));
    expect(harbour).toEqual([
      { name: 'Harbour festival parade gets a new route · 2026-01-12', value: 'alpha-new' },
      { name: 'Harbour festival will return next summer · 2026-01-10', value: 'beta' },
      { name: 'Harbour festival cancelled after the storm · 2026-01-03', value: 'alpha-old' },
    ]);
    // NFKC: a half-width "ai" finds the full-width "ＡＩ" of the title.
    expect((await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', article: 'ai規制' }, 'article'))).map((c) => c.value)).toEqual(['gamma']);
    expect((await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', article: '港まつり' }, 'article'))).map((c) => c.value)).toEqual(['gamma']);
    // With a source picked, only its articles.
    const withinAlpha = await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', source: 'Alpha News', article: '' }, 'article'));
    expect(withinAlpha.map((c) => c.value)).toEqual(['alpha-new', 'alpha-old']);
  });

  it('suggests days for since: the typed date, the usual ranges and the days articles were published', async () => {
    const typed = await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', since: '2026-01-07' }, 'since'));
    expect(typed[0]).toEqual({ name: '2026-01-07', value: '2026-01-07' });
    const start = await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', since: '' }, 'since'));
    expect(start.map((c) => c.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^Last 7 days \(since \d{4}-\d{2}-\d{2}\)$/), expect.stringMatching(/^Last 30 days/)]));
    for (const c of start) expect(c.value).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const published = await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', since: '2026-01-1' }, 'since'));
    expect(published.map((c) => c.value)).toEqual(['2026-01-12', '2026-01-11', '2026-01-10']);
  });

  it('keeps every suggestion within Discord limits', async () => {
    for (const [option, typed] of [['source', ''], ['article', ''], ['since', ''], ['until', '']] as const) {
      const choices = await harness.fake.choices(harness.fake.autocomplete('ask', { question: 'x', [option]: typed }, option));
      expect(choices.length).toBeGreaterThan(0);
      expect(choices.length).toBeLessThanOrEqual(25);
      for (const c of choices) {
        expect(c.name.length).toBeLessThanOrEqual(100);
        expect(String(c.value).length).toBeLessThanOrEqual(100);
      }
    }
  });
});
