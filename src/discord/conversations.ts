import type { LoggedTurn } from '../questionlog/question-log.js';

/**
 * A conversation so far: the questions asked in it, oldest first, and the articles its answers cited,
 * newest first, with their titles (which name the conversation's subject, retrieval/conversation-subject.ts).
 */
export interface Conversation {
  earlier: string[];
  citedArticles: string[];
  citedTitles: string[];
}

/** Earlier questions kept per conversation: the query builder uses the newest few only. */
export const earlierKept = 10;
/** Cited articles kept per conversation, most recent first. */
export const citedKept = 20;

/** A conversation read back from the question log (turns oldest first); undefined for none. */
export function conversationFromTurns(turns: readonly LoggedTurn[]): Conversation | undefined {
  if (turns.length === 0) return undefined;
  return {
    earlier: turns.map((turn) => turn.question).slice(-earlierKept),
    citedArticles: [...new Set(turns.toReversed().flatMap((turn) => turn.articleIds))].slice(0, citedKept),
    citedTitles: [...new Set(turns.toReversed().flatMap((turn) => turn.titles))].slice(0, citedKept),
  };
}

/**
 * Conversations in memory, keyed by thread id (or, for private follow-ups, by the id of the answer
 * they follow). Bounded: the least recently used goes first beyond `max`, and one untouched for
 * `ttlMs` is forgotten. One not in memory (forgotten, or the bot restarted) is asked of `restore`
 * (the question log keeps kiji threads); failing that a follow-up rebuilds it from the answer
 * message (its question and citations), which loses only questions asked before that answer.
 */
export class Conversations {
  readonly #entries = new Map<string, Conversation & { at: number }>();

  constructor(
    readonly max = 1000,
    readonly ttlMs = 24 * 3_600_000,
    private readonly now: () => number = Date.now,
    private readonly restore: (key: string) => Conversation | undefined = () => undefined,
  ) {}

  get(key: string): Conversation | undefined {
    const entry = this.#entries.get(key);
    if (entry) this.#entries.delete(key);
    if (!entry || this.now() - entry.at > this.ttlMs) {
      const restored = key ? this.restore(key) : undefined;
      if (restored) this.set(key, restored);
      return restored;
    }
    entry.at = this.now();
    this.#entries.set(key, entry);
    return { earlier: entry.earlier, citedArticles: entry.citedArticles, citedTitles: entry.citedTitles };
  }

  set(key: string, conversation: Conversation): void {
    this.#entries.delete(key);
    this.#entries.set(key, { ...conversation, at: this.now() });
    while (this.#entries.size > this.max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  get size(): number {
    return this.#entries.size;
  }
}
