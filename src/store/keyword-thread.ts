import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { KeywordIndex } from '../keywords/bm25.js';
import { KeywordAnalyzer, analyzeKeywordDocs, type KeywordAnalysis } from '../keywords/analysis.js';
import type { KeywordDoc } from '../keywords/options.js';
import { fromErrorMessage, startThread, toErrorMessage, type ErrorMessage } from '../threads.js';

/**
 * The keyword index built on a worker thread, so it is built while the build's own thread places
 * vectors rather than after them, and the analysing is shared between the two threads once the
 * vectors are in (`help`).
 * The thread runs the same analysis and layout as `KeywordIndex.build`, so keywords.bin comes out
 * byte for byte as it does inline.
 */

const JOB_KIND = 'kiji-keyword-thread';

/**
 * `shared`: the index of `docs`, analysed from the first document on, a chunk at a time, up to where
 * the `split` cells say the calling thread's share begins. `rest`: the calling thread's analysis of
 * its share, from `from` to the end. Every message carries its build's id: a `rest` or a reply left
 * over from a build that failed is ignored by the next one.
 */
type Job =
  | { kind: typeof JOB_KIND; task: 'shared'; id: number; docs: readonly KeywordDoc[]; split: SharedArrayBuffer }
  | { kind: typeof JOB_KIND; task: 'rest'; id: number; analysis: KeywordAnalysis };

type FromThread =
  | { type: 'done'; id: number; bytes: Uint8Array; avgLengths: number[] }
  | ({ type: 'error'; id: number } & ErrorMessage);

/**
 * The split between the two threads, in a SharedArrayBuffer: a lock word, the first document not yet
 * taken by the keyword thread (it moves up a chunk at a time) and the end of its share (moved down
 * once, by the calling thread's `help`).
 */
const LOCK = 0;
const FRONT = 1;
const BACK = 2;
/** Documents the keyword thread takes at once: small enough to stop near the split, large enough that locking is free. */
const CHUNK = 256;
/** `help` leaves the rest to the keyword thread when its half would be fewer documents than this. */
const MIN_SHARE = 2 * CHUNK;

/** Runs `step` holding the split's lock (held for a few reads and writes: a spin is enough). */
function locked<T>(split: Int32Array, step: () => T): T {
  while (Atomics.compareExchange(split, LOCK, 0, 1) !== 0);
  try {
    return step();
  } finally {
    Atomics.store(split, LOCK, 0);
  }
}

/** The thread itself failed (could not start, crashed, ran out of memory), not the keyword build. */
export class KeywordThreadFailed extends Error {
  override readonly name = 'KeywordThreadFailed';
}

interface Pending {
  id: number;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

/**
 * A thread that builds keyword indexes, one at a time. Taken at the start of a build so its start-up
 * (tsx, the keyword code) overlaps parsing; released at the end, it waits (unref'd, so it
 * never keeps the process alive) for the next build in this process, with its code compiled and ICU's
 * word dictionary loaded, as the build's own thread would have them on a second build.
 */
export class KeywordThread {
  private static idle: KeywordThread | undefined;
  private readonly worker: Worker;
  private pending: Pending | undefined;
  private failed: KeywordThreadFailed | undefined;
  /** Average channel lengths of the last finished build (builds run one at a time). */
  private avgLengths: number[] = [];
  private lastId = 0;

  /** The thread an earlier build in this process released, or a new one. */
  static take(): KeywordThread {
    const idle = KeywordThread.idle;
    KeywordThread.idle = undefined;
    if (idle === undefined) return new KeywordThread();
    idle.worker.ref();
    return idle;
  }

