import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/sources/feeds-file.js';
import type { FeedPollReport } from '../../src/sources/poll.js';
import { backoffDelay, Poller, type Clock } from '../../src/sources/poller.js';

/** A clock whose time moves only when the test says so; due timers run in order. */
class FakeClock implements Clock {
  private time = 0;
  private timers: Array<{ at: number; callback: () => void; id: number }> = [];
  private nextId = 1;
  now = (): number => this.time;
  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, callback, id });
    return id;
  };
  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  /** Moves time forward by `ms`, running each timer that falls due (and letting the polls it starts settle). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await flush();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const MIN = 60_000;
const feed = (url: string, intervalMinutes: number): FeedConfig => ({ url, intervalMinutes, fetchFullText: true });
const report = (url: string, status: FeedPollReport['status']): FeedPollReport => ({ feed: url, source: 's', status, items: [], pagesFetched: 0 });

describe('Poller', () => {
  it('polls each feed at once, then every interval', async () => {
    const clock = new FakeClock();
    const polls: Array<[string, number]> = [];
    const poller = new Poller({
      clock,
      poll: async (f) => {
        polls.push([f.url, clock.now() / MIN]);
        return report(f.url, 'ok');
      },
    });
    poller.setFeeds([feed('a', 10), feed('b', 25)]);
    await clock.advance(60 * MIN);
    expect(polls.filter(([u]) => u === 'a').map(([, t]) => t)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(polls.filter(([u]) => u === 'b').map(([, t]) => t)).toEqual([0, 25, 50]);
    await poller.stop();
    await clock.advance(60 * MIN);
    expect(polls).toHaveLength(10);
  });

  it('backs off exponentially after errors and returns to the interval after a success', async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    let failing = 3;
    const poller = new Poller({
      clock,
      random: () => 1,
      poll: async (f) => {
        times.push(clock.now() / MIN);
        return report(f.url, failing-- > 0 ? 'error' : 'ok');
      },
    });
    poller.setFeeds([feed('a', 10)]);
    await clock.advance(200 * MIN);
    // Fails at 0, 20, 60; then waits 80 (2^3 x 10) and succeeds at 140; then every 10.
    expect(times.slice(0, 6)).toEqual([0, 20, 60, 140, 150, 160]);
    await poller.stop();
  });

  it('keeps polling after a poll throws, and never runs two polls of one feed at once', async () => {
    const clock = new FakeClock();
    let running = 0;
    let most = 0;
    const errors: unknown[] = [];
    let calls = 0;
    const poller = new Poller({
      clock,
      random: () => 0,
      onError: (_f, e) => errors.push(e),
      poll: async (f) => {
        calls++;
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 15 * MIN));
        running--;
        if (calls === 1) throw new Error('disk full');
        return report(f.url, 'ok');
      },
    });
    poller.setFeeds([feed('a', 10)]);
    await clock.advance(120 * MIN);
    expect(errors).toHaveLength(1);
    expect(calls).toBeGreaterThan(2);
    expect(most).toBe(1);
    await poller.stop();
  });

  it('stops polling a feed removed from the list and starts a new one', async () => {
    const clock = new FakeClock();
    const polled: string[] = [];
    const poller = new Poller({ clock, poll: async (f) => (polled.push(f.url), report(f.url, 'ok')) });
    poller.setFeeds([feed('a', 10)]);
    await clock.advance(5 * MIN);
    poller.setFeeds([feed('b', 10)]);
    await clock.advance(30 * MIN);
    expect(polled.filter((u) => u === 'a')).toHaveLength(1);
    expect(polled.filter((u) => u === 'b')).toHaveLength(4);
    await poller.stop();
  });
});

describe('backoffDelay', () => {
  it.each([
    [0, 0.5, 10 * MIN],
    [1, 0, 10 * MIN],
    [1, 1, 20 * MIN],
    [3, 0, 40 * MIN],
    [3, 1, 80 * MIN],
    [40, 1, 24 * 60 * MIN],
  ])('after %i failures with random %f waits %i ms', (failures, random, expected) => {
    expect(backoffDelay(10 * MIN, failures, () => random)).toBe(expected);
  });
});
