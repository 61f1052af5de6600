/**
 * Discord drops an interaction that is not acknowledged within 3 seconds of being sent. After this
 * long a search still running is acknowledged first (a "thinking…" state) and its answer edited in
 * later; 1.5 s leaves the other half for network latency both ways.
 */
export const deferAfterMsDefault = 1500;

/**
 * From this many searches already running, an interaction is acknowledged before its own search
 * starts. Part of a search is synchronous (the keyword half), so in a burst each search queues behind
 * the others and the defer timer can only fire once they are done: eight ahead keep that wait well
 * under a second even on the largest index kiji is built for (docs/benchmarks.md).
 */
export const deferWhenBusyDefault = 8;

/**
 * The outcome of `work`, calling `defer` first only if `work` has not settled after `deferAfterMs`.
 * A search takes milliseconds, so the answer nearly always goes out as the interaction's first
 * response: one request instead of a deferral and an edit, one round trip less for the asker, and no
 * edit queued behind discord.js's own limit of 50 requests a second, which interaction callbacks are
 * exempt from (a burst of askers would wait for it). Check `interaction.deferred` to know which
 * way to answer.
 */
export async function deferIfSlow<T>(work: Promise<T>, defer: () => Promise<unknown>, deferAfterMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), deferAfterMs);
  });
  try {
    // Only whether `work` settled in time is decided here; its value or error comes from the await below
    // (the handlers attached here also keep a failure during `defer` from going unhandled).
    const settled = work.then(
      () => false,
      () => false,
    );
    const slow = await Promise.race([settled, late]);
    if (slow) await defer();
    return await work;
  } finally {
    clearTimeout(timer);
  }
}

/** The bot's searches in flight, and when to acknowledge an interaction before answering it. */
export class SearchGate {
  private running = 0;

  constructor(
    readonly deferAfterMs = deferAfterMsDefault,
    readonly deferWhenBusy = deferWhenBusyDefault,
  ) {}

  /**
   * Runs `search` for one interaction: deferred first when `deferWhenBusy` searches are already
   * running, else only if it is slow (`deferIfSlow`). `defer` is called at most once.
   */
  async run<T>(search: () => Promise<T>, defer: () => Promise<unknown>): Promise<T> {
    let deferred = false;
    const deferOnce = async (): Promise<void> => {
      if (deferred) return;
      deferred = true;
      await defer();
    };
    if (this.running >= this.deferWhenBusy) await deferOnce();
    this.running++;
    try {
      return await deferIfSlow(search(), deferOnce, this.deferAfterMs);
    } finally {
      this.running--;
    }
  }
}