  private constructor() {
    this.worker = startThread(import.meta.url, { kind: JOB_KIND });
    this.worker.on('message', (message: FromThread) => {
      const pending = this.pending;
      if (pending === undefined || message.id !== pending.id) return;
      this.pending = undefined;
      if (message.type === 'done') {
        this.avgLengths = message.avgLengths;
        pending.resolve(message.bytes);
      }
      else pending.reject(fromErrorMessage(message));
    });
    this.worker.on('error', (error) => this.fail(new KeywordThreadFailed(`The keyword index thread failed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => this.fail(new KeywordThreadFailed(`The keyword index thread stopped (exit code ${code}).`)));
  }

  private fail(error: KeywordThreadFailed): void {
    this.failed ??= error;
    if (KeywordThread.idle === this) KeywordThread.idle = undefined;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(this.failed);
  }

  /**
   * Starts building; resolves with `KeywordIndex.build(docs).serialize()`, rejects with the error that
   * throws, or with `KeywordThreadFailed` when the thread itself fails (or was stopped).
   *
   * `help()`, run on the calling thread (synchronously) once it has nothing else to do, takes half of
   * the documents the keyword thread has not begun, from the end, analyses them and hands them over;
   * the keyword thread stops where they begin, merges and lays the index out. Analysing is most of a
   * build, so a build whose own work ends first (few vectors to place) finishes sooner. Without a
   * `help()`, or when few documents are left, the keyword thread does it all. `help()` returns how
   * many documents it analysed; a second one is a no-op.
   */
  build(docs: readonly KeywordDoc[]): { help: () => number; bytes: Promise<Uint8Array>; avgLengths: Promise<number[]> } {
    const id = ++this.lastId;
    const split = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
    split[BACK] = docs.length;
    if (this.pending) throw new Error('KeywordThread: one build at a time');
    const bytes = new Promise<Uint8Array>((resolve, reject) => {
      if (this.failed) reject(this.failed);
      else this.pending = { id, resolve, reject };
    });
    // Never left unhandled when the build stops before asking for the result.
    bytes.catch(() => {});
    // Structured clone of the docs (packing them into one string was slower).
    if (!this.failed) this.worker.postMessage({ kind: JOB_KIND, task: 'shared', id, docs, split: split.buffer as SharedArrayBuffer } satisfies Job);
    let helped = false;
    const help = (): number => {
      if (helped || this.failed) return 0;
      helped = true;
      const share = locked(split, () => {
        const front = split[FRONT] as number;
        const back = split[BACK] as number;
        const from = front + Math.ceil((back - front) / 2);
        if (back - from < MIN_SHARE) return undefined;
        split[BACK] = from;
        return { from, to: back };
      });
      if (share === undefined) return 0;
      const analysis = analyzeKeywordDocs(docs.slice(share.from, share.to), undefined, share.from);
      if (!this.failed) this.worker.postMessage({ kind: JOB_KIND, task: 'rest', id, analysis } satisfies Job, analysisBuffers(analysis));
      return share.to - share.from;
    };
    const avgLengths = bytes.then(() => this.avgLengths);
    // Rejected with `bytes`, whose caller hears of it: never left unhandled.
    avgLengths.catch(() => {});
    return { help, bytes, avgLengths };
  }

  /** Done with it: kept for the next build when healthy and idle (and none is kept yet), else stopped. */
  async release(): Promise<void> {
    if (this.failed === undefined && this.pending === undefined && KeywordThread.idle === undefined) {
      this.worker.unref();
      KeywordThread.idle = this;
      return;
    }
    await this.stop();
  }

  /** Stops the thread (its build, if any, is dropped); resolves once it has exited. */
  async stop(): Promise<void> {
    this.fail(new KeywordThreadFailed('The keyword index thread was stopped.'));
    await this.worker.terminate();
  }
}

/** The typed arrays' buffers, moved rather than copied to the other thread (each array owns its buffer). */
function analysisBuffers(analysis: KeywordAnalysis): ArrayBuffer[] {
  const arrays = [analysis.df, analysis.lengths, analysis.pairTerms, analysis.pairTfs, analysis.docEnds];
  return arrays.map((a) => a.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

function runThread(): void {
  // The keyword thread's part of a build whose calling thread took the rest, waiting for that rest
  // (messages arrive in order, one at a time).
  let waiting: { id: number; analyzer: KeywordAnalyzer } | undefined;
  const reply = (id: number, run: () => KeywordIndex): void => {
    let message: FromThread;
    let transfer: ArrayBuffer[] = [];
    try {
      const index = run();
      const bytes = index.serialize();
      message = { type: 'done', id, bytes, avgLengths: index.avgLengths ?? [] };
      // Moved, not copied, when the bytes are their buffer's only contents (they are: one allocation).
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) transfer = [bytes.buffer];
    } catch (error) {
      message = { type: 'error', id, ...toErrorMessage(error) };
    }
    parentPort!.postMessage(message, transfer);
  };
  parentPort!.on('message', (job: Job) => {
    if (job.task === 'rest') {
      if (waiting?.id !== job.id) return;
      const { analyzer } = waiting;
      waiting = undefined;
      // Appended to this thread's own analysis rather than merged into a copy of both (the largest thing a build holds).
      reply(job.id, () => {
        analyzer.append(job.analysis);
        return KeywordIndex.fromAnalysis(analyzer.finish());
      });
      return;
    }
    waiting = undefined;
    const split = new Int32Array(job.split);
    const analyzer = new KeywordAnalyzer();
    try {
      for (;;) {
        const chunk = locked(split, () => {
          const front = split[FRONT] as number;
          const end = Math.min(split[BACK] as number, front + CHUNK);
          if (front >= end) return undefined;
          split[FRONT] = end;
          return { front, end };
        });
        if (chunk === undefined) break;
        analyzer.add(job.docs, chunk.front, chunk.end);
      }
    } catch (error) {
      reply(job.id, () => {
        throw error;
      });
      return;
    }
    // Final once this thread has reached it: `help` only moves it down past documents not yet taken.
    const back = locked(split, () => split[BACK] as number);
    if (back < job.docs.length) waiting = { id: job.id, analyzer };
    else reply(job.id, () => KeywordIndex.fromAnalysis(analyzer.finish()));
  });
}

if (!isMainThread && (workerData as { kind?: unknown } | null)?.kind === JOB_KIND) runThread();
