import fs from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { KijiError, ErrorCodes, describeError } from '../errors.js';
import type { QuestionLogSettings } from '../config/question-log.js';
import { groupSimilar, normalizeForGrouping } from './grouping.js';
import { migrate, schemaVersion } from './migrations.js';
import { emptyStats, reasonMax, type AskedQuestion, type GapGroup, type LoggedTurn, type QuestionLog, type Stats, type StatsOptions, type Vote } from './question-log.js';

const dayMs = 86_400_000;
/** Unanswered or 👎 questions read for grouping, newest first: bounds the time /stats takes on a busy server. */
const gapRowsMax = 20_000;
const statsDefaults = { topArticles: 5, gaps: 10 } as const;

function unavailable(file: string, reason: string, cause?: unknown): KijiError {
  return new KijiError(ErrorCodes.QUESTION_LOG_UNAVAILABLE, `The question log ${file} cannot be used: ${reason}`, {
    hint: 'Check that its folder is writable, point QUESTION_LOG_PATH at another file, or set QUESTION_LOG=off.',
    ...(cause === undefined ? {} : { cause }),
  });
}

interface Reason {
  id: number;
  reason: string;
  at: number;
}

interface GapRow {
  id: number;
  question: string;
  asked_at: number;
  nothing_relevant: number;
  down: number;
}

/**
 * The question log in one SQLite file (better-sqlite3), in WAL mode: a write is one short transaction,
 * readers (`npm run report` beside the bot) never block it, and a killed process loses nothing it had
 * committed. `synchronous = NORMAL` means a power cut (not a crash) may lose the last few questions,
 * never the file.
 */
export class SqliteQuestionLog implements QuestionLog {
  readonly enabled = true;
  readonly #db: Database.Database;
  readonly #key: string;
  readonly #retentionMs: number;
  readonly #pruneTimer: NodeJS.Timeout;
  readonly #insertQuestion: Database.Statement;
  readonly #insertResult: Database.Statement;
  readonly #upsertArticle: Database.Statement;
  readonly #upsertFeedback: Database.Statement;

