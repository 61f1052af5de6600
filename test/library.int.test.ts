import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/settings.js';
import { openLibrary } from '../src/library.js';

const testModel = path.resolve(import.meta.dirname, 'fixtures/model/kiji-test-char');
const seed = path.resolve(import.meta.dirname, '../data/articles');

function settingsFor(env: Record<string, string>) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-lib-'));
  return loadSettings({ ARTICLES_PATH: seed, INDEX_DIR: path.join(root, 'index'), ALLOW_REMOTE_MODELS: 'false', ...env });
}

/** The full path through the real transformers.js pipeline and real hnswlib-node, on the committed test model. */
describe('openLibrary with the local test model', () => {
  it('builds the index on first use and answers a Japanese question with a full citation', async () => {
    const lines: string[] = [];
    const library = await openLibrary(settingsFor({ EMBEDDING_MODEL: testModel }), { buildIfMissing: true, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toContain('building it');
    expect(library.semanticOff).toBeUndefined();
    const response = await library.search('有志連合の首脳会合はどこで開かれたか', { k: 5 });
    expect(response.mode).toBe('hybrid');
    expect(response.results.length).toBeGreaterThan(0);
    expect(response.results.length).toBeLessThanOrEqual(5);
    const top = response.results.map((r) => r.passage).find((p) => p.text.includes('パリで首脳会合を開催'));
    expect(top).toMatchObject({ source: 'ロイター日本語版', published: '2026-01-06T23:58:00.000Z', paragraph: 2 });
    expect(library.articles()).toHaveLength(3);
  });

  it('answers an English question about a Japanese article through the vector half only', async () => {
    const library = await openLibrary(settingsFor({ EMBEDDING_MODEL: testModel }), { buildIfMissing: true });
    const keyword = await library.search('paris summit', { k: 3, mode: 'keyword' });
    expect(keyword.results).toEqual([]);
    const hybrid = await library.search('paris summit', { k: 3 });
    expect(hybrid.results[0]?.passage.text).toMatch(/パリ.*首脳会合|首脳会合.*パリ/s);
  });

  it('falls back to keyword search, saying why once, when the model cannot be loaded', async () => {
    const lines: string[] = [];
    const library = await openLibrary(settingsFor({ EMBEDDING_MODEL: 'no-such-org/no-such-model' }), {
      buildIfMissing: true,
      log: (l) => lines.push(l),
    });
    expect(library.semanticOff).toBeDefined();
    const offLines = lines.filter((l) => l.includes('Semantic search is off'));
    expect(offLines).toHaveLength(1);
    expect(offLines[0]).toContain('no-such-org/no-such-model');
    const response = await library.search('有志連合の首脳会合はどこで開かれたか', { k: 5 });
    expect(response.mode).toBe('keyword');
  });

  it('serves keyword search from an index with vectors when its model no longer loads', async () => {
    // A copy of the test model under its own path (the model id the index records), broken after the build.
    const model = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-model-')), 'kiji-test-char');
    fs.cpSync(testModel, model, { recursive: true });
    const settings = settingsFor({ EMBEDDING_MODEL: model });
    const built = await openLibrary(settings, { buildIfMissing: true });
    expect((await built.search('有志連合の首脳会合', { k: 3 })).mode).toBe('hybrid');
    fs.rmSync(path.join(model, 'onnx'), { recursive: true });
    const lines: string[] = [];
    const library = await openLibrary(settings, { log: (l) => lines.push(l) });
    expect(lines.filter((l) => l.includes('Semantic search is off'))).toHaveLength(1);
    expect(library.buildId).toBe(built.buildId);
    // Loaded again without vectors: nothing could embed a question for them.
    expect(library.loaded.vectors).toBeUndefined();
    const response = await library.search('有志連合の首脳会合はどこで開かれたか', { k: 5 });
    expect(response.mode).toBe('keyword');
    expect(response.results.length).toBeGreaterThan(0);
  });

  it('rebuilds an index written in an older format instead of failing', async () => {
    const settings = settingsFor({ SEMANTIC_SEARCH: 'off' });
    await openLibrary(settings, { buildIfMissing: true });
    const build = path.join(settings.indexDir, fs.readFileSync(path.join(settings.indexDir, 'CURRENT'), 'utf8').trim());
    const manifestFile = path.join(build, 'manifest.json');
    // As an older kiji wrote it: without the checksums of format 3.
    const { checksum: _checksum, checksums: _checksums, ...older } = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(manifestFile, JSON.stringify({ ...older, formatVersion: 1 }));
    await expect(openLibrary(settings)).rejects.toMatchObject({ code: 'INDEX_OUTDATED' });
    const lines: string[] = [];
    const library = await openLibrary(settings, { buildIfMissing: true, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/format version 1.*Rebuilding it/);
    // Not told to rebuild it themselves while it is being rebuilt for them.
    expect(lines.join('\n')).not.toContain('npm run embed');
    const response = await library.search('有志連合の首脳会合はどこで開かれたか', { k: 3 });
    expect(response.results.length).toBeGreaterThan(0);
  });

  it('swaps in a rebuilt index on reindex and changes the build id', async () => {
    const settings = settingsFor({ EMBEDDING_MODEL: testModel });
    const articles = path.join(path.dirname(settings.indexDir), 'articles');
    fs.cpSync(seed, articles, { recursive: true });
    settings.articlesPath = articles;
    const library = await openLibrary(settings, { buildIfMissing: true });
    const before = library.buildId;
    fs.writeFileSync(
      path.join(articles, 'tokyo.md'),
      '---\nsource: テスト通信\ndate: 2026-02-01\nurl: https://example.com/tokyo\n---\n# 東京で国際会議\n\n東京で新しい国際会議が開かれ、世界中から多くの参加者が集まった。主な議題は気候変動と海洋汚染だった。',
    );
    const report = await library.reindex();
    expect(report).toMatchObject({ articles: 4, embedded: 1 });
    expect(library.buildId).not.toBe(before);
    const response = await library.search('海洋汚染', { k: 3 });
    expect(response.results[0]?.passage).toMatchObject({ title: '東京で国際会議', source: 'テスト通信', url: 'https://example.com/tokyo' });
  });

  it('queues one more rebuild for a reindex asked during a rebuild, shared by every call until it starts', async () => {
    const settings = settingsFor({ SEMANTIC_SEARCH: 'off' });
    const articles = path.join(path.dirname(settings.indexDir), 'articles');
    fs.cpSync(seed, articles, { recursive: true });
    settings.articlesPath = articles;
    const library = await openLibrary(settings, { buildIfMissing: true });
    const running = library.reindex();
    // Written after the first rebuild started: only a rebuild that starts later is sure to see it.
    fs.writeFileSync(path.join(articles, 'osaka.md'), '# 大阪で港湾会議\n\n大阪港の再開発について港湾会議が開かれ、物流倉庫の建設計画が議論された。');
    const queued = library.reindex();
    expect(queued).not.toBe(running);
    expect(library.reindex()).toBe(queued);
    const first = await running;
    const second = await queued;
    expect(second.articles).toBe(4);
    expect(first.articles + second.articles).toBeGreaterThanOrEqual(7);
    const response = await library.search('物流倉庫の建設計画', { k: 3 });
    expect(response.results[0]?.passage.title).toBe('大阪で港湾会議');
    // With nothing running, a call starts a rebuild of its own.
    const alone = library.reindex();
    expect(alone).not.toBe(queued);
    await alone;
  });

  it('gives keyword searches the postings budget the settings name (0: none), after a reindex too', async () => {
    const budgeted = await openLibrary(settingsFor({ SEMANTIC_SEARCH: 'off', KEYWORD_MAX_POSTINGS: '500' }), { buildIfMissing: true });
    expect(budgeted.loaded.keywords.maxPostings).toBe(500);
    const settings = settingsFor({ SEMANTIC_SEARCH: 'off', KEYWORD_MAX_POSTINGS: '0' });
    const library = await openLibrary(settings, { buildIfMissing: true });
    expect(library.loaded.keywords.maxPostings).toBe(Infinity);
    await library.reindex();
    expect(library.loaded.keywords.maxPostings).toBe(Infinity);
    expect(() => settingsFor({ KEYWORD_MAX_POSTINGS: '-1' })).toThrow(/KEYWORD_MAX_POSTINGS/);
  });

  it('frees the swapped-out index once the searches running on it have ended', async () => {
    const settings = settingsFor({ EMBEDDING_MODEL: testModel });
    const library = await openLibrary(settings, { buildIfMissing: true });
    const first = library.loaded;
    const probe = first.vectors!.vector(0);
    // Nothing is searching: the old graph is freed at the swap.
    await library.reindex();
    const second = library.loaded;
    expect(second).not.toBe(first);
    expect(() => first.vectors!.search(probe, 1)).toThrow(/released/);

    // A search waiting for its query embedding while the index is swapped finishes on the index it
    // started with, which is freed right after it.
    const embedder = (library as unknown as { embedder: { embedQuery(text: string): Promise<Float32Array> } }).embedder;
    const embedQuery = embedder.embedQuery.bind(embedder);
    let embedded!: () => void;
    const gate = new Promise<void>((resolve) => (embedded = resolve));
    embedder.embedQuery = async (text) => {
      await gate;
      return embedQuery(text);
    };
    const searching = library.search('有志連合の首脳会合はどこで開かれたか', { k: 3 });
    await library.reindex();
    expect(library.loaded).not.toBe(second);
    expect(second.vectors!.search(probe, 1)).toHaveLength(1);
    embedded();
    const response = await searching;
    expect(response.mode).toBe('hybrid');
    expect(response.results.length).toBeGreaterThan(0);
    expect(() => second.vectors!.search(probe, 1)).toThrow(/released/);
    expect(library.loaded.vectors!.search(probe, 1)).toHaveLength(1);
  });
});
