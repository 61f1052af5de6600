import os from 'node:os';
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { KeywordIndex, type KeywordHit, type SearchPart } from './bm25.js';
import { fromErrorMessage, startThread, toErrorMessage, type ErrorMessage } from '../threads.js';

/**
 * Keyword search split by doc range over threads: the calling thread searches the first range while
 * each worker thread searches one of the others in its own copy of the index (opened on the same
 * file: the OS page cache holds one copy of the postings), and the parts' tops merge into exactly
 * what `KeywordIndex.search` gives (`searchPart`, `mergeParts`). For exact keyword search (no
 * postings budget, `KEYWORD_MAX_POSTINGS=0`): at 1M passages it is most of a search, and in `npm run
 * bench` on 2 cores its p50/p95 went from 19.9/49.3 ms to 13.0/31.1 ms with one thread beside the
 * caller. A budgeted search reads too little for a split to pay (load.ts).
 *
 * A failed or busy-starting thread never fails a search: until a thread is ready, and for good once
 * one fails, its range is searched on the calling thread.
 */

const JOB_KIND = 'kiji-keyword-search-thread';

/**
 * Below this many passages a split does not pay: each half costs 55-70% of the whole search (each
 * part analyses the query and reads list summaries, and small lists are read whole by every part),
 * and the round trip adds to it. Measured on 2 cores, split against unsplit searches alternating in
 * one process: 100k p50 4.65 -> 5.43 ms (slower); 1M p50/p95 21.3/59.1 -> 17.2/38.0 ms. Sizes
 * between were not measured.
 */
export const SPLIT_MIN_PASSAGES = 400_000;
/** At most this many threads beside the calling one (each holds a copy of the index head). */
const MAX_THREADS = 7;

type ThreadData = { kind: typeof JOB_KIND; file: string; maxPostings: number };
type ToThread = { id: number; query: string; k: number; lo: number; hi: number };
type FromThread =
  | { type: 'ready' }
  | ({ type: 'failed' } & ErrorMessage)
  | { type: 'part'; id: number; part: SearchPart }
  | ({ type: 'error'; id: number } & ErrorMessage);

interface Pending {
  resolve: (part: SearchPart) => void;
  reject: (error: Error) => void;
}

/** Threads to split a search of `passages` over on this machine, beside the calling one: 0 for no split. */
export function searchThreadsFor(passages: number, cores = os.availableParallelism()): number {
  return passages < SPLIT_MIN_PASSAGES ? 0 : Math.max(0, Math.min(cores - 1, MAX_THREADS));
}

class SearchThread {
  readonly worker: Worker | undefined;
  ready = false;
  failed: Error | undefined;
  /** Set by `close`: the exit that follows is no failure to report. */
  stopping = false;
  /** Settles once the thread is ready or has failed. */
  readonly started: Promise<void>;
  private markStarted: () => void = () => {};
  private readonly pending = new Map<number, Pending>();
  private lastId = 0;

