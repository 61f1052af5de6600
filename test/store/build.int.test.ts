import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeEmbedder } from '../../src/embeddings/fake.js';
import { buildIndex } from '../../src/store/build.js';
import { loadIndex } from '../../src/store/load.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { searchIndex } from '../../src/retrieval/search.js';
import { KijiError } from '../../src/errors.js';
import { indexFiles, readManifest } from '../../src/store/manifest.js';
import { keywordIndexKey } from '../../src/store/keyword-docs.js';
import { RENUMBER_SHARE } from '../../src/vectors/hnsw-store.js';
import { editManifest, fakeBuild, fakeModel, tempCorpus } from './helpers.js';

// Ranking quality is the eval's job (npm run eval); here the question only has to be unambiguous.
const parisQuestion = '有志連合はこの日、パリで首脳会合を開催';

describe('buildIndex', () => {
  it('indexes the seed and finds the Paris summit paragraph first', async () => {
    const dirs = tempCorpus();
    const { run, embedder } = fakeBuild(dirs);
    const report = await run();
    expect(report).toMatchObject({ articles: 3, embedded: report.passages, removed: 0, skipped: [] });
    expect(report.passages).toBeGreaterThan(30);
    const index = await loadIndex(dirs.index, { model: fakeModel });
    expect(index.vectors).toBeDefined();
    const response = await searchIndex(index, embedder, parisQuestion, { k: 5 });
    expect(response.mode).toBe('hybrid');
    expect(response.semanticOff).toBeUndefined();
    // Keyword mode asked for is not semantic search switched off.
    expect((await searchIndex(index, embedder, parisQuestion, { k: 5, mode: 'keyword' })).semanticOff).toBeUndefined();
    expect(response.results[0]?.passage.text).toContain('有志連合はこの日、パリで首脳会合を開催');
  });

  it('embeds nothing and loads no model when the corpus is unchanged', async () => {
    const dirs = tempCorpus();
    const first = fakeBuild(dirs);
    await first.run();
    const before = currentBuildDir(dirs.index);
    const second = fakeBuild(dirs);
    const report = await second.run();
    expect(report.embedded).toBe(0);
    expect(report.reused).toBe(report.passages);
    expect(second.loads()).toBe(0);
    expect(currentBuildDir(dirs.index)).toBe(before);
  });

  it.each([
    ['other keyword settings or format', 'older-settings'],
    // A Node upgrade brings another ICU, whose word segmenter may split words differently.
    ['another ICU word segmenter', keywordIndexKey('1.0')],
  ])('rebuilds only the keyword index when it was built with %s', async (_, writtenKey) => {
    expect(writtenKey).not.toBe(keywordIndexKey());
    const dirs = tempCorpus();
    await fakeBuild(dirs).run();
    const before = currentBuildDir(dirs.index)!;
    // As if written by a kiji with other keyword defaults or an older keyword file format.
    expect(readManifest(before).keywordIndexKey).toBe(keywordIndexKey());
    editManifest(before, (manifest) => ({ ...manifest, keywordIndexKey: writtenKey }));
    const second = fakeBuild(dirs);
    const report = await second.run();
    expect(second.loads()).toBe(0);
    expect(report.embedded).toBe(0);
    expect(report.reused).toBe(report.passages);
    const after = currentBuildDir(dirs.index)!;
    expect(after).not.toBe(before);
    expect(readManifest(after).keywordIndexKey).toBe(keywordIndexKey());
    const index = await loadIndex(dirs.index, { model: fakeModel });
    expect(index.keywords.search('有志連合の首脳会合', 1)).toHaveLength(1);
    // And the next run over the same corpus and settings writes nothing again.
    await fakeBuild(dirs).run();
    expect(currentBuildDir(dirs.index)).toBe(after);
  });

  it('re-embeds only changed passages and drops removed ones', async () => {
    const dirs = tempCorpus();
    await fakeBuild(dirs).run();
    const file = path.join(dirs.articles, fs.readdirSync(dirs.articles)[0]!);
    const text = fs.readFileSync(file, 'utf8');
    // One paragraph edited, one new file with two paragraphs.
    fs.writeFileSync(file, text.replace('有志連合はこの日、パリで首脳会合を開催。', '有志連合はこの日、パリのエリゼ宮で首脳会合を開催。'));
    fs.writeFileSync(
      path.join(dirs.articles, 'extra.md'),
      '# 追加の記事\n\n東京で新しい国際会議が開かれ、世界中から多くの参加者が集まった。主な議題は気候変動と海洋汚染だった。\n\n二つ目の段落では、会議の結果として各国の合意文書が全会一致で採択されたことが、主催者から報告された。',
    );
    const second = fakeBuild(dirs);
    const report = await second.run();
    expect(report.embedded).toBe(3);
    expect(report.reused).toBe(report.passages - 3);
    expect(report.articles).toBe(4);
    // The edited passage's freed label is reused, so labels stay dense: 0..passages-1.
    const labels = (await loadIndex(dirs.index, { model: fakeModel })).table.labels();
    expect(Math.max(...labels)).toBe(report.passages - 1);
    expect(new Set(labels).size).toBe(labels.length);

    fs.rmSync(path.join(dirs.articles, 'extra.md'));
    const third = fakeBuild(dirs);
    const after = await third.run();
    expect(after).toMatchObject({ embedded: 0, removed: 2, articles: 3 });
    expect(third.loads()).toBe(0);
    const index = await loadIndex(dirs.index, { model: fakeModel });
    const response = await searchIndex(index, third.embedder, 'エリゼ宮で首脳会合', { k: 3 });
    expect(response.results[0]?.passage.text).toContain('エリゼ宮');
  });

  it('adds up the vectors small updates insert until a tenth of the graph, then renumbers it', async () => {
    const dirs = tempCorpus();
    const unordered = (): number | undefined => readManifest(currentBuildDir(dirs.index)!).vectorsUnordered;
    const first = await fakeBuild(dirs).run();
    // A new graph is renumbered once its vectors are in.
    expect(unordered()).toBe(0);
    const file = path.join(dirs.articles, fs.readdirSync(dirs.articles)[0]!);
    const edit = (from: string, to: string): void => fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));
    // One paragraph edited, then edited again: too few of the seed's passages to renumber for, each
    // recorded for the next build.
    edit('有志連合はこの日、パリで首脳会合を開催。', '有志連合はこの日、パリのエリゼ宮で首脳会合を開催。');
    expect((await fakeBuild(dirs).run()).embedded).toBe(1);
    expect(unordered()).toBe(1);
    edit('パリのエリゼ宮で', 'パリの大統領府で');
    await fakeBuild(dirs).run();
    expect(unordered()).toBe(2);
    // Together with the earlier two, a tenth of the graph (one fewer would not be): renumbered, and
    // counted from 0 again.
    const more = 3;
    expect(2 + more).toBeGreaterThanOrEqual(RENUMBER_SHARE * (first.passages + more));
    expect(2 + more - 1).toBeLessThan(RENUMBER_SHARE * (first.passages + more - 1));
    fs.writeFileSync(
      path.join(dirs.articles, 'extra.md'),
      `# 追加の記事\n\n${Array.from({ length: more }, (_, i) => `追加の段落その${i + 1}では、東京で開かれた国際会議の${i + 1}日目の議論と、各国の代表が示した主な論点が詳しく報告された。`).join('\n\n')}`,
    );
    const last = await fakeBuild(dirs).run();
    expect(last.embedded).toBe(more);
    expect(unordered()).toBe(0);
    const index = await loadIndex(dirs.index, { model: fakeModel });
    const response = await searchIndex(index, new FakeEmbedder(), 'パリの大統領府で首脳会合', { k: 3 });
    expect(response.results[0]?.passage.text).toContain('大統領府');
  });

  it('keeps the previous index when a build fails half way', async () => {
    const dirs = tempCorpus();
    await fakeBuild(dirs).run();
    const before = currentBuildDir(dirs.index)!;
    const buildIdBefore = (await loadIndex(dirs.index, { model: fakeModel })).manifest.buildId;
    fs.writeFileSync(path.join(dirs.articles, 'extra.txt'), 'タイトル\n\n本文の段落がここにあり、十分な長さの文章になるように書いている。');
    const failing = new FakeEmbedder();
    failing.embedPassages = async () => {
      throw new Error('simulated crash while embedding');
    };
    await expect(fakeBuild(dirs, failing).run()).rejects.toThrow('simulated crash');
    expect(currentBuildDir(dirs.index)).toBe(before);
    expect((await loadIndex(dirs.index, { model: fakeModel })).manifest.buildId).toBe(buildIdBefore);
    expect(fs.readdirSync(dirs.index).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('ignores the leftovers of a killed build and cleans them up later', async () => {
    const dirs = tempCorpus();
    await fakeBuild(dirs).run();
    const killed = path.join(dirs.index, 'build-20000101000000-dead00.partial');
    fs.mkdirSync(killed);
    fs.writeFileSync(path.join(killed, indexFiles.passages), '{"half":');
    const old = new Date(Date.now() - 3_600_000);
    fs.utimesSync(killed, old, old);
    expect((await loadIndex(dirs.index, { model: fakeModel })).table.size).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dirs.articles, 'extra.txt'), 'タイトル\n\n本文の段落がここにあり、十分な長さの文章になるように書いている。');
    await fakeBuild(dirs).run();
    expect(fs.existsSync(killed)).toBe(false);
  });

  it('builds a keyword-only index when the model cannot be loaded, and says why', async () => {
    const dirs = tempCorpus();
    const offline = fakeBuild(dirs, undefined, {
      getEmbedder: async () => {
        throw new KijiError('MODEL_UNAVAILABLE', 'offline in this test');
      },
    }).run;
    const report = await offline();
    expect(report.semanticOff).toContain('offline in this test');
    // Nothing embedded, and nothing reused either: there was no index before.
    expect(report).toMatchObject({ embedded: 0, reused: 0 });
    const index = await loadIndex(dirs.index, { model: fakeModel });
    expect(index.vectors).toBeUndefined();
    expect(index.semanticOff).toContain('npm run embed');
    const response = await searchIndex(index, new FakeEmbedder(), parisQuestion, { k: 5 });
    expect(response.mode).toBe('keyword');
    // Front ends tell a reader why a question in another language than the articles' finds nothing.
    expect(response.semanticOff).toBe(true);
    expect(await searchIndex(index, new FakeEmbedder(), 'Where did the leaders meet?', { k: 5 })).toMatchObject({ results: [], semanticOff: true });
    expect(response.results[0]?.passage.text).toContain('パリで首脳会合を開催');
    // One paragraph edited: the rest counts as unchanged, still with nothing embedded.
    const file = path.join(dirs.articles, 'reuters-2026-01-06.txt');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('パリで首脳会合を開催', 'ローマで首脳会合を開催'));
    expect(await offline()).toMatchObject({ embedded: 0, reused: report.passages - 1 });
  });

  it('stops before parsing when no article file changed, still reporting the skipped ones', async () => {
    const dirs = tempCorpus();
    fs.writeFileSync(path.join(dirs.articles, 'broken.jsonl'), '{"id": "x", "title": \n');
    const first = await fakeBuild(dirs).run();
    expect(first.skipped).toEqual([{ path: 'broken.jsonl', reason: expect.stringContaining('not valid JSON'), scope: 'file' }]);
    const again = await fakeBuild(dirs).run();
    expect(again).toMatchObject({ articles: first.articles, passages: first.passages, embedded: 0, removed: 0 });
    expect(again.skipped).toEqual(first.skipped);
    // As an older kiji recorded it, without a scope: read as a whole file, as it was reported then.
    editManifest(currentBuildDir(dirs.index)!, (manifest) => ({ ...manifest, skipped: manifest.skipped.map(({ scope: _, ...rest }: { scope?: string }) => rest) }));
    expect((await fakeBuild(dirs).run()).skipped).toEqual(first.skipped);
    // Same size, different bytes: the fingerprint is over content, not metadata.
    const file = path.join(dirs.articles, 'reuters-2026-01-06.txt');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('パリで首脳会合', 'ローマで首脳会'));
    const changed = await fakeBuild(dirs).run();
    expect(changed.embedded).toBeGreaterThan(0);
  });

  it('reports a bad article file by path and indexes the rest', async () => {
    const dirs = tempCorpus();
    fs.writeFileSync(path.join(dirs.articles, 'broken.jsonl'), '{"id": "x", "title": \n');
    const report = await fakeBuild(dirs).run();
    expect(report.articles).toBe(3);
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]?.path).toContain('broken.jsonl');
  });
});

