import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { KeywordIndex, analyzeKeywordDocs, mergeKeywordAnalyses, type KeywordAnalysis, type KeywordDoc } from '../keywords/bm25.js';
import { KijiError, type ErrorCode } from '../errors.js';

/**
 * The keyword index built on a worker thread, so it runs on the second core while the build's own
 * thread inserts vectors (hnswlib-node's addPoint is synchronous: the two used to run one after
 * the other, and the keyword index took longer than the inserts). The thread runs the very same
 * `KeywordIndex.build`, so keywords.bin comes out byte for byte as it does inline.
 *
 * On Node 20 a worker thread does not inherit tsx's loader (`--import tsx` does not reach it), so
 * when this file is TypeScript (tsx in dev and in `npm start`, vitest in the tests) the thread
 * registers tsx's require hook and loads it through that; compiled to JavaScript, it starts from
 * this file directly.
 */

const JOB_KIND = 'kiji-keyword-thread';

/**
 * `build`: the whole index from `docs`. `first-half`: the analysis of `docs` is kept until a
 * `second-half` message brings the analysis of the documents after them; both then become the index.
 */
type Job =
  | { kind: typeof JOB_KIND; task: 'build' | 'first-half'; docs: readonly KeywordDoc[] }
  | { kind: typeof JOB_KIND; task: 'second-half'; analysis: KeywordAnalysis };

type FromThread =
  | { type: 'done'; bytes: Uint8Array }
  | { type: 'error'; name: string; message: string; code?: ErrorCode; hint?: string; stack?: string };

/** The thread itself failed (could not start, crashed, ran out of memory), not the keyword build. */
export class KeywordThreadFailed extends Error {
  override readonly name = 'KeywordThreadFailed';
}

interface Pending {
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

/**
 * A thread that builds keyword indexes, one at a time. Taken at the start of a build so its start-up
 * (~0.15 s: tsx, the keyword code) overlaps parsing; released at the end, it waits (unref'd, so it
 * never keeps the process alive) for the next build in this process, with its code compiled and ICU's
 * word dictionary loaded, as the build's own thread would have them on a second build.
 */
export class KeywordThread {
  private static idle: KeywordThread | undefined;
  private readonly worker: Worker;
  private pending: Pending | undefined;
  private failed: KeywordThreadFailed | undefined;

  /** The thread an earlier build in this process released, or a new one. */
  static take(): KeywordThread {
    const idle = KeywordThread.idle;
    KeywordThread.idle = undefined;
    if (idle === undefined) return new KeywordThread();
    idle.worker.ref();
    return idle;
  }

  private constructor() {
    this.worker = startThread();
    this.worker.on('message', (message: FromThread) => {
      const pending = this.pending;
      this.pending = undefined;
      if (message.type === 'done') pending?.resolve(message.bytes);
      else pending?.reject(rebuildError(message));
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
   */
  build(docs: readonly KeywordDoc[]): Promise<Uint8Array> {
    // Structured clone of the docs: ~30 ms at 10k passages (packing them into one string was slower).
    return this.start({ kind: JOB_KIND, task: 'build', docs });
  }

  /** Posts the job that opens a build and returns the promise of its bytes. */
  private start(job: Job): Promise<Uint8Array> {
    if (this.pending) throw new Error('KeywordThread: one build at a time');
    const result = new Promise<Uint8Array>((resolve, reject) => {
      if (this.failed) reject(this.failed);
      else this.pending = { resolve, reject };
    });
    // Never left unhandled when the build stops before asking for the result.
    result.catch(() => {});
    if (!this.failed) this.worker.postMessage(job);
    return result;
  }

  /**
   * `build`, with the analysing (most of a build) shared with the calling thread when it has nothing
   * else to do: this thread analyses `docs.slice(0, half)` while the caller analyses the rest with
   * `analyzeSecondHalf` (synchronously, on its own thread), then lays the index out.
   */
  buildInHalves(docs: readonly KeywordDoc[]): { analyzeSecondHalf: () => void; bytes: Promise<Uint8Array> } {
    const half = Math.ceil(docs.length / 2);
    const bytes = this.start({ kind: JOB_KIND, task: 'first-half', docs: docs.slice(0, half) });
    let sent = false;
    const analyzeSecondHalf = (): void => {
      if (sent) return;
      sent = true;
      const analysis = analyzeKeywordDocs(docs.slice(half), undefined, half);
      if (!this.failed) this.worker.postMessage({ kind: JOB_KIND, task: 'second-half', analysis } satisfies Job, analysisBuffers(analysis));
    };
    return { analyzeSecondHalf, bytes };
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

function startThread(): Worker {
  const file = fileURLToPath(import.meta.url);
  const data = { kind: JOB_KIND };
  if (!file.endsWith('.ts')) return new Worker(file, { workerData: data });
  // tsx's require hook, registered in the thread itself: synchronous and in-thread, it starts in
  // ~0.15 s, where `tsImport` (an ESM loader, which Node 20 runs on a hooks thread of its own) took
  // ~0.5 s of CPU. Resolved here: eval'd code has no module of its own to resolve `tsx` from.
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`;
  return new Worker(code, { eval: true, workerData: data });
}

function rebuildError(message: Extract<FromThread, { type: 'error' }>): Error {
  const error = message.code
    ? new KijiError(message.code, message.message, message.hint !== undefined ? { hint: message.hint } : {})
    : Object.assign(new Error(message.message), { name: message.name });
  if (message.stack) error.stack = message.stack;
  return error;
}

/** The typed arrays' buffers, moved rather than copied to the other thread (each array owns its buffer). */
function analysisBuffers(analysis: KeywordAnalysis): ArrayBuffer[] {
  const arrays = [analysis.df, analysis.lengths, analysis.pairTerms, analysis.pairTfs, analysis.pairHeadingTfs, analysis.docEnds];
  return arrays.map((a) => a.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

function runThread(): void {
  // A first half's analysis, waiting for the second half's (messages arrive in order, one at a time).
  let firstHalf: KeywordAnalysis | undefined;
  parentPort!.on('message', (job: Job) => {
    let reply: FromThread;
    let transfer: ArrayBuffer[] = [];
    try {
      if (job.task === 'first-half') {
        firstHalf = analyzeKeywordDocs(job.docs);
        return;
      }
      let index: KeywordIndex;
      if (job.task === 'second-half') {
        if (firstHalf === undefined) throw new Error('keyword thread: a second half arrived without a first');
        const merged = mergeKeywordAnalyses(firstHalf, job.analysis);
        firstHalf = undefined;
        index = KeywordIndex.fromAnalysis(merged);
      } else {
        index = KeywordIndex.build(job.docs as KeywordDoc[]);
      }
      const bytes = index.serialize();
      reply = { type: 'done', bytes };
      // Moved, not copied, when the bytes are their buffer's only contents (they are: one allocation).
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) transfer = [bytes.buffer];
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      reply = {
        type: 'error',
        name: e.name,
        message: e.message,
        ...(e instanceof KijiError ? { code: e.code, ...(e.hint !== undefined ? { hint: e.hint } : {}) } : {}),
        ...(e.stack ? { stack: e.stack } : {}),
      };
    }
    parentPort!.postMessage(reply, transfer);
  });
}

if (!isMainThread && (workerData as { kind?: unknown } | null)?.kind === JOB_KIND) runThread();
