import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const child of started) child.kill();
});

/** `npm run feed-server -- ARGS` as the README starts it: resolves with its first stdout line, or its stderr and exit code. */
function feedServer(args: string[]): Promise<{ line?: string; stderr: string; code?: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/feed-server.ts'), ...args], { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  started.push(child);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve({ line: stdout.split('\n')[0]!, stderr });
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stderr, code }));
  });
}

describe('npm run feed-server', () => {
  it('serves the fixture feed with validators, and says in one line when its port is taken', async () => {
    const { line } = await feedServer(['--port', '0']);
    const feedUrl = /^Serving the fixture feed: (http:\/\/127\.0\.0\.1:\d+\/feed\.xml) /.exec(line ?? '')?.[1];
    expect(feedUrl).toBeDefined();
    const first = await fetch(feedUrl!);
    expect(first.status).toBe(200);
    const body = await first.text();
    expect(body).toContain(`<link>${new URL(feedUrl!).origin}/articles/salmon.html</link>`);
    const again = await fetch(feedUrl!, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);

    const taken = await feedServer(['--port', new URL(feedUrl!).port]);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^kiji: The feed server could not start: port \d+ is already in use/)]);
  }, 60_000);
});
