import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentBuildDir } from '../../src/store/index-dir.js';

const root = path.resolve(import.meta.dirname, '../..');
// node --import tsx runs the script in this very process, so a kill reaches it (the tsx binary forks a child).
const node = [process.execPath, '--import', 'tsx'] as const;
const testModel = path.join(root, 'test/fixtures/model/kiji-test-char');

function tempDirs() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-cli-'));
  const articles = path.join(dir, 'articles');
  fs.cpSync(path.join(root, 'data/articles'), articles, { recursive: true });
  return { dir, articles, index: path.join(dir, 'index') };
}

/** Runs a CLI entry point the way `npm run X` does, with a clean, offline environment. */
function cli(script: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(node[0], [...node.slice(1), path.join(root, 'src/cli', script), ...args], {
    cwd: root,
    input: options.input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel, ...options.env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run query', () => {
  it('builds a missing index and prints one JSON line per question with all citation fields', () => {
    const { articles, index } = tempDirs();
    const out = cli('query.ts', ['--json', '--k', '3', '--articles', articles, '--index', index], {
      input: '有志連合はこの日、パリで首脳会合を開催\n\nHow do I bake sourdough bread?\n',
    });
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    const [paris, bread] = lines;
    expect(paris.results.length).toBeGreaterThan(0);
    expect(paris.results.length).toBeLessThanOrEqual(3);
    expect(Object.keys(paris.results[0]).sort()).toEqual(
      ['articleId', 'paragraph', 'passageId', 'published', 'rank', 'score', 'source', 'text', 'title', 'url'].sort(),
    );
    expect(paris.results[0]).toMatchObject({ rank: 1, source: 'ロイター日本語版', published: '2026-01-06T23:58:00.000Z', paragraph: 2 });
    expect(bread).toEqual({ question: 'How do I bake sourdough bread?', mode: 'hybrid', results: [] });
    expect(out.stderr).toContain('building it');
  });

  it('announces keyword-only search once on stderr and keeps stdout clean', () => {
    const { articles, index } = tempDirs();
    const out = cli('query.ts', ['--json', '--articles', articles, '--index', index], {
      input: 'パリで首脳会合\nロシアの勢力圏\n',
      env: { EMBEDDING_MODEL: 'no-such-org/no-such-model' },
    });
    expect(out.code).toBe(0);
    expect(out.stderr.match(/Semantic search is off/g)).toHaveLength(1);
    for (const line of out.stdout.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('cites the date readers in Japan see, as the bot does, on a machine in another zone', () => {
    const { articles, index } = tempDirs();
    const out = cli('query.ts', ['--k', '1', '--articles', articles, '--index', index], {
      input: '有志連合はこの日、パリで首脳会合を開催\n',
      env: { TZ: 'America/New_York' },
    });
    expect(out.code).toBe(0);
    // Published 2026-01-06T23:58Z: 8:58 on 7 January in Tokyo, 18:58 on 6 January in New York.
    expect(out.stdout).toMatch(/ロイター日本語版 · 2026-01-07 · ¶2/);
  });

  it('says why a question in another language finds nothing when only keywords can match', () => {
    const { articles, index } = tempDirs();
    const out = cli('query.ts', ['--articles', articles, '--index', index], {
      input: 'Where did the leaders meet?\n',
      env: { EMBEDDING_MODEL: 'no-such-org/no-such-model' },
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Nothing relevant');
    expect(out.stdout).toContain('only passages that share words with the question are found');
  });

  it('reports a truncated index file in one line, without a stack trace', () => {
    const { articles, index } = tempDirs();
    expect(cli('embed.ts', ['--articles', articles, '--index', index]).code).toBe(0);
    const file = path.join(currentBuildDir(index)!, 'vectors.hnsw');
    fs.truncateSync(file, 100);
    const out = cli('query.ts', ['--index', index], { input: 'パリ\n' });
    expect(out.code).toBe(1);
    const errorLines = out.stderr.trim().split('\n').filter((l) => l.startsWith('kiji:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain('npm run embed');
    expect(out.stderr).not.toMatch(/^\s+at /m);
  });

  it('rejects a bad --k with usage and exit code 2', () => {
    const out = cli('query.ts', ['--k', 'lots']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--k must be a whole number');
  });

  it('searches one half alone with --mode, and rejects an unknown mode', () => {
    const { articles, index } = tempDirs();
    const question = '有志連合はこの日、パリで首脳会合を開催\n';
    const modeOf = (mode: string) => JSON.parse(cli('query.ts', ['--json', '--mode', mode, '--articles', articles, '--index', index], { input: question }).stdout).mode;
    expect(['keyword', 'vector', 'hybrid'].map(modeOf)).toEqual(['keyword', 'vector', 'hybrid']);
    const bad = cli('query.ts', ['--mode', 'fuzzy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--mode must be one of hybrid, keyword, vector, got "fuzzy"');
  });
});

describe('npm run query with filters', () => {
  /** The shipped articles (ロイター日本語版, 2026-01-06 and 07) and one from another source a day later. */
  function filteredDirs() {
    const dirs = tempDirs();
    fs.writeFileSync(
      path.join(dirs.articles, 'nhk.md'),
      '---\ntitle: パリ首脳会合の続報\nsource: NHK\ndate: 2026-01-08\nid: nhk-1\n---\n\n有志連合の首脳会合はパリで開かれ、安全の保証について議論した。\n\n米国も会合に代表を送った。\n',
    );
    return dirs;
  }
  const question = '有志連合の首脳会合はどこで開かれたか\n';
  const results = (out: { stdout: string }) => JSON.parse(out.stdout).results as { source: string; published: string; articleId: string }[];

  it('--source, --since, --until and --article keep only matching passages', () => {
    const { articles, index } = filteredDirs();
    const run = (...flags: string[]) => cli('query.ts', ['--json', '--k', '10', '--articles', articles, '--index', index, ...flags], { input: question });
    const all = results(run());
    expect(new Set(all.map((r) => r.source))).toEqual(new Set(['NHK', 'ロイター日本語版']));
    const nhk = run('--source', 'NHK');
    expect(nhk.stderr).toContain('Only passages with source: NHK.');
    expect(results(nhk).length).toBeGreaterThan(0);
    expect(results(nhk).every((r) => r.articleId === 'nhk-1')).toBe(true);
    const both = results(run('--source', 'NHK', '--source', 'ロイター日本語版'));
    expect(both.length).toBe(all.length);
    const since = results(run('--since', '2026-01-08'));
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((r) => r.source === 'NHK')).toBe(true);
    const until = results(run('--until', '2026-01-07'));
    expect(until.length).toBeGreaterThan(0);
    expect(until.every((r) => r.source === 'ロイター日本語版' && r.published < '2026-01-08')).toBe(true);
    const article = results(run('--article', 'nhk-1', '--mode', 'keyword'));
    expect(article.map((r) => r.articleId)).toContain('nhk-1');
    expect(article.every((r) => r.articleId === 'nhk-1')).toBe(true);
    expect(results(run('--source', 'nobody'))).toEqual([]);
  });

  it('rejects a bad date with one line naming it and the format', () => {
    const out = cli('query.ts', ['--since', '2026/01/07']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--since "2026/01/07" is not a date: use YYYY-MM-DD');
    expect(out.stderr).not.toMatch(/^\s+at /m);
    expect(cli('query.ts', ['--until', '2026-13-01']).stderr).toContain('--until "2026-13-01"');
  });

  it('the REPL sets and clears filters with :source, :since, :until and :article', () => {
    const { articles, index } = filteredDirs();
    const out = cli('repl.ts', ['--articles', articles, '--index', index], {
      input: [':help', ':source NHK', '有志連合の首脳会合はどこで開かれたか', ':source', ':since 2026-13-40', ':until 2026-01-07', '有志連合の首脳会合はどこで開かれたか', ':until', ':article nhk-1', ':quit', ''].join('\n'),
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(':source NAME');
    expect(out.stdout).toContain('Only passages with source: NHK.');
    expect(out.stdout).toMatch(/relevant, hybrid, only source: NHK, /);
    expect(out.stdout).toContain('No filter: every passage.');
    expect(out.stdout).toContain(':since "2026-13-40" is not a date');
    expect(out.stdout).toMatch(/relevant, hybrid, only until 2026-01-07, /);
    expect(out.stdout).toContain('Only passages with article: nhk-1.');
    // Each answer cites only its filter's articles.
    const [nhkPart, reutersPart] = out.stdout.split('Only passages with until 2026-01-07.');
    expect(nhkPart).toContain('NHK');
    expect(reutersPart).not.toMatch(/NHK/);
  });
});

describe('npm run repl', () => {
  it('pages through a question with :more and switches modes with :mode', () => {
    const { articles, index } = tempDirs();
    const out = cli('repl.ts', ['--articles', articles, '--index', index], {
      input: [':more', ':k 2', '有志連合の首脳会合はどこで開かれたか', ':more', ':mode vector', ':more', ':mode fuzzy', 'paris summit', ':quit', ''].join('\n'),
    });
    expect(out.code).toBe(0);
    // The prompt has no line break of its own when stdin is not a terminal: a page starts after it.
    const ranks = [...out.stdout.matchAll(/^(?:kiji> )? *(\d+)\. \d+\.\d{4} /gm)].map((m) => Number(m[1]));
    // Two pages of the question, then two of the vector-only search: ranks go on across a page.
    expect(ranks).toEqual([1, 2, 3, 4, 1, 2]);
    expect(out.stdout).toContain('Ask a question first.');
    expect(out.stdout).toMatch(/\(1-2 of \d+ relevant, hybrid, /);
    expect(out.stdout).toMatch(/\(3-4 of \d+ relevant, hybrid, /);
    // A new mode starts over: :more has no question in that mode yet.
    expect(out.stdout).toContain('Search mode: vector.');
    expect(out.stdout.match(/Ask a question first\./g)).toHaveLength(2);
    expect(out.stdout).toContain(':mode must be one of hybrid, keyword, vector, got "fuzzy".');
    expect(out.stdout).toMatch(/\(1-2 of \d+ relevant, vector, /);
  });
});

describe('npm run embed', () => {
  it('embeds nothing on an unchanged corpus', () => {
    const { articles, index } = tempDirs();
    const first = cli('embed.ts', ['--articles', articles, '--index', index]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/3 articles, \d+ passages: (\d+) embedded/);
    const second = cli('embed.ts', ['--articles', articles, '--index', index]);
    expect(second.stdout).toContain(': 0 embedded');
  });

  it('leaves the previous index usable when killed half way', async () => {
    const { articles, index } = tempDirs();
    expect(cli('embed.ts', ['--articles', articles, '--index', index]).code).toBe(0);
    const live = currentBuildDir(index);
    // Enough new text that the build is still embedding when it is killed.
    const body = Array.from({ length: 4000 }, (_, i) => `段落${i}では、東京とパリの会議について${'長い説明の文章が続き、'.repeat(3)}結論が述べられた。`).join('\n\n');
    fs.writeFileSync(path.join(articles, 'big.txt'), `大きな記事\n\n${body}\n`);
    const child = spawn(node[0], [...node.slice(1), path.join(root, 'src/cli/embed.ts'), '--articles', articles, '--index', index], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel },
    });
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Embedding [')) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error('embed finished before it could be killed: make the corpus bigger')));
    });
    await new Promise((resolve) => child.on('close', resolve));
    expect(currentBuildDir(index)).toBe(live);
    const out = cli('query.ts', ['--json', '--index', index], { input: 'パリで首脳会合を開催\n' });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).results.length).toBeGreaterThan(0);
  });
});
