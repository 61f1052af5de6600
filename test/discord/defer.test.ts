import { describe, expect, it, vi } from 'vitest';
import { SearchGate, deferIfSlow } from '../../src/discord/defer.js';

const after = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('deferIfSlow', () => {
  it('returns quick work without deferring', async () => {
    const defer = vi.fn(async () => {});
    await expect(deferIfSlow(Promise.resolve(42), defer, 50)).resolves.toBe(42);
    expect(defer).not.toHaveBeenCalled();
  });

  it('defers slow work once, before its value is returned', async () => {
    const events: string[] = [];
    const work = after(80).then(() => {
      events.push('work done');
      return 'answer';
    });
    const value = await deferIfSlow(work, async () => void events.push('deferred'), 20);
    expect(value).toBe('answer');
    expect(events).toEqual(['deferred', 'work done']);
  });

  it('passes a quick failure on without deferring, and a slow one after deferring', async () => {
    const defer = vi.fn(async () => {});
    await expect(deferIfSlow(Promise.reject(new Error('quick')), defer, 50)).rejects.toThrow('quick');
    expect(defer).not.toHaveBeenCalled();
    const slow = after(60).then(() => Promise.reject(new Error('slow')));
    await expect(deferIfSlow(slow, defer, 10)).rejects.toThrow('slow');
    expect(defer).toHaveBeenCalledTimes(1);
  });

  it('fails with the deferral error when deferring fails, leaving no unhandled rejection behind', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const work = after(40).then(() => Promise.reject(new Error('work failed too')));
      await expect(deferIfSlow(work, () => Promise.reject(new Error('network down')), 5)).rejects.toThrow('network down');
      await after(80);
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('SearchGate', () => {
  it('defers before starting a search while enough others are running, and lets quick lone searches answer directly', async () => {
    const gate = new SearchGate(1000, 2);
    const events: string[] = [];
    const search = (name: string, ms: number) => () => {
      events.push(`start ${name}`);
      return after(ms).then(() => name);
    };
    const defer = (name: string) => async () => void events.push(`defer ${name}`);
    const first = gate.run(search('a', 60), defer('a'));
    const second = gate.run(search('b', 60), defer('b'));
    const third = gate.run(search('c', 10), defer('c'));
    await expect(Promise.all([first, second, third])).resolves.toEqual(['a', 'b', 'c']);
    // Two searches were running when c came: c was acknowledged before its search started.
    expect(events.slice(0, 4)).toEqual(['start a', 'start b', 'defer c', 'start c']);
    expect(events.filter((e) => e.startsWith('defer'))).toEqual(['defer c']);
    // All three finished: a lone quick search is answered directly again.
    const lone = vi.fn(async () => {});
    await gate.run(search('d', 5), lone);
    expect(lone).not.toHaveBeenCalled();
  });

  it('defers a slow search once, and counts a failed search as finished', async () => {
    const gate = new SearchGate(10, 1);
    const defer = vi.fn(async () => {});
    await expect(gate.run(() => after(50).then(() => Promise.reject(new Error('boom'))), defer)).rejects.toThrow('boom');
    expect(defer).toHaveBeenCalledTimes(1);
    const next = vi.fn(async () => {});
    await expect(gate.run(async () => 'quick', next)).resolves.toBe('quick');
    expect(next).not.toHaveBeenCalled();
  });
});
