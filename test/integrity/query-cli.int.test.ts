import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { buildFromSettings } from '../../src/library.js';
import { injectFault, type FaultFile, type FaultKind } from './faults.js';

/**
 * `npm run query` on a damaged index, as a process: it answers or exits non-zero with a line saying
 * what is wrong, never on a signal (a native crash in the graph loader would be SIGSEGV or SIGBUS).
 */
const root = path.resolve(import.meta.dirname, '../..');
const testModel = path.join(root, 'test/fixtures/model/kiji-test-char');
let work: string;
let pristine: string;

function query(indexDir: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/query.ts'), '--json', '--articles', path.join(work, 'articles'), '--index', indexDir], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end('有志連合の首脳会合はどこで開かれたか\n');
  });
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-query-cli-'));
  fs.cpSync(path.join(root, 'data/articles'), path.join(work, 'articles'), { recursive: true });
  pristine = path.join(work, 'pristine');
  await buildFromSettings(loadSettings({ ARTICLES_PATH: path.join(work, 'articles'), INDEX_DIR: pristine, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel }));
}, 120_000);

/** The files native code or a lazy read could trip on; the JSON and passage table faults run in-process in faults.int.test.ts. */
const cases: [FaultFile, FaultKind][] = [
  ['vectors.hnsw', 'overwrite'],
  ['vectors.hnsw', 'truncate'],
  ['texts.bin', 'overwrite'],
  ['keywords.bin', 'overwrite'],
];

describe('npm run query on a damaged index', () => {
  it('never ends on a signal: it answers with intact text or exits non-zero with one line', async () => {
    const runs = await Promise.all(
      cases.map(async ([file, kind]) => {
        const dir = path.join(work, `${file}-${kind}`);
        fs.cpSync(pristine, dir, { recursive: true });
        injectFault(dir, file, kind, 11);
        return { file, kind, ...(await query(dir)) };
      }),
    );
    for (const run of runs) {
      expect(run.signal, `${run.file} ${run.kind}: ${run.stderr}`).toBeNull();
      if (run.code === 0) {
        const answer = JSON.parse(run.stdout.trim().split('\n')[0]!) as { results: { text: string }[] };
        expect(answer.results.some((r) => r.text.includes('パリで首脳会合を開催')), `${run.file} ${run.kind}`).toBe(true);
      } else {
        expect(run.stderr, `${run.file} ${run.kind}`).toMatch(/index/i);
        expect(run.stderr).not.toMatch(/\n\s+at /);
      }
    }
  }, 300_000);
});
