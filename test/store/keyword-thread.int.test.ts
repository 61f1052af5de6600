import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { loadIndex } from '../../src/store/load.js';
import { searchIndex } from '../../src/retrieval/search.js';
import { KeywordThread, KeywordThreadFailed } from '../../src/store/keyword-thread.js';
import { KeywordAnalyzer, KeywordIndex, analyzeKeywordDocs, type KeywordDoc } from '../../src/keywords/bm25.js';
import { keywordDocs } from '../../src/store/keyword-docs.js';
import { loadArticles } from '../../src/articles/load.js';
import { toPassages } from '../../src/passages/chunk.js';
import { KijiError, ErrorCodes } from '../../src/errors.js';
import { indexFiles } from '../../src/store/manifest.js';
import { fakeBuild, fakeModel, seedArticles, tempCorpus } from './helpers.js';

/** The files of a build that must not depend on how it was built (the manifest holds ids and times). */
function contentFiles(indexDir: string): Record<string, Buffer> {
  const dir = currentBuildDir(indexDir)!;
  // Not the vector graph: it is inserted on several threads (VectorStore.addMany), so its bytes
  // depend on which insert ran first; the keyword thread does not touch it.
  const names = Object.values(indexFiles).filter((name) => name !== indexFiles.manifest && name !== indexFiles.vectors);
  return Object.fromEntries(names.map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

describe('keyword index on a worker thread', () => {
  it('builds the same index files as the build on the main thread, and searches the same', async () => {
    const dirs = tempCorpus();
    const inline = fakeBuild({ articles: dirs.articles, index: path.join(dirs.root, 'inline') }, undefined, { keywordThread: false });
    const threaded = fakeBuild({ articles: dirs.articles, index: path.join(dirs.root, 'threaded') }, undefined, { keywordThread: true });
    const a = await inline.run();
    const b = await threaded.run();
    expect({ ...b, ms: 0 }).toEqual({ ...a, ms: 0 });
    const inlineFiles = contentFiles(path.join(dirs.root, 'inline'));
    const threadedFiles = contentFiles(path.join(dirs.root, 'threaded'));
    expect(Object.keys(threadedFiles)).toEqual(Object.keys(inlineFiles));
    for (const name of Object.keys(inlineFiles)) expect(threadedFiles[name]!.equals(inlineFiles[name]!), name).toBe(true);

    const x = await loadIndex(path.join(dirs.root, 'inline'), { model: fakeModel });
    const y = await loadIndex(path.join(dirs.root, 'threaded'), { model: fakeModel });
    for (const question of ['有志連合の首脳会合はどこで開かれたか', 'ロシアの石油会社', '梅雨']) {
      expect(await searchIndex(y, threaded.embedder, question, { k: 5 })).toEqual(await searchIndex(x, inline.embedder, question, { k: 5 }));
    }
  });

  it('builds an updated index in halves, this thread analysing one, with the same files as inline', async () => {
    const dirs = tempCorpus();
    const inline = fakeBuild({ articles: dirs.articles, index: path.join(dirs.root, 'inline') }, undefined, { keywordThread: false });
    const threaded = fakeBuild({ articles: dirs.articles, index: path.join(dirs.root, 'threaded') }, undefined, { keywordThread: true });
    await inline.run();
    await threaded.run();
    fs.writeFileSync(path.join(dirs.articles, 'tokyo.md'), '---\nsource: テスト通信\ndate: 2026-02-01\n---\n# 東京で国際会議\n\n東京で国際会議が開かれた。\n\n議題は海洋汚染だった。\n');
    const a = await inline.run();
    const b = await threaded.run();
    expect(a.embedded).toBeGreaterThan(0);
    expect(b).toMatchObject({ embedded: a.embedded, reused: a.reused });
    const inlineFiles = contentFiles(path.join(dirs.root, 'inline'));
    const threadedFiles = contentFiles(path.join(dirs.root, 'threaded'));
    for (const name of Object.keys(inlineFiles)) expect(threadedFiles[name]!.equals(inlineFiles[name]!), name).toBe(true);
  });

  it('analyses documents in parts, added or appended to one analyzer, into what analysing them at once gives', async () => {
    const { articles } = await loadArticles(seedArticles);
    const docs = keywordDocs(articles.flatMap((a) => toPassages(a)));
    const whole = Buffer.from(KeywordIndex.build(docs).serialize());
    for (const cut of [0, 1, Math.floor(docs.length / 2), docs.length - 1, docs.length]) {
      const first = new KeywordAnalyzer();
      first.add(docs, 0, cut);
      first.append(analyzeKeywordDocs(docs.slice(cut)));
      expect(Buffer.from(KeywordIndex.fromAnalysis(first.finish()).serialize()).equals(whole), `appended at ${cut}`).toBe(true);
      const analyzer = new KeywordAnalyzer();
      analyzer.add(docs, 0, cut);
      analyzer.add(docs, cut, cut);
      analyzer.add(docs, cut, docs.length);
      expect(Buffer.from(KeywordIndex.fromAnalysis(analyzer.finish()).serialize()).equals(whole), `added in parts cut at ${cut}`).toBe(true);
    }
  });

  /** Enough documents for the calling thread to take a share (the thread works in chunks of 256). */
  async function manyDocs(): Promise<KeywordDoc[]> {
    const { articles } = await loadArticles(seedArticles);
    const seed = keywordDocs(articles.flatMap((a) => toPassages(a)));
    return Array.from({ length: 3000 }, (_, i) => {
      const doc = seed[i % seed.length]!;
      // Each copy a little different, so later documents bring terms of their own.
      return { ...doc, id: `${doc.id}~${i}`, text: `${doc.text} 第${i}号` };
    });
  }

  it('shares the analysing with the calling thread when it helps, at once, later or never, with the same bytes', async () => {
    const docs = await manyDocs();
    const whole = Buffer.from(KeywordIndex.build(docs).serialize());
    const thread = KeywordThread.take();
    try {
      const atOnce = thread.build(docs);
      const taken = atOnce.help();
      // The thread has had at most a few chunks when the calling thread takes half of the rest.
      expect(taken).toBeGreaterThan(docs.length / 3);
      expect(atOnce.help()).toBe(0);
      expect(Buffer.from(await atOnce.bytes).equals(whole)).toBe(true);

      const later = thread.build(docs);
      await new Promise((resolve) => setTimeout(resolve, 30));
      later.help();
      expect(Buffer.from(await later.bytes).equals(whole)).toBe(true);

      const never = thread.build(docs);
      expect(Buffer.from(await never.bytes).equals(whole)).toBe(true);
      expect(never.help()).toBe(0);
    } finally {
      await thread.release();
    }
  });

  it('numbers a bad document in the calling thread\'s share as in the whole list, and stops the waiting thread', async () => {
    const docs = await manyDocs();
    docs[2990] = { ...docs[2990]!, id: 'bad\0id' };
    const thread = KeywordThread.take();
    const build = thread.build(docs);
    expect(() => build.help()).toThrow(/document 2990 needs a string id/);
    await thread.release();
    await expect(build.bytes).rejects.toBeInstanceOf(KeywordThreadFailed);
  });

  it('reports a bad document in the thread\'s own part, then builds the next index right despite the share sent after', async () => {
    const docs = await manyDocs();
    const bad = docs.map((doc, i) => (i === 5 ? { ...doc, id: 'bad\0id' } : doc));
    const thread = KeywordThread.take();
    try {
      const failing = thread.build(bad);
      // Analysed and sent while the thread is failing on document 5: it must not end up in the next build.
      failing.help();
      const error = await failing.bytes.catch((e: unknown) => e);
      expect((error as KijiError).code).toBe(ErrorCodes.BAD_ARGUMENT);
      expect((error as Error).message).toMatch(/document 5 needs a string id/);
      const next = thread.build(docs.slice(0, 1000));
      expect(Buffer.from(await next.bytes).equals(Buffer.from(KeywordIndex.build(docs.slice(0, 1000)).serialize()))).toBe(true);
    } finally {
      await thread.release();
    }
  });

  it('returns the bytes KeywordIndex.build gives, and its errors with their codes', async () => {
    const { articles } = await loadArticles(seedArticles);
    const docs = keywordDocs(articles.flatMap((a) => toPassages(a)));
    const thread = KeywordThread.take();
    try {
      const bytes = await thread.build(docs).bytes;
      expect(Buffer.from(bytes).equals(Buffer.from(KeywordIndex.build(docs).serialize()))).toBe(true);
      // The same thread builds again after a failed build (the error is the build's, not the thread's).
      const error = await thread.build([{ id: 'a\0b', text: '本文' }]).bytes.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KijiError);
      expect((error as KijiError).code).toBe(ErrorCodes.BAD_ARGUMENT);
      expect(() => KeywordIndex.build([{ id: 'a\0b', text: '本文' }])).toThrow((error as Error).message);
      const again = await thread.build(docs.slice(1)).bytes;
      expect(Buffer.from(again).equals(Buffer.from(KeywordIndex.build(docs.slice(1)).serialize()))).toBe(true);
    } finally {
      await thread.release();
    }
    // Released healthy, it is the one the next build takes.
    const next = KeywordThread.take();
    expect(next).toBe(thread);
    await next.stop();
    expect(KeywordThread.take()).not.toBe(thread);
  });

  it('says the thread failed, not the build, when it stops before answering', async () => {
    const { articles } = await loadArticles(seedArticles);
    const thread = KeywordThread.take();
    const result = thread.build(keywordDocs(articles.flatMap((a) => toPassages(a)))).bytes;
    await thread.stop();
    await expect(result).rejects.toBeInstanceOf(KeywordThreadFailed);
    await expect(thread.build([]).bytes).rejects.toBeInstanceOf(KeywordThreadFailed);
    // A stopped thread is not kept for the next build.
    await thread.release();
    const next = KeywordThread.take();
    expect(next).not.toBe(thread);
    await next.stop();
  });
});
