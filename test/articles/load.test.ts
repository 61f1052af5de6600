import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countProblems, describeProblem, loadArticles } from '../../src/articles/load.js';

const seed = fileURLToPath(new URL('../../data/articles/reuters-2026-01-06.txt', import.meta.url));
const good = '見出し\n\n本文です。\n';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kiji-load-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadArticles', () => {
  it('walks folders recursively in sorted order, skipping hidden and foreign files', async () => {
    await mkdir(path.join(dir, 'b', 'deep'), { recursive: true });
    await mkdir(path.join(dir, '.hidden'));
    await cp(seed, path.join(dir, 'b', 'reuters.txt'));
    await writeFile(path.join(dir, 'b', 'deep', 'z.md'), `# Z\n\n${good}`);
    await writeFile(path.join(dir, 'a.txt'), good);
    await writeFile(path.join(dir, '.secret.txt'), good);
    await writeFile(path.join(dir, '.hidden', 'x.txt'), good);
    await writeFile(path.join(dir, 'notes.pdf'), 'not an article');
    const { articles, problems } = await loadArticles(dir);
    expect(problems).toEqual([]);
    expect(articles.map((a) => [a.id, a.sourcePath])).toEqual([
      ['a', 'a.txt'],
      ['b-deep-z', 'b/deep/z.md'],
      ['b-reuters-1', 'b/reuters.txt'],
      ['b-reuters-2', 'b/reuters.txt'],
      ['b-reuters-3', 'b/reuters.txt'],
    ]);
  });

  it('takes a single file, with its name as path', async () => {
    const { articles } = await loadArticles(seed);
    expect(articles.map((a) => a.id)).toEqual(['reuters-2026-01-06-1', 'reuters-2026-01-06-2', 'reuters-2026-01-06-3']);
  });

  it.each([
    ['an empty file', 'bad.txt', '  \n\n', /is empty/],
    ['a file without body', 'bad.md', '# 見出しだけ\n', /no body paragraphs/],
    ['invalid UTF-8', 'bad.txt', Buffer.from([0x8c, 0xa9, 0x8f, 0x6f, 0x82, 0xb5]), /not valid UTF-8/],
    ['a JSONL file of non-objects', 'bad.jsonl', '[1]\n"x"\n', /line 1: is not a JSON object/],
    ['a digest without usable articles', 'bad.txt', '▽\n\n', /no article could be read/],
  ])('reports %s by path and keeps the good file', async (_name, name, content, reason) => {
    await writeFile(path.join(dir, 'good.txt'), good);
    await writeFile(path.join(dir, name), content);
    const { articles, problems } = await loadArticles(dir);
    expect(articles.map((a) => a.id)).toEqual(['good']);
    expect(problems).toEqual([{ path: name, reason: expect.stringMatching(reason), scope: 'file' }]);
  });

  it('reports a bad JSONL line with the file path and keeps the other lines', async () => {
    await writeFile(path.join(dir, 'a.jsonl'), '{"id":"x","title":"T","body":"本文。"}\n{oops\n');
    const { articles, problems } = await loadArticles(dir);
    expect(articles.map((a) => a.id)).toEqual(['x']);
    expect(problems).toEqual([{ path: 'a.jsonl', reason: expect.stringMatching(/^line 2: not valid JSON/), scope: 'article' }]);
  });

  it('reports a duplicate id for the later file and drops that article', async () => {
    await writeFile(path.join(dir, 'a.jsonl'), '{"id":"same","title":"First","body":"本文。"}\n');
    await writeFile(path.join(dir, 'b.md'), '---\nid: same\n---\n# Second\n\n本文。\n');
    const { articles, problems } = await loadArticles(dir);
    expect(articles.map((a) => a.title)).toEqual(['First']);
    expect(problems).toEqual([{ path: 'b.md', reason: expect.stringContaining('"same" is already used by a.jsonl'), scope: 'article' }]);
  });

  it('tells a skipped file, a skipped article and a dropped field apart', async () => {
    await writeFile(path.join(dir, 'a.jsonl'), '{"id":"x","title":"T","body":"本文。","date":"someday"}\n{oops\n');
    await writeFile(path.join(dir, 'b.txt'), '');
    const { articles, problems } = await loadArticles(dir);
    // The article with the unreadable date is kept, without a date.
    expect(articles.map((a) => [a.id, a.published])).toEqual([['x', undefined]]);
    expect(problems.map(describeProblem)).toEqual([
      expect.stringMatching(/^a\.jsonl: line 1: date "someday" of "T" is not readable, so the article is kept without one/),
      expect.stringMatching(/^Skipped an article of a\.jsonl: line 2: not valid JSON/),
      expect.stringMatching(/^Skipped b\.txt: is empty/),
    ]);
    expect(countProblems(problems)).toEqual({ file: 1, article: 1, field: 1 });
  });

  it('throws ARTICLES_NOT_FOUND with a hint for a missing path', async () => {
    await expect(loadArticles(path.join(dir, 'missing'))).rejects.toMatchObject({
      code: 'ARTICLES_NOT_FOUND',
      hint: expect.stringContaining('folder'),
    });
  });
});
