import { describe, expect, it } from 'vitest';
import type { BuildReport } from '../../src/retrieval/types.js';
import { IndexUpdates, type ArticleChange } from '../../src/sources/updates.js';

const report = (n: number): BuildReport => ({ articles: n, passages: n, embedded: 0, reused: 0, removed: 0, skipped: [], ms: 0 });

/** An index whose updates finish when the test says so, recording the change each was given. */
function controlledIndex() {
  const calls: { change: ArticleChange; finish: () => void; fail: (error: Error) => void }[] = [];
  const updates = new IndexUpdates(
    (change) =>
      new Promise<BuildReport>((resolve, reject) => {
        calls.push({ change, finish: () => resolve(report(calls.length)), fail: reject });
      }),
  );
  return { updates, calls };
}

const change = (id: string): ArticleChange => ({ added: [id], changed: [], removed: [] });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('IndexUpdates', () => {
  it('runs one update at a time and coalesces the changes that arrive meanwhile into one more', async () => {
    const { updates, calls } = controlledIndex();
    const first = updates.articlesChanged(change('a'));
    const second = updates.articlesChanged(change('b'));
    const third = updates.articlesChanged({ added: [], changed: ['c'], removed: ['d'] });
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    expect((await first).articles).toBe(1);
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.change).toEqual({ added: ['b'], changed: ['c'], removed: ['d'] });
    // Both waiters get the update that includes their change, not the one already running when they asked.
    calls[1]!.finish();
    expect((await second).articles).toBe(2);
    expect(await third).toBe(await second);
  });

  it('runs the queued update after a failed one, and reports the failure to its own callers only', async () => {
    const { updates, calls } = controlledIndex();
    const first = updates.articlesChanged(change('a'));
    const second = updates.articlesChanged(change('b'));
    calls[0]!.fail(new Error('disk full'));
    await expect(first).rejects.toThrow('disk full');
    await tick();
    calls[1]!.finish();
    expect((await second).articles).toBe(2);
    await updates.idle();
    updates.articlesChanged(change('c'));
    expect(calls).toHaveLength(3);
  });
});
