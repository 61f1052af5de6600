import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeywordIndex } from '../../src/keywords/bm25.js';
import { KeywordSearchThreads, SPLIT_MIN_PASSAGES, searchThreadsFor } from '../../src/keywords/search-threads.js';
import { channels, randomCorpus } from './random-corpus.js';

/** The index in `file`, read as needed, with no postings budget: splits are for exact searches. */
function openExact(file: string): KeywordIndex {
  const index = KeywordIndex.open(file, 0);
  index.maxPostings = Infinity;
  return index;
}

/** Waits for the threads to start, failing unless `count` are ready. */
async function readyThreads(threads: KeywordSearchThreads, count: number): Promise<void> {
  expect(await threads.started()).toBe(count);
}

describe('keyword search split over threads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-threads-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Large enough that each range is searched by the pruned path (more than one 32k window).
  const corpus = randomCorpus(2, 70_000, 40);
  const file = path.join(dir, 'keywords.bin');
  fs.writeFileSync(file, KeywordIndex.build(corpus.docs, { channels }).serialize());

  it('answers exactly as one thread does, with one and with two threads beside the caller', async () => {
    const index = openExact(file);
    for (const count of [1, 2]) {
      const threads = new KeywordSearchThreads(index, file, count);
      try {
        await readyThreads(threads, count);
        for (const k of [1, 10, 50]) {
          // Several at once, as the bot's askers come: replies must not cross.
          const queries = corpus.queries.slice(0, 16);
          const answers = await Promise.all(queries.map((q) => threads.search(q, k)));
          answers.forEach((answer, i) => expect(answer, `${queries[i]} (k ${k}, ${count} threads)`).toEqual(index.search(queries[i] as string, k)));
        }
      } finally {
        await threads.close();
      }
    }
    index.close();
  });

  it('searches within the index\'s postings budget in every thread', async () => {
    // Each part is rescored on its own thread, so the answer is what the parts give merged here.
    const index = KeywordIndex.open(file, 0);
    index.maxPostings = 5_000;
    const threads = new KeywordSearchThreads(index, file, 1);
    try {
      await readyThreads(threads, 1);
      const half = Math.floor(index.size / 2);
      for (const query of corpus.queries.slice(0, 8)) {
        const parts = [index.searchPart(query, 10, 0, half), index.searchPart(query, 10, half, index.size)];
        expect(await threads.search(query, 10), query).toEqual(index.mergeParts(parts, 10));
      }
      // Guards the check above: a thread with no budget would answer otherwise.
      const query = corpus.queries[0] as string;
      index.maxPostings = Infinity;
      const exactParts = [index.searchPart(query, 10, 0, half), index.searchPart(query, 10, half, index.size)];
      index.maxPostings = 5_000;
      const budgeted = [index.searchPart(query, 10, 0, half), index.searchPart(query, 10, half, index.size)];
      expect(index.mergeParts(exactParts, 10)).not.toEqual(index.mergeParts(budgeted, 10));
    } finally {
      await threads.close();
      index.close();
    }
  });

  it('answers on the calling thread while threads start, after one stops, and once closed', async () => {
    const index = openExact(file);
    const query = corpus.queries[0] as string;
    const want = index.search(query, 20);
    const failures: string[] = [];
    const threads = new KeywordSearchThreads(index, file, 2, (error) => failures.push(error.message));
    expect(await threads.search(query, 20)).toEqual(want);
    await readyThreads(threads, 2);
    // A thread gone mid-service (as after a crash): its range is searched here, and it is reported.
    await (threads as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }).threads[0]!.worker.terminate();
    expect(threads.ready).toBe(1);
    expect(failures).toEqual([expect.stringContaining('stopped')]);
    expect(await threads.search(query, 20)).toEqual(want);
    await threads.close();
    expect(await threads.search(query, 20)).toEqual(want);
    // Stopping them on purpose is no failure.
    expect(failures).toHaveLength(1);
    index.close();
  });

  it('answers when no thread can open the index', async () => {
    const index = openExact(file);
    const failures: Error[] = [];
    const threads = new KeywordSearchThreads(index, path.join(dir, 'missing.bin'), 1, (error) => failures.push(error));
    // The thread ends at start-up.
    expect(await threads.started()).toBe(0);
    expect(failures.map((e) => e.message)).toEqual([expect.stringMatching(/could not open the index: .*missing\.bin/)]);
    expect(await threads.search(corpus.queries[1] as string, 10)).toEqual(index.search(corpus.queries[1] as string, 10));
    await threads.close();
    index.close();
  });

  it('lets a process exit once its searches are answered, and answers where no thread can start', () => {
    // Idle threads must not keep a command-line query alive; a thread busy with a search must.
    const src = path.resolve('src/keywords');
    const script = `
      import { KeywordIndex } from ${JSON.stringify(path.join(src, 'bm25.ts'))};
      import { KeywordSearchThreads } from ${JSON.stringify(path.join(src, 'search-threads.ts'))};
      const index = KeywordIndex.open(${JSON.stringify(file)}, 0);
      index.maxPostings = Infinity;
      const threads = new KeywordSearchThreads(index, ${JSON.stringify(file)}, 1);
      const started = await threads.started();
      const hits = await threads.search(${JSON.stringify(corpus.queries[2])}, 5);
      console.log(JSON.stringify({ started, hits }));
    `;
    const index = openExact(file);
    const want = index.search(corpus.queries[2] as string, 5);
    index.close();
    const run = (flags: string[]) => JSON.parse(execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 }));
    expect(run([])).toEqual({ started: 1, hits: want });
    // A module-type -e script with a process-wide flag: the thread (CommonJS, without --input-type)
    // cannot be given the parent's other flags, so Worker throws; the search runs here instead.
    expect(run(['--expose-gc'])).toEqual({ started: 0, hits: want });
  });

  it('splits only large indexes, over the cores beside the calling one', () => {
    expect(searchThreadsFor(SPLIT_MIN_PASSAGES - 1, 8)).toBe(0);
    expect(searchThreadsFor(SPLIT_MIN_PASSAGES, 1)).toBe(0);
    expect(searchThreadsFor(SPLIT_MIN_PASSAGES, 2)).toBe(1);
    expect(searchThreadsFor(1_000_000, 64)).toBe(7);
  });
});
