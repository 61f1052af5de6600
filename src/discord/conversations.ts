/** A conversation so far: the questions asked in it, oldest first, and the articles its answers cited, newest first. */
export interface Conversation {
  earlier: string[];
  citedArticles: string[];
}

/**
 * Conversations in memory, keyed by thread id (or, for private follow-ups, by the id of the answer
 * they follow). Bounded: the least recently used goes first beyond `max`, and one untouched for
 * `ttlMs` is forgotten; a forgotten one is rebuilt from the answer message (its question and
 * citations), which loses only questions asked before that answer.
 */
export class Conversations {
  readonly #entries = new Map<string, Conversation & { at: number }>();

  constructor(
    readonly max = 1000,
    readonly ttlMs = 24 * 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Conversation | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (this.now() - entry.at > this.ttlMs) return undefined;
    entry.at = this.now();
    this.#entries.set(key, entry);
    return { earlier: entry.earlier, citedArticles: entry.citedArticles };
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
