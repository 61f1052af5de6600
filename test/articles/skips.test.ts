import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { articleLimits } from '../../src/config/defaults.js';
import {
  countProblems,
  describeProblem,
  loadArticles,
  nodeArticleFs,
  sourceFingerprint,
  type ArticleFs,
} from '../../src/articles/load.js';

const seed = fileURLToPath(new URL('../../data/articles/reuters-2026-01-06.txt', import.meta.url));
const seedIds = ['reuters-2026-01-06-1', 'reuters-2026-01-06-2', 'reuters-2026-01-06-3'];
const good = '見出し\n\n本文です。\n';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kiji-skips-'));
  await cp(seed, path.join(dir, 'reuters-2026-01-06.txt'));
});
afterEach(() => {
  // Node's rm cannot reach below PATH_MAX; coreutils' rm walks down relative to each folder.
  execFileSync('rm', ['-rf', dir]);
});

const mkfifo = (file: string): void => void execFileSync('mkfifo', [file]);

/**
 * Nests folders of 200-character names until the path from `dir` passes PATH_MAX (4096), by `cd`
 * one level at a time as bash does (no single call sees the whole path), and puts an article at
 * the bottom.
 */
function nestPastPathMax(under: string): void {
  const name = 'd'.repeat(200);
  execFileSync('bash', ['-c', `cd "$1" && for i in $(seq 25); do mkdir ${name} && cd ${name} || exit 1; done && printf '深い記事\\n\\n本文。\\n' > deep.txt`, 'sh', under]);
}

