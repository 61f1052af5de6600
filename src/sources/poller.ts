/**
 * Polls each feed on its own interval, one poll of a feed at a time, with exponential backoff and
 * jitter after failures. Time comes from an injectable `Clock`, so tests drive it with a fake one.
 */
import type { FeedConfig } from './feeds-file.js';
import type { FeedPollReport } from './poll.js';

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export const pollerDefaults = {
  /** Longest wait after failures, however many in a row. */
  maxBackoffMs: 24 * 60 * 60 * 1000,
} as const;

/**
 * The wait before the next poll after `failures` failed polls in a row (0: the interval itself).
 * Doubles with each failure up to `maxMs`, then takes a random point in its upper half, so feeds
 * that failed together (a network outage) do not all retry at the same instant.
 *
 * Example: interval 10 min, 3 failures -> between 40 and 80 min.
 */
export function backoffDelay(intervalMs: number, failures: number, random: () => number = Math.random, maxMs: number = pollerDefaults.maxBackoffMs): number {
  if (failures <= 0) return intervalMs;
  const ceiling = Math.min(maxMs, intervalMs * 2 ** Math.min(failures, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export interface PollerOptions {
  poll: (feed: FeedConfig) => Promise<FeedPollReport>;
  onReport?: (report: FeedPollReport) => void | Promise<void>;
  /** A poll that threw (a bug, a disk error): the poller keeps going and backs off. */
  onError?: (feed: FeedConfig, error: unknown) => void;
  clock?: Clock;
  random?: () => number;
  maxBackoffMs?: number;
  /** Milliseconds until a feed's first poll (e.g. from its last poll in the feed state); default 0. */
  firstDelay?: (feed: FeedConfig) => number;
}

interface Scheduled {
  feed: FeedConfig;
  failures: number;
  timer?: unknown;
  running?: Promise<void>;
}

export class Poller {
  private readonly scheduled = new Map<string, Scheduled>();
  private stopped = false;
  private readonly clock: Clock;

  constructor(private readonly options: PollerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Starts (or re-plans) polling of exactly these feeds: new ones are scheduled, removed ones stop. */
  setFeeds(feeds: readonly FeedConfig[]): void {
    const wanted = new Map(feeds.map((f) => [f.url, f]));
    for (const [url, entry] of this.scheduled) {
      if (wanted.has(url)) continue;
      this.clock.clearTimeout(entry.timer);
      this.scheduled.delete(url);
    }
    for (const feed of feeds) {
      const entry = this.scheduled.get(feed.url);
      if (entry) {
        entry.feed = feed;
        continue;
      }
      const fresh: Scheduled = { feed, failures: 0 };
      this.scheduled.set(feed.url, fresh);
      this.schedule(fresh, Math.max(0, this.options.firstDelay?.(feed) ?? 0));
    }
  }

  private schedule(entry: Scheduled, ms: number): void {
    if (this.stopped || this.scheduled.get(entry.feed.url) !== entry) return;
    entry.timer = this.clock.setTimeout(() => {
      entry.running = this.run(entry).finally(() => {
        delete entry.running;
      });
    }, ms);
  }

  private async run(entry: Scheduled): Promise<void> {
    let failed: boolean;
    try {
      const report = await this.options.poll(entry.feed);
      failed = report.status === 'error';
      await this.options.onReport?.(report);
    } catch (error) {
      failed = true;
      this.options.onError?.(entry.feed, error);
    }
    entry.failures = failed ? entry.failures + 1 : 0;
    this.schedule(entry, backoffDelay(entry.feed.intervalMinutes * 60_000, entry.failures, this.options.random, this.options.maxBackoffMs));
  }

  /** Stops scheduling and waits for the polls in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running: Array<Promise<void>> = [];
    for (const entry of this.scheduled.values()) {
      this.clock.clearTimeout(entry.timer);
      if (entry.running) running.push(entry.running);
    }
    await Promise.all(running);
  }
}
