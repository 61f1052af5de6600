import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/settings.js';
import { SqliteQuestionLog } from '../../src/questionlog/sqlite.js';

const run = promisify(execFile);
const day = 86_400_000;
let dir: string;
let file: string;

/** `npm run report` with the log at `file` (or as `env` says); the exit code instead of a throw. */
async function report(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/cli/report.ts'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, QUESTION_LOG: 'on', QUESTION_LOG_PATH: file, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-report-'));
  file = path.join(dir, 'kiji.db');
  const log = new SqliteQuestionLog({ enabled: true, path: file, retentionDays: 90 });
  const base = { guildId: '100000000000000001', channelId: null, userId: '400000000000000001', mode: 'hybrid', latencyMs: 80 };
  const cited = [{ passageId: 'paris#2', articleId: 'paris', title: 'ウクライナ有志連合、「安全の保証」で合意', score: 0.9 }];
  const answered = log.recordQuestion({ ...base, question: '有志連合の首脳会合はどこで開かれたか', results: cited });
  log.recordQuestion({ ...base, question: 'パリの首脳会合はいつ？', results: [] });
  log.recordQuestion({ ...base, at: new Date(Date.now() - 3_600_000), question: 'パリ首脳会合は\u001bいつ開かれた', results: [] });
  log.recordQuestion({ ...base, at: new Date(Date.now() - 20 * day), question: '古い質問', results: [] });
  log.recordFeedback(answered, '400000000000000002', 'down', '場所が違う');
  log.close();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run report', () => {
  it('prints the counts, the most cited articles and the grouped gaps as a table, control characters removed', async () => {
    const { code, stdout } = await report(['--days', '7']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Question log ${file}: the last 7 days`);
    expect(stdout).toMatch(/questions asked +3\n/);
    expect(stdout).toMatch(/answered +1 \(33%\)\n/);
    expect(stdout).toMatch(/👍 \/ 👎 +0 \/ 1\n/);
    expect(stdout).toContain('        1  ウクライナ有志連合、「安全の保証」で合意  (paris)');
    expect(stdout).toContain('      2           2   0  パリの首脳会合はいつ？\n');
    expect(stdout).toContain('also asked as: パリ首脳会合は いつ開かれた\n');
    expect(stdout).not.toContain('\u001b');
    expect(stdout).toMatch(/ 1\s+0\s+1  有志連合の首脳会合はどこで開かれたか\n\s+👎 場所が違う/);
    expect(stdout).not.toContain('古い質問');
  });

  it('--json prints one object, and --days widens the window', async () => {
    const { code, stdout } = await report(['--days', '30', '--json']);
    expect(code).toBe(0);
    const stats = JSON.parse(stdout);
    expect(stats).toMatchObject({ days: 30, asked: 4, answered: 1, votes: { up: 0, down: 1 } });
    expect(stats.gaps.map((gap: { question: string }) => gap.question)).toContain('古い質問');
  });

  it('says so when there is no log, or the log is off, and never creates the file', async () => {
    const missing = path.join(dir, 'none', 'kiji.db');
    const none = await report([], { QUESTION_LOG_PATH: missing });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`The question log ${missing} cannot be used: there is no such file`);
    const off = await report([], { QUESTION_LOG: 'off', QUESTION_LOG_PATH: missing });
    expect(off.code).toBe(1);
    expect(off.stderr).toContain('QUESTION_LOG=off');
    expect(fs.existsSync(path.dirname(missing))).toBe(false);
    const bad = await report(['--days', '0']);
    expect(bad.code).toBe(2);
  });
});
