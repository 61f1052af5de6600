import { describe, expect, it } from 'vitest';
import type { BuildReport } from '../../src/retrieval/types.js';
import { IndexUpdates, type ArticleChange } from '../../src/sources/updates.js';
import type { Article } from '../../src/articles/article.js';
import type { IndexChange } from '../../src/index-types.js';

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

describe('IndexUpdates.segmented', () => {
  const article = (id: string): Article => ({ id, title: id, sourcePath: 'x.jsonl', paragraphs: [{ text: `${id} の本文です。` }] });

  it('hands the applier the changed articles read by id only, and applies an id no longer stored as removed', async () => {
    const applied: IndexChange[] = [];
    const asked: string[][] = [];
    const stored = new Map([['a', article('a')], ['b', article('b')]]);
    const updates = IndexUpdates.segmented(
      { applyChange: async (c) => (applied.push(c), report(1)) },
      (ids) => (asked.push([...ids]), ids.flatMap((id) => (stored.has(id) ? [stored.get(id)!] : []))),
    );
    const given = article('c');
    await updates.articlesChanged({ added: ['a', 'c', 'gone'], changed: ['b'], removed: ['x'], articles: [given] });
    expect(asked).toEqual([['a', 'gone', 'b']]);
    expect(applied).toEqual([{ articles: [stored.get('a'), given, stored.get('b')], removed: ['x', 'gone'] }]);
  });
});
