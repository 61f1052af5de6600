import { describe, expect, it, vi } from 'vitest';
import { deferIfSlow } from '../../src/discord/defer.js';

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
