import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadQuestionLogSettings, type QuestionLogSettings } from '../../src/config/question-log.js';
import { isKijiError } from '../../src/errors.js';
import { openQuestionLog } from '../../src/questionlog/open.js';
import { migrations, schemaVersion } from '../../src/questionlog/migrations.js';
import type { AskedQuestion } from '../../src/questionlog/question-log.js';
import { SqliteQuestionLog } from '../../src/questionlog/sqlite.js';

const day = 86_400_000;
// Real time: opening a log prunes by the clock.
const now = new Date();
const alice = '400000000000000001';
const bob = '400000000000000002';

let dir: string;
let file: string;
const open: SqliteQuestionLog[] = [];

function settings(overrides: Partial<QuestionLogSettings> = {}): QuestionLogSettings {
  return { enabled: true, path: file, retentionDays: 90, ...overrides };
}

function openLog(overrides: Partial<QuestionLogSettings> = {}): SqliteQuestionLog {
  const log = new SqliteQuestionLog(settings(overrides));
  open.push(log);
  return log;
}

function asked(question: string, overrides: Partial<AskedQuestion> = {}): AskedQuestion {
  return {
    at: new Date(now.getTime() - day),
    guildId: '100000000000000001',
    channelId: '200000000000000002',
    userId: alice,
    question,
    mode: 'hybrid',
    results: [
      { passageId: 'paris#2', articleId: 'paris', title: 'ウクライナ有志連合、「安全の保証」で合意', score: 0.9 },
      { passageId: 'oil#1', articleId: 'oil', title: '原油相場', score: 0.4 },
    ],
    latencyMs: 120,
    ...overrides,
  };
}

