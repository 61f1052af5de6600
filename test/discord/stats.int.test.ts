import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteQuestionLog } from '../../src/questionlog/sqlite.js';
import { managerPermissions } from '../fake-discord/server.js';
import { FakeLibrary, sampleArticles } from './fake-library.js';
import { startHarness, type Harness } from './harness.js';

const library = new FakeLibrary(sampleArticles);
const asker = '400000000000000123';
const manager = { permissions: managerPermissions };
let dir: string;
let file: string;
let questionLog: SqliteQuestionLog;
let harness: Harness;

/** The rows the bot wrote, read straight from the file. */
function rows(sql: string, ...params: unknown[]): any[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all(...params);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-stats-'));
  file = path.join(dir, 'kiji.db');
  questionLog = new SqliteQuestionLog({ enabled: true, path: file, retentionDays: 90 });
  harness = await startHarness(library, {}, { questionLog });
});
afterAll(async () => {
  await harness?.stop();
  questionLog?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the question log behind /ask', () => {
  it('records an answered and an unanswered /ask: ids, hashed user, question, mode, results, latency', async () => {
    // The log line is written once the handler has finished, after the answer and its recording.
    await harness.logLine(harness.fake.slash('ask', { question: '有志連合の首脳会合はどこで開かれたか' }, { userId: asker }));
    await harness.logLine(harness.fake.slash('ask', { question: 'quantum chromodynamics lattice', private: true }, { userId: asker }));
    const questions = rows('SELECT * FROM questions ORDER BY id');
    expect(questions).toHaveLength(2);
    expect(questions[0]).toMatchObject({
      guild_id: harness.fake.guildId,
      channel_id: harness.fake.channelId,
      user_hash: questionLog.userHash(asker),
      question: '有志連合の首脳会合はどこで開かれたか',
      filters: '{}',
      mode: 'keyword',
      private: 0,
      nothing_relevant: 0,
    });
    expect(questions[0].latency_ms).toBeGreaterThanOrEqual(0);
    expect(questions[1]).toMatchObject({ question: 'quantum chromodynamics lattice', private: 1, nothing_relevant: 1 });
    expect(JSON.stringify(questions)).not.toContain(asker);
    const results = rows('SELECT * FROM results WHERE question_id = ? ORDER BY rank', questions[0].id);
    expect(results[0]).toMatchObject({ rank: 1, passage_id: 'reuters-coalition#2', article_id: 'reuters-coalition' });
  });
});

describe('/stats', () => {
  it('refuses a member without Manage Server, privately', async () => {
    const reply = await harness.fake.reply(harness.fake.slash('stats'));
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.content).toMatch(/Manage Server/);
    expect(reply.message.embeds ?? []).toEqual([]);
  });

  it('shows the counts, the unanswered question and the cited article, privately', async () => {
    const reply = await harness.fake.reply(harness.fake.slash('stats', {}, manager));
    expect(reply.ephemeral).toBe(true);
    expect(reply.message.allowed_mentions).toEqual({ parse: [] });
    const embed = reply.message.embeds[0];
    expect(embed.title).toBe('Questions of the last 7 days');
    const lines = embed.description.split('\n');
    expect(lines[0]).toBe('Asked: 2 · answered: 1 (50%) · 👍 0 · 👎 0');
    expect(lines).toContain('1. quantum chromodynamics lattice — ×1 (unanswered 1, 👎 0)');
    expect(embed.fields[0].name).toBe('Most cited articles');
    expect(embed.fields[0].value.split('\n')[0]).toBe('1. ウクライナ有志連合、「安全の保証」で合意 — 1 question');
  });

  it('shows a 👎 recorded through the API, with its reason escaped, under the question', async () => {
    const [answered] = rows("SELECT id FROM questions WHERE question = '有志連合の首脳会合はどこで開かれたか'");
    expect(questionLog.recordFeedback(answered.id, '400000000000000999', 'down', '**場所**が違う @everyone')).toBe(true);
    const reply = await harness.fake.reply(harness.fake.slash('stats', { days: 1 }, manager));
    const lines: string[] = reply.message.embeds[0].description.split('\n');
    expect(lines[0]).toBe('Asked: 2 · answered: 1 (50%) · 👍 0 · 👎 1');
    const at = lines.indexOf('1. 有志連合の首脳会合はどこで開かれたか — ×1 (unanswered 0, 👎 1)');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe('  👎 \\*\\*場所\\*\\*が違う @everyone');
    expect(reply.message.allowed_mentions).toEqual({ parse: [] });
    expect(reply.message.embeds[0].title).toBe('Questions of the last 1 day');
  });

  it("shows this server's questions only", async () => {
    questionLog.recordQuestion({ guildId: '100000000000000042', channelId: null, userId: asker, question: 'よそのサーバーの質問', mode: 'hybrid', results: [], latencyMs: 1 });
    const reply = await harness.fake.reply(harness.fake.slash('stats', {}, manager));
    expect(reply.message.embeds[0].description).not.toContain('よそのサーバーの質問');
    expect(reply.message.embeds[0].description.split('\n')[0]).toMatch(/^Asked: 2 /);
  });

  it('answers in Japanese for a ja locale', async () => {
    const reply = await harness.fake.reply(harness.fake.slash('stats', {}, { ...manager, locale: 'ja' }));
    expect(reply.message.embeds[0].title).toBe('過去7日間の質問');
    expect(reply.message.embeds[0].fields[0].name).toBe('よく引用された記事');
  });
});

describe('without a working question log', () => {
  it('/stats says the log is off, and /ask answers even when recording fails', async () => {
    const broken = new SqliteQuestionLog({ enabled: true, path: path.join(dir, 'broken.db'), retentionDays: 90 });
    broken.close();
    const off = await startHarness(library);
    const failing = await startHarness(library, {}, { questionLog: broken });
    try {
      const stats = await off.fake.reply(off.fake.slash('stats', {}, manager));
      expect(stats.ephemeral).toBe(true);
      expect(stats.message.content).toMatch(/question log is off/);
      const id = failing.fake.slash('ask', { question: '有志連合の首脳会合はどこで開かれたか' });
      const answer = await failing.fake.reply(id);
      expect(answer.message.embeds[0].fields.length).toBeGreaterThan(0);
      expect((await failing.logLine(id)).outcome).toBe('answered');
      expect(failing.logs.find((entry) => entry.event === 'question_log_error')?.error).toMatch(/not open/);
    } finally {
      await off.stop();
      await failing.stop();
    }
  });
});
