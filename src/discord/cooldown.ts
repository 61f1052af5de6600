/**
 * Per-user pause between questions: a user asking again too soon is told how long to wait rather than
 * queued, so one user cannot fill the bot's queue.
 */
export class Cooldown {
  readonly #last = new Map<string, number>();

  /** `seconds` 0 turns the cooldown off; `now` is injectable for tests. */
  constructor(
    private readonly seconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a question by `userId` if allowed. Returns 0 when allowed, otherwise the whole seconds
   * (at least 1) to wait; a refused attempt does not extend the wait.
   */
  take(userId: string): number {
    if (this.seconds <= 0) return 0;
    const now = this.now();
    const last = this.#last.get(userId);
    const waitMs = last === undefined ? 0 : last + this.seconds * 1000 - now;
    if (waitMs > 0) return Math.ceil(waitMs / 1000);
    this.#last.set(userId, now);
    // Entries past their cooldown are only needed for the comparison above; drop them now and then.
    if (this.#last.size > 1000) {
      for (const [id, at] of this.#last) if (at + this.seconds * 1000 <= now) this.#last.delete(id);
    }
    return 0;
  }
}

/**
 * Button presses per user: `burst` at once, then `perSecond`. Paging through an answer stays free
 * (a reader takes seconds a page), while every press of a user hammering a button would otherwise
 * cost a search; the press past the limit gets a short private note instead.
 */
export const buttonRate = { burst: 4, perSecond: 1 } as const;

/** A token bucket per user (see `buttonRate`), separate from the /ask cooldown so reading an answer's pages never waits on it. */
export class PressLimit {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number = buttonRate.burst,
    private readonly perSecond: number = buttonRate.perSecond,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one press for `userId`: 0 when allowed, otherwise the whole seconds (at least 1) until the next one is. */
  take(userId: string): number {
    const now = this.now();
    const bucket = this.#buckets.get(userId);
    const tokens = bucket === undefined ? this.burst : Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    if (tokens < 1) {
      this.#buckets.set(userId, { tokens, at: now });
      return Math.max(1, Math.ceil((1 - tokens) / this.perSecond));
    }
    this.#buckets.set(userId, { tokens: tokens - 1, at: now });
    // A bucket that has refilled is the same as none; drop those now and then.
    if (this.#buckets.size > 1000) {
      for (const [id, b] of this.#buckets) if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.#buckets.delete(id);
    }
    return 0;
  }
}