/** Every table's rows, for comparing a database before and after something. */
function dump(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM ${name}`).all()]));
  } finally {
    db.close();
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-qlog-'));
  file = path.join(dir, 'sub', 'kiji.db');
});
afterEach(() => {
  for (const log of open.splice(0)) log.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('create every table from an empty file, in WAL mode, and a second open changes nothing', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    openLog().close();
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['articles', 'feedback', 'meta', 'questions', 'results']));
    const schema = db.prepare('SELECT sql FROM sqlite_schema ORDER BY name').all();
    db.close();
    expect(schemaVersion).toBe(migrations.length);

    const log = openLog();
    log.recordQuestion(asked('有志連合の首脳会合はどこで開かれたか'));
    const before = dump(file);
    log.close();
    openLog().close();
    const again = new Database(file);
    expect(again.prepare('SELECT sql FROM sqlite_schema ORDER BY name').all()).toEqual(schema);
    again.close();
    expect(dump(file)).toEqual(before);
  });

  it('brings a file of schema 1 up to date, keeping its questions', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const v1 = new Database(file);
    migrations[0]!(v1);
    v1.pragma('user_version = 1');
    v1.prepare(
      "INSERT INTO questions (asked_at, user_hash, question, mode, nothing_relevant, latency_ms) VALUES (?, 'h', '首脳会合はどこか', 'keyword', 0, 5)",
    ).run(now.getTime());
    v1.close();
    const log = openLog();
    expect(log.conversation('300000000000000003', 10)).toEqual([]);
    log.recordQuestion(asked('それはいつか', { conversation: '300000000000000003', follows: 1 }));
    expect(log.conversation('300000000000000003', 10).map((turn) => turn.question)).toEqual(['首脳会合はどこか', 'それはいつか']);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    db.close();
  });

  it('refuses a file written by a newer kiji, and a file that is not a database, naming the file', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma(`user_version = ${schemaVersion + 1}`);
    db.close();
    expect(() => openLog()).toThrow(/newer kiji/);
    fs.writeFileSync(file, 'not a database, just text that is long enough to have a header. '.repeat(20));
    try {
      openLog();
      expect.unreachable();
    } catch (error) {
      expect(isKijiError(error, 'QUESTION_LOG_UNAVAILABLE')).toBe(true);
      expect(String((error as Error).message)).toContain(file);
    }
  });
});

describe('recording and stats', () => {
  it('counts questions, answered share, votes and the most cited articles in the window only', () => {
    const log = openLog();
    const first = log.recordQuestion(asked('有志連合の首脳会合はどこで開かれたか'));
    log.recordQuestion(asked('原油の価格は', { results: [{ passageId: 'oil#1', articleId: 'oil', title: '原油相場', score: 0.7 }] }));
    log.recordQuestion(asked('量子色力学の格子計算', { results: [] }));
    // Outside a 7-day window.
    log.recordQuestion(asked('古い質問', { at: new Date(now.getTime() - 10 * day) }));
    expect(log.recordFeedback(first, alice, 'up')).toBe(true);
    expect(log.recordFeedback(first, bob, 'down', '場所が違う')).toBe(true);

    const stats = log.stats({ days: 7, now });
    expect(stats).toMatchObject({ days: 7, asked: 3, answered: 2, votes: { up: 1, down: 1 }, until: now.toISOString() });
    expect(stats.topArticles).toEqual([
      { articleId: 'oil', title: '原油相場', questions: 2 },
      { articleId: 'paris', title: 'ウクライナ有志連合、「安全の保証」で合意', questions: 1 },
    ]);
    expect(log.stats({ days: 30, now }).asked).toBe(4);
    const renamed = log.stats({ days: 7, now, titleOf: (id) => (id === 'paris' ? '新しい題' : undefined) });
    expect(renamed.topArticles[1]).toEqual({ articleId: 'paris', title: '新しい題', questions: 1 });
  });

  it("limits the stats to one server's questions when asked to", () => {
    const log = openLog();
    const other = '100000000000000009';
    log.recordQuestion(asked('ここの質問'));
    const elsewhere = log.recordQuestion(asked('よその質問', { guildId: other, results: [] }));
    log.recordFeedback(elsewhere, bob, 'down', 'よその理由');
    const here = log.stats({ days: 7, now, guildId: '100000000000000001' });
    expect(here).toMatchObject({ asked: 1, answered: 1, votes: { up: 0, down: 0 }, gaps: [] });
    expect(here.topArticles.map((a) => a.questions)).toEqual([1, 1]);
    expect(log.stats({ days: 7, now, guildId: other })).toMatchObject({ asked: 1, answered: 0, votes: { down: 1 }, topArticles: [] });
    expect(log.stats({ days: 7, now }).asked).toBe(2);
  });

  it('groups unanswered and 👎 questions that ask the same thing, with the reasons under them', () => {
    const log = openLog();
    const at = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
    log.recordQuestion(asked('パリの首脳会合はいつ？', { results: [], at: at(5) }));
    log.recordQuestion(asked('パリ首脳会合はいつ開かれた', { results: [], at: at(4) }));
    log.recordQuestion(asked('パリの首脳会合はいつ？', { results: [], at: at(3) }));
    const disliked = log.recordQuestion(asked('パリの首脳会合はいつ', { at: at(2) }));
    log.recordFeedback(disliked, bob, 'down', '日付がない', at(1));
    log.recordQuestion(asked('選挙の結果はどうなった？', { results: [], at: at(6) }));
    // Answered and liked: not a gap.
    const liked = log.recordQuestion(asked('原油の価格は'));
    log.recordFeedback(liked, bob, 'up');

    const { gaps } = log.stats({ days: 7, now });
    expect(gaps).toEqual([
      {
        question: 'パリの首脳会合はいつ？',
        times: 4,
        unanswered: 3,
        down: 1,
        // Equally frequent wordings: the more recent first.
        variants: ['パリの首脳会合はいつ', 'パリ首脳会合はいつ開かれた'],
        reasons: ['日付がない'],
        lastAsked: at(2).toISOString(),
      },
      { question: '選挙の結果はどうなった？', times: 1, unanswered: 1, down: 0, variants: [], reasons: [], lastAsked: at(6).toISOString() },
    ]);
  });

  it('keeps one vote per user and question: the last click wins, reason included', () => {
    const log = openLog();
    const id = log.recordQuestion(asked('停戦の条件は何'));
    log.recordFeedback(id, alice, 'down', '古い情報');
    log.recordFeedback(id, alice, 'up');
    log.recordFeedback(id, bob, 'down', '  ');
    log.recordFeedback(id, bob, 'down', '出典が違う');
    const stats = log.stats({ days: 7, now });
    expect(stats.votes).toEqual({ up: 1, down: 1 });
    expect(stats.gaps.map((gap) => gap.reasons)).toEqual([['出典が違う']]);
    const rows = dump(file).feedback as { vote: number; reason: string | null }[];
    expect(rows.map((row) => [row.vote, row.reason]).sort()).toEqual([[-1, '出典が違う'], [1, null]]);
  });

  it('refuses feedback on a question it does not hold', () => {
    const log = openLog();
    expect(log.recordFeedback(12345, alice, 'up')).toBe(false);
    expect(log.recordFeedback(Number.NaN, alice, 'up')).toBe(false);
    expect(dump(file).feedback).toEqual([]);
  });

  it('never stores a raw user id: only a keyed hash, the same for one user, different across keys', () => {
    const log = openLog();
    const id = log.recordQuestion(asked('首脳会合はどこで', { userId: alice }));
    log.recordFeedback(id, bob, 'down', 'x');
    log.close();
    const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    expect(bytes.includes(alice)).toBe(false);
    expect(bytes.includes(bob)).toBe(false);
    const { questions, feedback } = dump(file) as Record<string, { user_hash: string }[]>;
    const reopened = openLog();
    expect(questions![0]!.user_hash).toBe(reopened.userHash(alice));
    expect(feedback![0]!.user_hash).toBe(reopened.userHash(bob));
    expect(reopened.userHash(alice)).toMatch(/^[0-9a-f]{64}$/);

    const other = new SqliteQuestionLog(settings({ path: path.join(dir, 'other.db') }));
    open.push(other);
    expect(other.userHash(alice)).not.toBe(reopened.userHash(alice));
    const salt = 'a shared salt of enough length';
    const [x, y] = [path.join(dir, 'x.db'), path.join(dir, 'y.db')].map((p) => new SqliteQuestionLog(settings({ path: p, salt })));
    open.push(x!, y!);
    expect(x!.userHash(alice)).toBe(y!.userHash(alice));
  });
});

describe('durability', () => {
  it('keeps everything across a close and reopen', () => {
    const log = openLog();
    const id = log.recordQuestion(asked('有志連合の首脳会合はどこで開かれたか'));
    log.recordFeedback(id, bob, 'down', '違う');
    const before = log.stats({ days: 7, now });
    log.close();
    expect(openLog().stats({ days: 7, now })).toEqual(before);
  });

  it('keeps every question committed before the writing process was killed, and opens cleanly after', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'writer-child.ts'), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const committed: number[] = [];
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        committed.push(...lines.map(Number));
        if (committed.length >= 300 && !child.killed) child.kill('SIGKILL');
      });
    });
    expect(child.signalCode).toBe('SIGKILL');
    expect(committed.length).toBeGreaterThanOrEqual(300);
    // The killed writer left its WAL behind; opening recovers from it.
    const log = openLog();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const ids = new Set((db.prepare('SELECT id FROM questions').all() as { id: number }[]).map((row) => row.id));
    const results = db.prepare('SELECT count(*) AS n FROM results').get() as { n: number };
    db.close();
    for (const id of committed) expect(ids.has(id)).toBe(true);
    // Every stored question has its result row: a transaction is never half there.
    expect(results.n).toBe(ids.size);
    expect(log.recordQuestion(asked('再起動後の質問'))).toBeGreaterThan(Math.max(...committed));
  });
});

describe('retention', () => {
  it('prunes questions older than the retention at open and on prune(), with their results, feedback and orphaned titles', () => {
    const log = openLog({ retentionDays: 30 });
    const old = log.recordQuestion(asked('古い質問', { at: new Date(Date.now() - 40 * day), results: [{ passageId: 'gone#1', articleId: 'gone', title: '消えた記事', score: 1 }] }));
    log.recordFeedback(old, bob, 'down', '古い');
    log.recordQuestion(asked('新しい質問', { at: new Date(Date.now() - day) }));
    log.close();

    const reopened = openLog({ retentionDays: 30 });
    const rows = dump(file);
    expect((rows.questions as { question: string }[]).map((q) => q.question)).toEqual(['新しい質問']);
    expect(rows.feedback).toEqual([]);
    expect((rows.results as { article_id: string }[]).map((r) => r.article_id)).not.toContain('gone');
    expect((rows.articles as { article_id: string }[]).map((a) => a.article_id).sort()).toEqual(['oil', 'paris']);

    expect(reopened.prune(new Date(Date.now() + 28 * day))).toBe(0);
    expect(reopened.prune(new Date(Date.now() + 31 * day))).toBe(1);
    expect(dump(file).questions).toEqual([]);
  });

  it("reads a thread's conversation back: the question it followed, then the thread's newest questions with their articles and titles", () => {
    const log = openLog();
    const thread = '300000000000000003';
    const start = log.recordQuestion(asked('パリの首脳会合はどこで開かれたか'));
    log.recordQuestion(asked('関係のない質問'));
    log.recordQuestion(asked('米国はどう関与するのか', { conversation: thread, follows: start, results: [{ passageId: 'us#1', articleId: 'us', score: 1 }] }));
    log.recordQuestion(asked('英国は？', { conversation: thread, results: [] }));
    log.recordQuestion(asked('別のスレッド', { conversation: '300000000000000004', follows: start }));
    expect(log.conversation(thread, 10)).toEqual([
      { question: 'パリの首脳会合はどこで開かれたか', articleIds: ['paris', 'oil'], titles: ['ウクライナ有志連合、「安全の保証」で合意', '原油相場'] },
      // A result logged without a title keeps its article; it just names no subject.
      { question: '米国はどう関与するのか', articleIds: ['us'], titles: [] },
      { question: '英国は？', articleIds: [], titles: [] },
    ]);
    // At most `max` turns, the newest: the start is the first to go.
    expect(log.conversation(thread, 2).map((turn) => turn.question)).toEqual(['米国はどう関与するのか', '英国は？']);
    expect(log.conversation('300000000000000009', 10)).toEqual([]);
  });

  it('never reuses the id of a pruned question', () => {
    const log = openLog({ retentionDays: 1 });
    const first = log.recordQuestion(asked('一つ目', { at: new Date() }));
    log.prune(new Date(Date.now() + 2 * day));
    expect(log.recordQuestion(asked('二つ目', { at: new Date() }))).toBeGreaterThan(first);
    expect(log.recordFeedback(first, bob, 'down')).toBe(false);
  });
});

describe('QUESTION_LOG=off', () => {
  it('records nothing and creates no file', async () => {
    const log = await openQuestionLog(loadQuestionLogSettings({ QUESTION_LOG: 'off', QUESTION_LOG_PATH: file }));
    expect(log.enabled).toBe(false);
    expect(log.recordQuestion(asked('質問'))).toBeUndefined();
    expect(log.recordFeedback(1, alice, 'up')).toBe(false);
    expect(log.stats({ days: 7, now })).toMatchObject({ asked: 0, gaps: [] });
    log.close();
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });

  it('is on by default, and a report does not create a missing file', async () => {
    const log = await openQuestionLog(loadQuestionLogSettings({ QUESTION_LOG_PATH: file }));
    expect(log.enabled).toBe(true);
    log.close();
    expect(fs.existsSync(file)).toBe(true);
    const missing = path.join(dir, 'missing.db');
    await expect(openQuestionLog(loadQuestionLogSettings({ QUESTION_LOG_PATH: missing }), { create: false })).rejects.toThrow(/no such file/);
    expect(fs.existsSync(missing)).toBe(false);
  });
});
