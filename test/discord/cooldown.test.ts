import { describe, expect, it } from 'vitest';
import { buttonRate, PressLimit } from '../../src/discord/cooldown.js';

describe('PressLimit', () => {
  it('allows a burst, then one press a second, per user', () => {
    let now = 0;
    const limit = new PressLimit(4, 1, () => now);
    expect(Array.from({ length: 6 }, () => limit.take('a'))).toEqual([0, 0, 0, 0, 1, 1]);
    expect(limit.take('b')).toBe(0);
    now = 500;
    expect(limit.take('a')).toBe(1);
    now = 1000;
    expect(limit.take('a')).toBe(0);
    expect(limit.take('a')).toBe(1);
    now = 60_000;
    expect(Array.from({ length: 5 }, () => limit.take('a'))).toEqual([0, 0, 0, 0, 1]);
  });

  it('defaults to buttonRate', () => {
    const limit = new PressLimit(undefined, undefined, () => 0);
    const allowed = Array.from({ length: 20 }, () => limit.take('a')).filter((wait) => wait === 0);
    expect(allowed).toHaveLength(buttonRate.burst);
  });
});
