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
