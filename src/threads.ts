import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { KijiError, type ErrorCode } from './errors.js';

/**
 * Runs the module at `moduleUrl` on a new worker thread with `workerData`; the module starts its
 * thread's work when it finds its own `workerData.kind` there.
 *
 * On Node 20 a worker thread does not inherit tsx's loader (`--import tsx` does not reach it), so
 * when the module is TypeScript (tsx in dev and in `npm start`, vitest in the tests) the thread
 * registers tsx's require hook and loads it through that; compiled to JavaScript, it starts from the
 * module directly.
 */
export function startThread(moduleUrl: string, workerData: { kind: string; [key: string]: unknown }): Worker {
  const file = fileURLToPath(moduleUrl);
  if (!file.endsWith('.ts')) return new Worker(file, { workerData });
  // tsx's require hook, registered in the thread itself: synchronous and in-thread, it starts several
  // times faster than `tsImport` (an ESM loader, which Node 20 runs on a hooks thread of its own).
  // Resolved here: eval'd code has no module of its own to resolve `tsx` from.
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const code = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`;
  // The code is CommonJS whatever the parent was started with (`node --input-type=module -e ...`).
  // Otherwise the parent's flags are left to Node to pass on: given explicitly, process-wide ones
  // (--expose-gc, --max-old-space-size) make the Worker constructor throw.
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  return new Worker(code, { eval: true, workerData, ...(execArgv.length < process.execArgv.length ? { execArgv } : {}) });
}

/** An error as it crosses to another thread or process: KijiError's code and hint survive. */
export interface ErrorMessage {
  name: string;
  message: string;
  code?: ErrorCode;
  hint?: string;
  stack?: string;
}

export function toErrorMessage(error: unknown): ErrorMessage {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    name: e.name,
    message: e.message,
    ...(e instanceof KijiError ? { code: e.code, ...(e.hint !== undefined ? { hint: e.hint } : {}) } : {}),
    ...(e.stack ? { stack: e.stack } : {}),
  };
}

/** The error `toErrorMessage` described: a KijiError again when it was one. */
export function fromErrorMessage(message: ErrorMessage): Error {
  const error = message.code
    ? new KijiError(message.code, message.message, message.hint !== undefined ? { hint: message.hint } : {})
    : Object.assign(new Error(message.message), { name: message.name });
  if (message.stack) error.stack = message.stack;
  return error;
}