describe('loadIndex', () => {
  it('refuses an index built with another model', async () => {
    const dirs = tempCorpus();
    await fakeBuild(dirs).run();
    await expect(loadIndex(dirs.index, { model: { id: 'another-model', dtype: 'q8' } })).rejects.toMatchObject({
      code: 'INDEX_MISMATCH',
      message: expect.stringContaining('fake-trigram'),
    });
  });

  it('says the index is missing before any build', async () => {
    const dirs = tempCorpus();
    await expect(loadIndex(dirs.index)).rejects.toMatchObject({ code: 'INDEX_MISSING' });
  });

  it.each(['keywords.bin', 'vectors.hnsw', 'passages.bin', 'texts.bin', 'manifest.json'])(
    'reports a truncated %s as INDEX_CORRUPT',
    async (name) => {
      const dirs = tempCorpus();
      await fakeBuild(dirs).run();
      const file = path.join(currentBuildDir(dirs.index)!, name);
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await expect(loadIndex(dirs.index, { model: fakeModel })).rejects.toMatchObject({ code: 'INDEX_CORRUPT' });
    },
  );

  it('rebuilds from scratch over a corrupt previous index', async () => {
    const dirs = tempCorpus();
    await fakeBuild(dirs).run();
    const file = path.join(currentBuildDir(dirs.index)!, indexFiles.passages);
    fs.writeFileSync(file, 'garbage');
    const lines: string[] = [];
    const report = await fakeBuild(dirs, new FakeEmbedder(), { log: (l) => lines.push(l) }).run();
    expect(report.embedded).toBe(report.passages);
    expect(lines.join('\n')).toContain('cannot be reused');
    expect((await loadIndex(dirs.index, { model: fakeModel })).table.size).toBe(report.passages);
  });
});