describe('loadArticles on entries it cannot read', () => {
  it('reports a FIFO by path without opening it (opening one would block) and indexes the rest', async () => {
    mkfifo(path.join(dir, 'pipe.txt'));
    mkfifo(path.join(dir, 'no-extension'));
    const { articles, problems } = await loadArticles(dir);
    expect(articles.map((a) => a.id)).toEqual(seedIds);
    expect(problems).toEqual([
      { path: 'no-extension', reason: expect.stringMatching(/^is a FIFO \(named pipe\), not a regular file/), scope: 'file' },
      { path: 'pipe.txt', reason: expect.stringMatching(/^is a FIFO \(named pipe\), not a regular file/), scope: 'file' },
    ]);
  });

  it('reports a FIFO given as the articles path itself, without blocking', async () => {
    const fifo = path.join(dir, 'only.txt');
    mkfifo(fifo);
    const { articles, problems } = await loadArticles(fifo);
    expect(articles).toEqual([]);
    expect(problems).toEqual([{ path: 'only.txt', reason: expect.stringMatching(/FIFO/), scope: 'file' }]);
    await expect(sourceFingerprint(fifo)).resolves.toMatchObject({ bytes: 0 });
  });

  it('skips a 3 GB (sparse) file without reading it, naming its size, the limit and the setting', async () => {
    const huge = path.join(dir, 'huge.txt');
    await writeFile(huge, '');
    await truncate(huge, 3 * 1024 ** 3);
    const { articles, problems } = await loadArticles(dir);
    expect(articles.map((a) => a.id)).toEqual(seedIds);
    expect(problems.map(describeProblem)).toEqual([
      `Skipped huge.txt: is 3,221,225,472 bytes, over the 52,428,800-byte limit for one article file. Split it into smaller files, or raise ARTICLE_MAX_BYTES in .env (at most 500,000,000).`,
    ]);
    // The fingerprint a build takes first does not read it either (it would throw past 2 GiB).
    await expect(sourceFingerprint(dir)).resolves.toMatchObject({ bytes: 12306 });
  });

  it('applies a configured size limit', async () => {
    await writeFile(path.join(dir, 'small.txt'), good);
    const { articles, problems } = await loadArticles(dir, { maxBytes: 1000 });
    expect(articles.map((a) => a.id)).toEqual(['small']);
    expect(problems).toEqual([{ path: 'reuters-2026-01-06.txt', reason: expect.stringContaining('is 12,306 bytes, over the 1,000-byte limit'), scope: 'file' }]);
  });

  it('reports a folder behind a path longer than PATH_MAX once, and indexes the rest', async () => {
    await mkdir(path.join(dir, 'deep'));
    nestPastPathMax(path.join(dir, 'deep'));
    const { articles, problems } = await loadArticles(dir);
    expect(articles.map((a) => a.id)).toEqual(seedIds);
    expect(problems).toHaveLength(1);
    expect(describeProblem(problems[0]!)).toMatch(/^Skipped deep\/d{50,}…d{50,}\/: its path is [\d,]+ bytes long, more than the system accepts \(ENAMETOOLONG\)/);
  });

  it('follows symlinks: a linked article and a linked folder are indexed, a broken link and a loop are reported', async () => {
    const outside = await mkdtemp(path.join(tmpdir(), 'kiji-skips-outside-'));
    try {
      await writeFile(path.join(outside, 'linked.md'), '# 外の記事\n\n本文。\n');
      await mkdir(path.join(outside, 'folder'));
      await writeFile(path.join(outside, 'folder', 'inner.txt'), good);
      await symlink(path.join(outside, 'linked.md'), path.join(dir, 'linked.md'));
      await symlink(path.join(outside, 'folder'), path.join(dir, 'linked-folder'));
      await symlink('missing.md', path.join(dir, 'broken.md'));
      await mkdir(path.join(dir, 'sub'));
      await symlink('..', path.join(dir, 'sub', 'up'));
      await symlink('self-b', path.join(dir, 'self-a.md'));
      await symlink('self-a.md', path.join(dir, 'self-b'));
      // The seed reached a second way is read once, under its own path.
      await symlink('reuters-2026-01-06.txt', path.join(dir, 'again.txt'));
      const { articles, problems } = await loadArticles(dir);
      expect(articles.map((a) => [a.id, a.sourcePath])).toEqual([
        ['linked-folder-inner', 'linked-folder/inner.txt'],
        ['linked', 'linked.md'],
        ...seedIds.map((id) => [id, 'reuters-2026-01-06.txt']),
      ]);
      expect(problems.map(describeProblem)).toEqual([
        'Skipped broken.md: is a broken symlink: its target missing.md does not exist. Fix or remove the link.',
        expect.stringMatching(/^Skipped self-a\.md: is a symlink loop \(ELOOP\)/),
        expect.stringMatching(/^Skipped self-b: is a symlink loop \(ELOOP\)/),
        'Skipped sub/up: is a symlink loop: it leads back to a folder it is in. Remove the link.',
      ]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  /** The real file system, except that `locked` paths fail as they would for a user without access (tests run as root). */
  function deniedFs(locked: string[]): ArticleFs {
    const deny = (file: string): void => {
      if (locked.includes(path.relative(dir, file))) {
        throw Object.assign(new Error(`EACCES: permission denied, '${file}'`), { code: 'EACCES' });
      }
    };
    return {
      ...nodeArticleFs,
      readdir: async (folder) => (deny(folder), nodeArticleFs.readdir(folder)),
      open: async (file, flags) => (deny(file), nodeArticleFs.open(file, flags)),
    };
  }

  it('reports an unreadable folder and an unreadable file (EACCES) by path and indexes the rest', async () => {
    await mkdir(path.join(dir, 'private'));
    await writeFile(path.join(dir, 'private', 'a.txt'), good);
    await writeFile(path.join(dir, 'secret.txt'), good);
    const fs = deniedFs(['private', 'secret.txt']);
    const { articles, problems } = await loadArticles(dir, { fs });
    expect(articles.map((a) => a.id)).toEqual(seedIds);
    expect(problems.map(describeProblem)).toEqual([
      'Skipped private/: cannot be read: permission denied (EACCES). Give the user running kiji read access to the folder, or move it out of the articles folder.',
      'Skipped secret.txt: cannot be read: permission denied (EACCES). Give the user running kiji read access to the file, or move it out of the articles folder.',
    ]);
    await expect(sourceFingerprint(dir, { fs })).resolves.toMatchObject({ bytes: 12306 });
    // Without the denial the same folder indexes both, so the test above is about the access.
    expect((await loadArticles(dir)).articles).toHaveLength(5);
  });

  it('fails as ARTICLES_NOT_FOUND when the articles folder itself cannot be listed', async () => {
    const fs: ArticleFs = { ...nodeArticleFs, readdir: async () => Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })) };
    await expect(loadArticles(dir, { fs })).rejects.toMatchObject({ code: 'ARTICLES_NOT_FOUND' });
  });

  it('never waits on a file that turns into a FIFO after it was listed', async () => {
    // Listing saw a regular file; by the time it is opened a FIFO stands there.
    const fifo = path.join(dir, 'swapped.txt');
    mkfifo(fifo);
    const fs: ArticleFs = {
      ...nodeArticleFs,
      readdir: async (folder) => {
        const entries = await nodeArticleFs.readdir(folder);
        return entries.map((e) => (e.name === 'swapped.txt' ? Object.assign(Object.create(Object.getPrototypeOf(e)), e, { isFile: () => true, isFIFO: () => false }) : e));
      },
    };
    const { problems } = await loadArticles(dir, { fs });
    expect(problems).toEqual([{ path: 'swapped.txt', reason: expect.stringMatching(/^is a FIFO/), scope: 'file' }]);
  });
});

describe('problem reports are capped per file', () => {
  it('reports the first five bad lines of a JSONL and counts the rest in one line', async () => {
    const lines = ['{"id":"ok","title":"T","body":"本文。"}', ...Array.from({ length: 10_000 }, (_, i) => `{bad ${i}`)];
    await writeFile(path.join(dir, 'big.jsonl'), lines.join('\n'));
    const { articles, problems } = await loadArticles(dir);
    expect(articles.map((a) => a.id)).toEqual(['ok', ...seedIds]);
    expect(problems).toHaveLength(6);
    expect(problems.slice(0, 5).map((p) => p.reason)).toEqual([2, 3, 4, 5, 6].map((line) => expect.stringMatching(new RegExp(`^line ${line}: not valid JSON`))));
    expect(describeProblem(problems[5]!)).toBe('… and 9,995 more problems in big.jsonl');
    expect(problems[5]).toMatchObject({ path: 'big.jsonl', scope: 'article', omitted: { file: 0, article: 9995, field: 0 } });
    expect(countProblems(problems)).toEqual({ file: 0, article: 10_000, field: 0 });
  });

  it('caps the entries of one folder the same way, and counts each file apart', async () => {
    for (let i = 0; i < 8; i++) mkfifo(path.join(dir, `pipe-${i}.txt`));
    await writeFile(path.join(dir, 'a.jsonl'), '{x\n{y\n{"id":"a","title":"T","body":"本文。"}\n');
    const { problems } = await loadArticles(dir);
    expect(problems.map(describeProblem)).toEqual([
      expect.stringMatching(/^Skipped pipe-0\.txt: is a FIFO/),
      expect.stringMatching(/^Skipped pipe-1\.txt: is a FIFO/),
      expect.stringMatching(/^Skipped pipe-2\.txt: is a FIFO/),
      expect.stringMatching(/^Skipped pipe-3\.txt: is a FIFO/),
      expect.stringMatching(/^Skipped pipe-4\.txt: is a FIFO/),
      '… and 3 more problems in the articles folder',
      expect.stringMatching(/^Skipped an article of a\.jsonl: line 1/),
      expect.stringMatching(/^Skipped an article of a\.jsonl: line 2/),
    ]);
    expect(countProblems(problems)).toEqual({ file: 8, article: 2, field: 0 });
    expect(articleLimits.problemsPerFile).toBe(5);
  });
});

describe('Markdown front matter', () => {
  it('reports front matter that is never closed, reads its fields and keeps the article', async () => {
    await writeFile(path.join(dir, 'open.md'), '---\ntitle: 閉じていない前付け\nsource: テスト\n\n# 見出し\n\n本文の段落。\n');
    const { articles, problems } = await loadArticles(dir);
    expect(articles.find((a) => a.id === 'open')).toMatchObject({
      title: '閉じていない前付け',
      source: 'テスト',
      paragraphs: [{ text: '本文の段落。' }],
    });
    expect(problems.map(describeProblem)).toEqual([
      'open.md: line 1: front matter opened with `---` is never closed: lines 2-3 were read as its fields and the rest as the article. End it with a `---` line.',
    ]);
  });

  it('reports a front matter line that is not `key: value`, ignoring nested YAML and comments', async () => {
    await writeFile(path.join(dir, 'odd.md'), '---\ntitle = 等号\n# comment\ntags:\n  - a\n- b\nsource: S\n---\n# 見出し\n\n本文。\n');
    const { articles, problems } = await loadArticles(dir);
    expect(articles.find((a) => a.id === 'odd')).toMatchObject({ title: '見出し', source: 'S' });
    expect(problems).toEqual([{ path: 'odd.md', reason: 'line 2: front matter line "title = 等号" is not `key: value`, so it was ignored.', scope: 'field' }]);
  });
});