  constructor(
    file: string,
    maxPostings: number,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    let worker: Worker;
    try {
      worker = startThread(import.meta.url, { kind: JOB_KIND, file, maxPostings } satisfies ThreadData);
    } catch (error) {
      this.fail(new Error(`A keyword search thread could not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      return;
    }
    this.worker = worker;
    // Never keeps the process alive while idle (a query from the command line exits when answered).
    worker.unref();
    worker.on('message', (message: FromThread) => {
      if (message.type === 'ready') {
        this.ready = this.failed === undefined;
        this.markStarted();
        return;
      }
      if (message.type === 'failed') {
        this.fail(new Error(`A keyword search thread could not open the index: ${fromErrorMessage(message).message}`));
        void worker.terminate();
        return;
      }
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.settled(message.id);
      if (message.type === 'part') pending.resolve(message.part);
      else pending.reject(fromErrorMessage(message));
    });
    worker.on('error', (error) => this.fail(new Error(`A keyword search thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.fail(new Error(`A keyword search thread stopped (exit code ${code}).`)));
  }

  search(query: string, k: number, lo: number, hi: number): Promise<SearchPart> {
    const worker = this.worker;
    if (worker === undefined || this.failed) return Promise.reject(this.failed ?? new Error('The keyword search thread never started.'));
    const id = ++this.lastId;
    if (this.pending.size === 0) worker.ref();
    const part = new Promise<SearchPart>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.postMessage({ id, query, k, lo, hi } satisfies ToThread);
    return part;
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private fail(error: Error): void {
    if (this.failed === undefined && !this.stopping) this.onFailure(error);
    this.failed ??= error;
    this.ready = false;
    this.markStarted();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.worker?.unref();
    for (const p of pending) p.reject(this.failed);
  }
}

export class KeywordSearchThreads {
  private readonly threads: SearchThread[];
  private closed = false;

  /**
   * Starts `count` threads, each opening the index at `file` (the file `index` was opened from) with
   * the same `maxPostings`.
   * `onFailure` hears of each thread that could not start or stopped before `close` (searches still
   * answer; that thread's share runs on the calling thread from then on).
   */
  constructor(
    private readonly index: KeywordIndex,
    file: string,
    count: number,
    onFailure: (error: Error) => void = () => {},
  ) {
    this.threads = Array.from({ length: count }, () => new SearchThread(file, index.maxPostings, onFailure));
  }

  /** Threads up and searching (they start in ~0.2-0.5 s; searches meanwhile run on the calling thread). */
  get ready(): number {
    return this.threads.filter((t) => t.ready).length;
  }

  /** Resolves with `ready` once every thread has started or failed. */
  async started(): Promise<number> {
    await Promise.all(this.threads.map((t) => t.started));
    return this.ready;
  }

  /** What `index.search(query, k)` returns, the docs split between this thread and the ready threads. */
  async search(query: string, k: number): Promise<KeywordHit[]> {
    const helpers = this.closed ? [] : this.threads.filter((t) => t.ready);
    if (helpers.length === 0) return this.index.search(query, k);
    const n = this.index.size;
    const parts = helpers.length + 1;
    const cut = (i: number): number => Math.floor((n * i) / parts);
    const remote = helpers.map((thread, i) => {
      const part = thread.search(query, k, cut(i + 1), cut(i + 2));
      // Handled below, but never left unhandled if this thread's own part throws first.
      part.catch(() => {});
      return part;
    });
    const found = [this.index.searchPart(query, k, 0, cut(1))];
    for (const [i, part] of remote.entries()) {
      try {
        found.push(await part);
      } catch {
        // The thread failed or its index could not answer: this thread searches that range, and
        // throws what the index throws (a damaged file) as an unsplit search would.
        found.push(this.index.searchPart(query, k, cut(i + 1), cut(i + 2)));
      }
    }
    return this.index.mergeParts(found, k);
  }

  /** Stops the threads; searches afterwards run on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    for (const thread of this.threads) thread.stopping = true;
    await Promise.all(this.threads.map((t) => t.worker?.terminate()));
  }
}

function runThread({ file, maxPostings }: ThreadData): void {
  let index: KeywordIndex;
  try {
    index = KeywordIndex.open(file);
    index.maxPostings = maxPostings;
  } catch (error) {
    // Unreadable here: the calling thread stops this one and searches every range itself.
    parentPort!.postMessage({ type: 'failed', ...toErrorMessage(error) } satisfies FromThread);
    return;
  }
  parentPort!.on('message', ({ id, query, k, lo, hi }: ToThread) => {
    let message: FromThread;
    try {
      message = { type: 'part', id, part: index.searchPart(query, k, lo, hi) };
    } catch (error) {
      message = { type: 'error', id, ...toErrorMessage(error) };
    }
    parentPort!.postMessage(message);
  });
  parentPort!.postMessage({ type: 'ready' } satisfies FromThread);
}

if (!isMainThread && (workerData as { kind?: unknown } | null)?.kind === JOB_KIND) runThread(workerData as ThreadData);
