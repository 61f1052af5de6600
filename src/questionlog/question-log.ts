import type { SearchResult } from '../retrieval/types.js';

/**
 * The question log: what readers asked, what they were shown and what they thought of it, for the
 * server admins' knowledge-gap view (/stats, `npm run report`). The interface knows nothing of
 * SQLite; `openQuestionLog` (open.ts) picks the implementation.
 */

/** One passage an answer cited, as the log keeps it. */
export interface CitedPassage {
  passageId: string;
  articleId: string;
  /** The article's title when asked, so reports name articles even after they left the index. */
  title?: string;
  score: number;
}

/** The passages of a search response as the log keeps them. */
export function citedPassages(results: readonly SearchResult[]): CitedPassage[] {
  return results.map(({ passage, score }) => ({ passageId: passage.id, articleId: passage.articleId, title: passage.title, score }));
}

/** One answered /ask (or follow-up), as the bot hands it to the log. */
export interface AskedQuestion {
  /** Default: now. */
  at?: Date;
  guildId: string | null;
  channelId: string | null;
  /** The asker's Discord user id. Only its keyed hash is stored (see `userHash`), never the id. */
  userId: string;
  /** The question as searched. */
  question: string;
  /** Filters the search applied (source, dates…), as JSON; `{}` for none. */
  filters?: Record<string, unknown>;
  /** The search mode that answered (`hybrid`, `keyword`, `vector`). */
  mode: string;
  /** The answer was shown to the asker only. */
  private?: boolean;
  /** The passages shown, best first; empty when nothing relevant was found. */
  results: readonly CitedPassage[];
  /** From the interaction's arrival to the answer sent. */
  latencyMs: number;
  /** The kiji thread the question was asked in, as one more question of its conversation. */
  conversation?: string;
  /** The logged question whose answer this follow-up followed (its Follow up button). */
  follows?: number;
}

/** One question of a logged conversation and the articles its answer cited, best first. */
export interface LoggedTurn {
  question: string;
  articleIds: string[];
  /** Titles of those articles as last seen, each once. */
  titles: string[];
}

export type Vote = 'up' | 'down';

export interface StatsOptions {
  /** The window: questions asked in the last `days` days (1-3650). */
  days: number;
  /** End of the window; default now. */
  now?: Date;
  /** Only questions asked in this Discord server; every server's when absent (the terminal report). */
  guildId?: string;
  /** The current title of an article, preferred to the title stored when it was cited. */
  titleOf?: (articleId: string) => string | undefined;
  /** Most cited articles listed (default 5). */
  topArticles?: number;
  /** Groups of unanswered or 👎 questions listed (default 10). */
  gaps?: number;
}

export interface ArticleCount {
  articleId: string;
  title?: string;
  /** Questions whose answer cited the article. */
  questions: number;
}

/** Questions that asked the same thing (see grouping.ts) and were left unanswered or got a 👎. */
export interface GapGroup {
  /** The most frequent wording of the group's most frequent question. */
  question: string;
  /** How many times it was asked (every wording). */
  times: number;
  /** Of those, how many found nothing relevant. */
  unanswered: number;
  /** 👎 votes on those questions. */
  down: number;
  /** Other wordings, most frequent first (at most 3). */
  variants: string[];
  /** Reasons given with the 👎 votes, newest first (at most 5). */
  reasons: string[];
  /** ISO time of the latest time it was asked. */
  lastAsked: string;
}

export interface Stats {
  days: number;
  /** ISO times of the window's start and end. */
  since: string;
  until: string;
  /** Questions asked in the window. */
  asked: number;
  /** Of those, how many got at least one relevant passage. */
  answered: number;
  /** Votes on the questions asked in the window (one per user and question: the last click). */
  votes: { up: number; down: number };
  topArticles: ArticleCount[];
  gaps: GapGroup[];
}

export interface QuestionLog {
  /** false for the log that `QUESTION_LOG=off` gives: it records nothing. */
  readonly enabled: boolean;
  /** Stores one question with its results; returns its id (for feedback buttons), undefined when the log is off. */
  recordQuestion(question: AskedQuestion): number | undefined;
  /**
   * Stores a user's vote on a question, replacing that user's earlier vote and reason on it (the last
   * click wins). `userId` is hashed as in `recordQuestion`. Returns false when the question is not in
   * the log (pruned, or another database) or the log is off.
   */
  recordFeedback(questionId: number, userId: string, vote: Vote, reason?: string, at?: Date): boolean;
  stats(options: StatsOptions): Stats;
  /**
   * The conversation of kiji thread `key` as logged, oldest first: the question its first follow-up
   * followed, then every question asked in the thread (at most the last `max`). Empty when the log
   * holds none of it (off, pruned, or not a kiji thread).
   */
  conversation(key: string, max: number): LoggedTurn[];
  /** The stored form of a user id: HMAC-SHA256 with the log's key, hex. */
  userHash(userId: string): string;
  /** Deletes questions older than the retention; returns how many. Also runs at open and daily. */
  prune(now?: Date): number;
  close(): void;
}

/** The most a 👎 reason keeps: the modal allows less, and the log is no place for essays. */
export const reasonMax = 1000;

/** The log of `QUESTION_LOG=off`: records nothing, and its stats are empty. */
export function disabledQuestionLog(): QuestionLog {
  return {
    enabled: false,
    recordQuestion: () => undefined,
    recordFeedback: () => false,
    stats: (options) => emptyStats(options.days, options.now ?? new Date()),
    conversation: () => [],
    userHash: () => '',
    prune: () => 0,
    close: () => {},
  };
}

export function emptyStats(days: number, now: Date): Stats {
  return {
    days,
    since: new Date(now.getTime() - days * 86_400_000).toISOString(),
    until: now.toISOString(),
    asked: 0,
    answered: 0,
    votes: { up: 0, down: 0 },
    topArticles: [],
    gaps: [],
  };
}

/**
 * `log` whose recording never throws: a failed write (disk full, file removed) goes to `onError` and
 * is otherwise ignored, so a reader still gets the answer. Nor does reading a conversation back (the
 * follow-up is then searched without its earlier questions); reading stats still throws.
 */
export function recordingNeverThrows(log: QuestionLog, onError: (error: unknown) => void): QuestionLog {
  return {
    get enabled() {
      return log.enabled;
    },
    recordQuestion(question) {
      try {
        return log.recordQuestion(question);
      } catch (error) {
        onError(error);
        return undefined;
      }
    },
    recordFeedback(...args) {
      try {
        return log.recordFeedback(...args);
      } catch (error) {
        onError(error);
        return false;
      }
    },
    stats: (options) => log.stats(options),
    conversation(key, max) {
      try {
        return log.conversation(key, max);
      } catch (error) {
        onError(error);
        return [];
      }
    },
    userHash: (userId) => log.userHash(userId),
    prune: (now) => log.prune(now),
    close: () => log.close(),
  };
}
