import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { openLibrary } from '../../src/library.js';
import type { Library } from '../../src/retrieval/types.js';
import { startHarness, type Harness } from './harness.js';

/** The bot on the real index of the seed articles (keyword search: no model needed, offline). */
let harness: Harness;
let library: Library;
let indexDir: string;

beforeAll(async () => {
  indexDir = await mkdtemp(path.join(os.tmpdir(), 'kiji-bot-index-'));
  library = await openLibrary(loadSettings({ SEMANTIC_SEARCH: 'off', INDEX_DIR: indexDir }), { buildIfMissing: true });
  harness = await startHarness(library);
}, 60000);
afterAll(async () => {
  await harness?.stop();
  if (indexDir) await rm(indexDir, { recursive: true, force: true });
});

describe('the bot on the seed index', () => {
  it('cites a seed article with its date, paragraph and a bold sentence from the passage', async () => {
    const id = harness.fake.slash('ask', { question: 'パリ 首脳会合' });
    const reply = await harness.fake.reply(id);
    expect(reply.callback.type).toBe(4);
    const field = reply.message.embeds[0].fields[0];
    expect(field.name).toMatch(/^\[1\] ロイター日本語版 · 2026-01-0\d · paragraph \d+$/);
    const bold = /\*\*(.+?)\*\*/.exec(field.value)?.[1];
    expect(bold).toBeTruthy();
    const cited = library.articles().find((article) => field.value.startsWith(article.title) || field.value.startsWith(`[${article.title}]`));
    expect(cited?.title).toMatch(/有志連合/);
    expect(reply.message.allowed_mentions).toEqual({ parse: [] });
  });

  it('says nothing relevant is indexed for an unrelated question', async () => {
    const reply = await harness.fake.reply(harness.fake.slash('ask', { question: 'quantum chromodynamics lattice' }));
    expect(reply.message.content).toMatch(/Nothing relevant/);
    // This library searches keywords only (SEMANTIC_SEARCH=off): the reply says why an English question misses.
    expect(reply.message.content).toContain('Semantic search is off on this bot');
  });

  it('lists the three seed articles', async () => {
    const reply = await harness.fake.reply(harness.fake.slash('sources'));
    expect(reply.message.embeds[0].footer.text).toBe('Page 1/1 · 3 articles');
  });

  it('opens the full paragraph of a citation', async () => {
    const id = harness.fake.slash('ask', { question: 'ベネズエラ' });
    await harness.fake.reply(id);
    const message = harness.fake.message(id);
    const full = message.components.flatMap((row: any) => row.components).find((b: any) => b.label === 'Full paragraph [1]');
    const reply = await harness.fake.reply(harness.fake.button(full.custom_id, message));
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.embeds[0].description.length).toBeGreaterThan(10);
  });
});