  /** Opens (creating when `create`) and migrates the file, then prunes it. */
  constructor(settings: QuestionLogSettings, options: { create?: boolean } = {}) {
    const file = settings.path;
    const create = options.create ?? true;
    if (!create && !fs.existsSync(file)) throw unavailable(file, 'there is no such file (the bot creates it with its first question).');
    try {
      if (create) fs.mkdirSync(path.dirname(file), { recursive: true });
      this.#db = new Database(file, { fileMustExist: !create });
    } catch (error) {
      throw unavailable(file, describeError(error), error);
    }
    try {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('foreign_keys = ON');
      migrate(this.#db, (found) => unavailable(file, `it was written by a newer kiji (schema ${found}; this one knows up to ${schemaVersion}).`));
      this.#key = settings.salt ?? this.#storedKey();
    } catch (error) {
      this.#db.close();
      throw error instanceof KijiError ? error : unavailable(file, describeError(error), error);
    }
    this.#retentionMs = settings.retentionDays * dayMs;
    this.#insertQuestion = this.#db.prepare(
      `INSERT INTO questions (asked_at, guild_id, channel_id, user_hash, question, filters, mode, private, nothing_relevant, latency_ms, conversation, follows)
       VALUES (@at, @guild, @channel, @user, @question, @filters, @mode, @private, @nothing, @latency, @conversation, @follows)`,
    );
    this.#insertResult = this.#db.prepare('INSERT INTO results (question_id, rank, passage_id, article_id, score) VALUES (?, ?, ?, ?, ?)');
    this.#upsertArticle = this.#db.prepare(
      'INSERT INTO articles (article_id, title) VALUES (?, ?) ON CONFLICT (article_id) DO UPDATE SET title = excluded.title',
    );
    this.#upsertFeedback = this.#db.prepare(
      `INSERT INTO feedback (question_id, user_hash, vote, reason, given_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (question_id, user_hash) DO UPDATE SET vote = excluded.vote, reason = excluded.reason, given_at = excluded.given_at`,
    );
    this.prune();
    // Daily, for a bot that runs for weeks; unref'd so it never keeps a process alive.
    this.#pruneTimer = setInterval(() => {
      try {
        this.prune();
      } catch {
        // The next write reports a broken file; pruning again tomorrow is enough.
      }
    }, dayMs).unref();
  }

  /** The HMAC key kept in the database: made once, at the first open. */
  #storedKey(): string {
    this.#db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('user_hash_key', ?)").run(randomBytes(32).toString('hex'));
    return (this.#db.prepare("SELECT value FROM meta WHERE key = 'user_hash_key'").get() as { value: string }).value;
  }

  userHash(userId: string): string {
    return createHmac('sha256', this.#key).update(userId).digest('hex');
  }

  recordQuestion(asked: AskedQuestion): number {
    const write = this.#db.transaction(() => {
      const { lastInsertRowid } = this.#insertQuestion.run({
        at: (asked.at ?? new Date()).getTime(),
        guild: asked.guildId,
        channel: asked.channelId,
        user: this.userHash(asked.userId),
        question: asked.question,
        filters: JSON.stringify(asked.filters ?? {}),
        mode: asked.mode,
        private: asked.private ? 1 : 0,
        nothing: asked.results.length === 0 ? 1 : 0,
        latency: Math.max(0, Math.round(asked.latencyMs)),
        conversation: asked.conversation ?? null,
        follows: asked.follows ?? null,
      });
      const id = Number(lastInsertRowid);
      asked.results.forEach((result, i) => {
        this.#insertResult.run(id, i + 1, result.passageId, result.articleId, result.score);
        if (result.title) this.#upsertArticle.run(result.articleId, result.title);
      });
      return id;
    });
    return write.immediate();
  }

  recordFeedback(questionId: number, userId: string, vote: Vote, reason?: string, at: Date = new Date()): boolean {
    if (!Number.isSafeInteger(questionId)) return false;
    const text = reason?.trim().slice(0, reasonMax) || null;
    const write = this.#db.transaction(() => {
      if (!this.#db.prepare('SELECT 1 FROM questions WHERE id = ?').get(questionId)) return false;
      this.#upsertFeedback.run(questionId, this.userHash(userId), vote === 'up' ? 1 : -1, text, at.getTime());
      return true;
    });
    return write.immediate();
  }

  conversation(key: string, max: number): LoggedTurn[] {
    const read = this.#db.transaction(() => {
      // The newest `max` of the thread, then the question the thread started from (its first follow-up's `follows`).
      const rows = (
        this.#db
          .prepare('SELECT id, question, follows FROM questions WHERE conversation = ? ORDER BY id DESC LIMIT ?')
          .all(key, Math.max(1, max)) as { id: number; question: string; follows: number | null }[]
      ).reverse();
      const start = rows.length > 0 && rows.length < max ? this.#db.prepare('SELECT id, question FROM questions WHERE id = ?').get(rows[0]!.follows) : undefined;
      const turns = [...(start ? [start as { id: number; question: string }] : []), ...rows];
      const cited = this.#db.prepare('SELECT r.article_id, a.title FROM results r LEFT JOIN articles a USING (article_id) WHERE r.question_id = ? ORDER BY r.rank');
      return turns.map((turn) => {
        const rows = cited.all(turn.id) as { article_id: string; title: string | null }[];
        return { question: turn.question, articleIds: rows.map((row) => row.article_id), titles: [...new Set(rows.flatMap((row) => (row.title ? [row.title] : [])))] };
      });
    });
    return read();
  }

  prune(now: Date = new Date()): number {
    const cutoff = now.getTime() - this.#retentionMs;
    return this.#db
      .transaction(() => {
        const { changes } = this.#db.prepare('DELETE FROM questions WHERE asked_at < ?').run(cutoff);
        if (changes > 0) this.#db.prepare('DELETE FROM articles WHERE article_id NOT IN (SELECT article_id FROM results)').run();
        return changes;
      })
      .immediate();
  }

  stats(options: StatsOptions): Stats {
    const now = options.now ?? new Date();
    const stats = emptyStats(options.days, now);
    const since = now.getTime() - options.days * dayMs;
    const until = now.getTime();
    // A server's admins see their own server's questions only.
    const window = { since, until, guild: options.guildId ?? null };
    const read = this.#db.transaction(() => {
      const counts = this.#db
        .prepare(
          `SELECT count(*) AS asked, coalesce(sum(1 - nothing_relevant), 0) AS answered
           FROM questions q WHERE q.asked_at >= @since AND q.asked_at <= @until AND (@guild IS NULL OR q.guild_id = @guild)`,
        )
        .get(window) as { asked: number; answered: number };
      const votes = this.#db
        .prepare(
          `SELECT coalesce(sum(f.vote = 1), 0) AS up, coalesce(sum(f.vote = -1), 0) AS down
           FROM feedback f JOIN questions q ON q.id = f.question_id
           WHERE q.asked_at >= @since AND q.asked_at <= @until AND (@guild IS NULL OR q.guild_id = @guild)`,
        )
        .get(window) as { up: number; down: number };
      const articles = this.#db
        .prepare(
          `SELECT r.article_id AS articleId, a.title AS title, count(DISTINCT r.question_id) AS questions
           FROM results r JOIN questions q ON q.id = r.question_id LEFT JOIN articles a ON a.article_id = r.article_id
           WHERE q.asked_at >= @since AND q.asked_at <= @until AND (@guild IS NULL OR q.guild_id = @guild)
           GROUP BY r.article_id ORDER BY questions DESC, r.article_id LIMIT @limit`,
        )
        .all({ ...window, limit: options.topArticles ?? statsDefaults.topArticles }) as { articleId: string; title: string | null; questions: number }[];
      const gapRows = this.#db
        .prepare(
          `SELECT q.id, q.question, q.asked_at, q.nothing_relevant,
                  (SELECT count(*) FROM feedback f WHERE f.question_id = q.id AND f.vote = -1) AS down
           FROM questions q
           WHERE q.asked_at >= @since AND q.asked_at <= @until AND (@guild IS NULL OR q.guild_id = @guild)
             AND (q.nothing_relevant = 1 OR EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id AND f.vote = -1))
           ORDER BY q.asked_at DESC LIMIT @limit`,
        )
        .all({ ...window, limit: gapRowsMax }) as GapRow[];
      const reasons = this.#db
        .prepare(
          `SELECT f.question_id AS id, f.reason AS reason, f.given_at AS at
           FROM feedback f JOIN questions q ON q.id = f.question_id
           WHERE q.asked_at >= @since AND q.asked_at <= @until AND (@guild IS NULL OR q.guild_id = @guild) AND f.vote = -1 AND f.reason IS NOT NULL`,
        )
        .all(window) as Reason[];
      return { counts, votes, articles, gapRows, reasons };
    });
    const { counts, votes, articles, gapRows, reasons } = read();
    stats.asked = counts.asked;
    stats.answered = counts.answered;
    stats.votes = votes;
    stats.topArticles = articles.map(({ articleId, title, questions }) => {
      const current = options.titleOf?.(articleId) ?? title ?? undefined;
      return { articleId, ...(current ? { title: current } : {}), questions };
    });
    stats.gaps = gapGroups(gapRows, reasons).slice(0, options.gaps ?? statsDefaults.gaps);
    return stats;
  }

  close(): void {
    clearInterval(this.#pruneTimer);
    if (this.#db.open) this.#db.close();
  }
}

/** The same question written the same way (after normalization), with how often each wording was used. */
interface Form {
  wordings: Map<string, number>;
  times: number;
  unanswered: number;
  down: number;
  reasons: Reason[];
  lastAsked: number;
}

/**
 * Unanswered or 👎 questions grouped when they ask the same thing: identical wordings first (cheap),
 * then near-duplicates (grouping.ts), the most asked wording leading. Most asked groups first.
 */
function gapGroups(rows: readonly GapRow[], reasons: readonly Reason[]): GapGroup[] {
  const reasonsOf = new Map<number, Reason[]>();
  for (const reason of reasons) reasonsOf.set(reason.id, [...(reasonsOf.get(reason.id) ?? []), reason]);
  const forms = new Map<string, Form>();
  for (const row of rows) {
    const key = normalizeForGrouping(row.question);
    let form = forms.get(key);
    if (!form) {
      form = { wordings: new Map(), times: 0, unanswered: 0, down: 0, reasons: [], lastAsked: row.asked_at };
      forms.set(key, form);
    }
    form.wordings.set(row.question, (form.wordings.get(row.question) ?? 0) + 1);
    form.times++;
    form.unanswered += row.nothing_relevant;
    form.down += row.down;
    form.reasons.push(...(reasonsOf.get(row.id) ?? []));
    form.lastAsked = Math.max(form.lastAsked, row.asked_at);
  }
  const byFrequency = [...forms.values()].sort((a, b) => b.times - a.times || b.lastAsked - a.lastAsked);
  const groups = groupSimilar(byFrequency, (form) => mostUsed(form.wordings)[0]!);
  return groups
    .map((members) => {
      const wordings = new Map<string, number>();
      for (const form of members) for (const [text, n] of form.wordings) wordings.set(text, (wordings.get(text) ?? 0) + n);
      const [question, ...variants] = [mostUsed(members[0]!.wordings)[0]!, ...mostUsed(wordings)].filter((text, i, all) => all.indexOf(text) === i);
      return {
        question: question!,
        times: sumOf(members, 'times'),
        unanswered: sumOf(members, 'unanswered'),
        down: sumOf(members, 'down'),
        variants: variants.slice(0, 3),
        reasons: members
          .flatMap((form) => form.reasons)
          .sort((a, b) => b.at - a.at)
          .slice(0, 5)
          .map((reason) => reason.reason),
        lastAsked: new Date(Math.max(...members.map((form) => form.lastAsked))).toISOString(),
      };
    })
    .sort((a, b) => b.times - a.times || b.down - a.down || b.lastAsked.localeCompare(a.lastAsked));
}

function mostUsed(counts: Map<string, number>): string[] {
  return [...counts].sort((a, b) => b[1] - a[1]).map(([text]) => text);
}

function sumOf(forms: readonly Form[], field: 'times' | 'unanswered' | 'down'): number {
  return forms.reduce((total, form) => total + form[field], 0);
}
