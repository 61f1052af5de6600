import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBuildDir } from '../../src/store/index-dir.js';

const root = path.resolve(import.meta.dirname, '../..');
const testModel = path.join(root, 'test/fixtures/model/kiji-test-char');

/** Runs `npm run embed` as npm does (tsx), offline, with the test model. */
function embed(articles: string, index: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/embed.ts'), '--articles', articles, '--index', index], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel, ...env },
    timeout: 120_000,
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
let articles: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-unreadable-'));
  articles = path.join(dir, 'articles');
  fs.cpSync(path.join(root, 'data/articles'), articles, { recursive: true });
  execFileSync('mkfifo', [path.join(articles, 'pipe.txt')]);
  fs.writeFileSync(path.join(articles, 'huge.txt'), '');
  fs.truncateSync(path.join(articles, 'huge.txt'), 3 * 1024 ** 3);
  fs.symlinkSync('missing.md', path.join(articles, 'broken-link.md'));
  fs.writeFileSync(path.join(articles, 'open-front-matter.md'), '---\ntitle: 閉じていない前付け\n\n本文の段落です。\n');
  fs.mkdirSync(path.join(articles, 'deep'));
  // Past PATH_MAX (4096) by cd-ing one 200-character folder at a time.
  const name = 'd'.repeat(200);
  execFileSync('bash', ['-c', `cd "$1" && for i in $(seq 25); do mkdir ${name} && cd ${name} || exit 1; done && printf 'T\\n\\n本文。\\n' > a.txt`, 'bash', path.join(articles, 'deep')]);
  // A JSONL of 10,000 bad lines: five reported, the rest counted.
  const bad = Array.from({ length: 10_000 }, (_, i) => `{"id":"x${i}","title":"","body":"本文"}`);
  fs.writeFileSync(path.join(articles, 'bad.jsonl'), ['{"id":"ok","title":"T","body":"本文。"}', ...bad].join('\n'));
});
afterAll(() => {
  execFileSync('rm', ['-rf', dir]);
});

describe('npm run embed on a folder of entries it cannot read', () => {
  it('exits 0, indexes the seed and names each bad entry once, capped per file, in output and manifest', () => {
    const index = path.join(dir, 'index');
    const out = embed(articles, index);
    expect(out.signal).toBeNull();
    expect(out.code).toBe(0);
    // The seed's three articles (39 passages), the front-matter article and the good JSONL line.
    expect(out.stdout).toMatch(/^5 articles, 41 passages: 41 embedded, 0 unchanged, 0 removed, 4 file\(s\) skipped, 10000 article\(s\) skipped, 1 article\(s\) kept without an unreadable field/m);
    const once = (pattern: RegExp): void => expect(out.stderr.match(new RegExp(pattern.source, 'gm')) ?? []).toHaveLength(1);
    once(/^Skipped pipe\.txt: is a FIFO \(named pipe\)/);
    once(/^Skipped huge\.txt: is 3,221,225,472 bytes, over the 52,428,800-byte limit .* raise ARTICLE_MAX_BYTES/);
    once(/^Skipped broken-link\.md: is a broken symlink/);
    once(/^Skipped deep\/d+…d+\/: its path is [\d,]+ bytes long, more than the system accepts \(ENAMETOOLONG\)/);
    once(/^open-front-matter\.md: line 1: front matter opened with `---` is never closed/);
    expect(out.stderr.match(/^Skipped an article of bad\.jsonl/gm)).toHaveLength(5);
    once(/^… and 9,995 more problems in bad\.jsonl$/);
    expect(out.stderr.split('\n').length).toBeLessThan(30);

    const manifestFile = path.join(currentBuildDir(index)!, 'manifest.json');
    expect(fs.statSync(manifestFile).size).toBeLessThan(10_000);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { passages: number; skipped: { path: string }[] };
    expect(manifest.skipped.map((p) => p.path)).toEqual([
      'broken-link.md',
      expect.stringMatching(/^deep\/d+…d+\/$/),
      'pipe.txt',
      ...Array(6).fill('bad.jsonl'),
      'huge.txt',
      'open-front-matter.md',
    ]);

    // A re-run stops early and repeats the same capped report.
    const again = embed(articles, index);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/41 unchanged/);
    expect(again.stderr.match(/^… and 9,995 more problems in bad\.jsonl$/gm)).toHaveLength(1);
  });

  it('applies ARTICLE_MAX_BYTES from the environment, and refuses a value past its ceiling', () => {
    const small = path.join(dir, 'small');
    fs.mkdirSync(small);
    fs.cpSync(path.join(root, 'data/articles'), small, { recursive: true });
    const tight = embed(small, path.join(dir, 'index-tight'), { ARTICLE_MAX_BYTES: '1000' });
    expect(tight.code).toBe(0);
    expect(tight.stderr).toMatch(/Skipped reuters-2026-01-06\.txt: is 12,306 bytes, over the 1,000-byte limit/);
    expect(tight.stdout).toMatch(/^0 articles/m);
    const tooBig = embed(small, path.join(dir, 'index-big'), { ARTICLE_MAX_BYTES: String(2 ** 31) });
    expect(tooBig.code).not.toBe(0);
    expect(tooBig.stderr).toMatch(/ARTICLE_MAX_BYTES="2147483648" is not valid/);
  });
});
