import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Settings } from '../config/settings.js';
import type { BuildReport } from '../index-types.js';
import { fromErrorMessage, toErrorMessage, type ErrorMessage } from '../threads.js';
import { BUILD_COMMAND } from '../errors.js';

/**
 * Builds run in a worker process (a forked child): embedding, HNSW inserts and keyword indexing are
 * long synchronous stretches that would freeze the bot's event loop on its own thread (`npm run
 * bench` measures the delay). The child loads its own embedder from the settings, and only when
 * something needs embedding, so an unchanged corpus still loads no model.
 */

export interface WorkerBuildOptions {
  settings: Settings;
  /** Known reason semantic search is off: the child then loads no model and builds keyword-only. */
  semanticOff?: string;
  log?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
}

type FromWorker =
  | { type: 'log'; line: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; report: BuildReport }
  | ({ type: 'error' } & ErrorMessage);

interface ToWorker {
  kind: 'kiji-build';
  settings: Settings;
  semanticOff?: string;
}

/**
 * `buildFromSettings` in a child process; resolves with its report, rejects with its error
 * (a KijiError keeps its code and hint).
 */
export function buildInWorker(options: WorkerBuildOptions): Promise<BuildReport> {
  const data: ToWorker = { kind: 'kiji-build', settings: options.settings, ...(options.semanticOff ? { semanticOff: options.semanticOff } : {}) };
  return new Promise<BuildReport>((resolve, reject) => {
    let settled = false;
    const worker = startWorker(data);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'log') options.log?.(message.line);
      else if (message.type === 'progress') options.onProgress?.(message.done, message.total);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.report);
      } else {
        settled = true;
        reject(fromErrorMessage(message));
      }
    });
    worker.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`The index build process stopped (exit code ${code}) before finishing; see the log above, then run \`${BUILD_COMMAND}\` to rebuild by hand.`));
    });
  });
}

/**
 * This very file is the child's entry. A child process rather than a worker thread: on Node 20 a
 * worker thread cannot load TypeScript sources (`--import tsx` does not reach workers, and
 * registering tsx inside one hangs), and a process also returns the model's and the build's memory
 * to the system when it exits, and a native crash there cannot take the bot down.
 */
function startWorker(data: ToWorker): ChildProcess {
  const file = fileURLToPath(import.meta.url);
  const execArgv = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = fork(file, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.send(data);
  return child;
}

async function runInWorker(data: ToWorker): Promise<void> {
  const post = (message: FromWorker): Promise<void> =>
    new Promise((resolve) => {
      process.send!(message, undefined, {}, () => resolve());
    });
  try {
    // Imported here, not at the top: the parent imports this file for buildInWorker only.
    const { buildFromSettings } = await import('../build-from-settings.js');
    const report = await buildFromSettings(data.settings, {
      log: (line) => void post({ type: 'log', line }),
      onProgress: (done, total) => void post({ type: 'progress', done, total }),
      ...(data.semanticOff ? { semanticOff: data.semanticOff } : {}),
    });
    await post({ type: 'done', report });
  } catch (error) {
    await post({ type: 'error', ...toErrorMessage(error) });
  }
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once('message', (data: ToWorker) => {
    if (data?.kind !== 'kiji-build') return;
    // Exits once the report is delivered: onnxruntime's threads would otherwise keep it alive.
    void runInWorker(data).finally(() => process.exit(0));
  });
}
