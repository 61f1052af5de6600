import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEmbedder } from '../../src/embeddings/fake.js';
import { parseJsonl } from '../../src/articles/jsonl.js';
import type { Article } from '../../src/articles/article.js';
import { buildIndex } from '../../src/store/build.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { SegmentedFileStore, type MergeSettings } from '../../src/store/index-store.js';
import { releaseIndex, type LoadedIndex } from '../../src/store/load.js';
import { readSegments, writeDelta, deltaFiles } from '../../src/store/segments.js';
import { searchIndex } from '../../src/retrieval/search.js';
import { fakeModel, tempCorpus } from './helpers.js';
import { segmentDefaults } from '../../src/config/defaults.js';

/** Several deltas side by side (the default keeps one), as these tests exercise them. */
const severalDeltas = { ...segmentDefaults, compactAbove: 3 };

/**
 * The segmented store over an index folder: deletions by article id, filters across segments, the
 * commit point, carry-over of deltas made during a merge, and damaged deltas.
 */
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

/** A corpus of the seed articles plus `extra`, built with a FakeEmbedder; the store over it. */
async function setUp(): Promise<{ dirs: ReturnType<typeof tempCorpus>; store: SegmentedFileStore; embedder: FakeEmbedder; index: LoadedIndex }> {
  const dirs = tempCorpus();
  roots.push(dirs.root);
  const embedder = new FakeEmbedder();
  await buildIndex({ articlesPath: dirs.articles, indexDir: dirs.index, model: fakeModel, getEmbedder: async () => embedder });
  const store = new SegmentedFileStore(dirs.index, { model: fakeModel }, severalDeltas);
  return { dirs, store, embedder, index: await store.load() };
}

let counter = 0;
/** Writes one JSONL article file into the articles folder and returns its article as a build parses it. */
function article(dirs: { articles: string }, id: string, title: string, body: string, source = 'テスト通信'): Article {
  const name = `t-${++counter}.jsonl`;
  const text = `${JSON.stringify({ id, title, source, published: '2026-02-01T00:00:00Z', body })}\n`;
  fs.writeFileSync(path.join(dirs.articles, name), text);
  return parseJsonl(text, name)[0]!;
}

/** Two paragraphs long enough to be two passages. */
const body = (topic: string): string =>
  `${topic}は港町の新しい試みとして注目を集めている。地元の住民や観光客からも期待の声が多く寄せられている。\n\n関係者によると、${topic}の準備は三年前から進められてきた。資金の確保や人材の育成など、多くの課題を乗り越えてきたという。`;

async function ids(index: LoadedIndex, question: string, embedder: FakeEmbedder | undefined, filter?: { articleIds?: string[]; sources?: string[] }): Promise<string[]> {
  const response = await searchIndex(index, embedder, question, { k: 20, ...(filter ? { filter } : {}) }, { relevance: { minSimilarity: -1, minCoverage: 0 } });
  return response.results.map((r) => r.passage.id);
}

describe('segmented file store', () => {
  it('changes and removals never return dead rows; unchanged passages keep their vectors', async () => {
    const { dirs, store, embedder, index } = await setUp();
    const first = await store.apply(index, { articles: [article(dirs, 'kaze', '風力発電の島', body('風力発電')), article(dirs, 'umi', '海底ケーブル', body('海底ケーブル'))], removed: [] }, embedder);
    expect(first.report.embedded).toBe(4);
    const before = embedder.embedded;
    // The same article again with one paragraph changed: only that passage is embedded.
    const changed = article(dirs, 'kaze', '風力発電の島', `${body('風力発電').split('\n\n')[0]}\n\n洋上の風車は来年から動き出す予定だ。漁業者との調整も終わり、建設工事は予定どおり進んでいると担当者は話している。`);
    const second = await store.apply(first.snapshot, { articles: [changed], removed: ['umi'] }, embedder);
    expect(embedder.embedded - before).toBe(1);
    const snapshot = second.snapshot;
    const live = new Set(snapshot.segments!.articles().map((a) => a.id));
    expect(live.has('umi')).toBe(false);
    expect(snapshot.segments!.articles().find((a) => a.id === 'kaze')?.passages).toBe(2);
    for (const question of ['海底ケーブルの準備', '風力発電の準備は三年前から', '洋上の風車']) {
      const found = await ids(snapshot, question, embedder);
      expect(found.some((id) => id.startsWith('umi'))).toBe(false);
      // Every cited row is the live version of its passage.
      const response = await searchIndex(snapshot, embedder, question, { k: 20 }, { relevance: { minSimilarity: -1, minCoverage: 0 } });
      for (const r of response.results) expect(store.passage(snapshot, r.passage.id)?.hash).toBe(r.passage.hash);
    }
    expect(store.passage(snapshot, 'umi#1')).toBeUndefined();
    expect((await ids(snapshot, '洋上の風車は来年から動き出す', embedder))[0]).toMatch(/^kaze#/);
    // The old second paragraph of kaze is dead: no row holds its text.
    const old = await searchIndex(snapshot, undefined, '準備は三年前から進められてきた', { k: 20, mode: 'keyword' });
    expect(old.results.length).toBeGreaterThan(0);
    expect(old.results.filter((r) => r.passage.text.includes('風力発電の準備'))).toEqual([]);
  });

  it('a filter across segments allows exactly what it names', async () => {
    const { dirs, store, embedder, index } = await setUp();
    const baseArticle = index.table.articleSummaries()[0]!.id;
    const { snapshot } = await store.apply(index, { articles: [article(dirs, 'ike', '池の清掃', body('池の清掃')), article(dirs, 'mori', '森の調査', body('森の調査'), '別の通信')], removed: [] }, embedder);
    for (const question of ['池の清掃の準備', '首脳会合', '新しい試み']) {
      for (const mode of ['keyword', 'hybrid'] as const) {
        const response = await searchIndex(snapshot, embedder, question, { k: 20, mode, filter: { articleIds: ['ike', baseArticle] } }, { relevance: { minSimilarity: -1, minCoverage: 0 } });
        for (const r of response.results) expect(['ike', baseArticle]).toContain(r.passage.articleId);
        const bySource = await searchIndex(snapshot, embedder, question, { k: 20, mode, filter: { sources: ['別の通信'] } }, { relevance: { minSimilarity: -1, minCoverage: 0 } });
        for (const r of bySource.results) expect(r.passage.articleId).toBe('mori');
      }
    }
    const only = await ids(snapshot, '森の調査', embedder, { sources: ['別の通信'] });
    expect(only.length).toBe(2);
  });

  it('a delta written but not committed (a crash before the list) leaves the previous state, and is cleaned up later', async () => {
    const { dirs, store, embedder, index } = await setUp();
    const { snapshot } = await store.apply(index, { articles: [article(dirs, 'ike', '池の清掃', body('池の清掃'))], removed: [] }, embedder);
    const listBefore = readSegments(snapshot.dir);
    const orphan = await writeDelta(dirs.index, listBefore.next, { passages: [], articles: 0 });
    const reloaded = await new SegmentedFileStore(dirs.index, { model: fakeModel }).load();
    expect(reloaded.segments!.list).toEqual(listBefore);
    expect(reloaded.segments!.deltas.map((d) => d.name)).not.toContain(orphan);
    // Unlisted and old: the next merge's publish removes it.
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(path.join(dirs.index, orphan), old, old);
    await buildIndex({ articlesPath: dirs.articles, indexDir: dirs.index, model: fakeModel, getEmbedder: async () => embedder });
    expect(fs.existsSync(path.join(dirs.index, orphan))).toBe(false);
    releaseIndex(reloaded);
  });

  it('a merge reuses every delta vector and carries over a delta committed while it ran', async () => {
    const { dirs, store, embedder, index } = await setUp();
    const { snapshot } = await store.apply(index, { articles: [article(dirs, 'ike', '池の清掃', body('池の清掃'))], removed: [] }, embedder);
    // Needs embedding, so the merge asks for the model after reading the segments list and the articles.
    article(dirs, 'sora', '空の便', body('空の便'));
    let during: LoadedIndex | undefined;
    const report = await buildIndex({
      articlesPath: dirs.articles,
      indexDir: dirs.index,
      model: fakeModel,
      getEmbedder: async () => {
        during = (await store.apply(snapshot, { articles: [article(dirs, 'mori', '森の調査', body('森の調査'))], removed: ['ike'] }, embedder)).snapshot;
        return embedder;
      },
    });
    expect(during).toBeDefined();
    // Only sora's two passages: ike's came from its delta, the seed's from the graph.
    expect(report.embedded).toBe(2);
    const merged = await store.load();
    expect(merged.dir).toBe(currentBuildDir(dirs.index));
    expect(merged.table.articleSummaries().map((a) => a.id)).toEqual(expect.arrayContaining(['ike', 'sora']));
    const list = readSegments(merged.dir);
    expect(list.deltas).toHaveLength(1);
    expect(list.deltas[0]!.supersedes).toEqual(['mori', 'ike']);
    const live = merged.segments!.articles().map((a) => a.id);
    expect(live).toContain('mori');
    expect(live).not.toContain('ike');
    expect((await ids(merged, '森の調査の準備', embedder))[0]).toMatch(/^mori#/);
    // `npm run embed` over deltas is a merge (nothing embedded), and after it an unchanged corpus is recognised again.
    const before = embedder.embedded;
    const folded = await buildIndex({ articlesPath: dirs.articles, indexDir: dirs.index, model: fakeModel, getEmbedder: async () => embedder });
    expect(embedder.embedded).toBe(before);
    expect(folded.embedded).toBe(0);
    const foldedDir = currentBuildDir(dirs.index)!;
    expect(foldedDir).not.toBe(merged.dir);
    expect(readSegments(foldedDir).deltas).toEqual([]);
    await buildIndex({ articlesPath: dirs.articles, indexDir: dirs.index, model: fakeModel, getEmbedder: async () => embedder });
    expect(currentBuildDir(dirs.index)).toBe(foldedDir);
  });

  it('small deltas are compacted into one as updates land, with the same top answers as without', async () => {
    const { dirs, store, embedder, index } = await setUp();
    const plainDir = path.join(dirs.root, 'plain-index');
    fs.cpSync(dirs.index, plainDir, { recursive: true });
    const plain = new SegmentedFileStore(plainDir, { model: fakeModel }, { maxDeltas: 100, maxDeltaShare: 1, maxDeltaPassages: Infinity, compactAbove: 100, compactPassages: 0 });
    let compacted = index;
    let separate = await plain.load();
    const updates = [
      { articles: [article(dirs, 'ike', '池の清掃', body('池の清掃')), article(dirs, 'mori', '森の調査', body('森の調査'))], removed: [] },
      { articles: [article(dirs, 'sora', '空の便', body('空の便'))], removed: [] },
      { articles: [article(dirs, 'ike', '池の清掃', `${body('池の清掃').split('\n\n')[0]}\n\n池の水は春までに入れ替えられる。周辺の遊歩道も同じ時期に整備される予定だと市は説明した。`)], removed: ['mori'] },
      { articles: [article(dirs, 'kawa', '川の護岸', body('川の護岸'))], removed: [] },
      { articles: [article(dirs, 'yama', '山の道', body('山の道'))], removed: ['sora'] },
    ];
    for (const change of updates) {
      compacted = (await store.apply(compacted, change, embedder)).snapshot;
      separate = (await plain.apply(separate, change, embedder)).snapshot;
      expect(compacted.segments!.deltas.length).toBeLessThanOrEqual(3);
    }
    expect(separate.segments!.deltas).toHaveLength(5);
    expect(compacted.segments!.deltas.length).toBeLessThan(5);
    // The fourth update took the three deltas in: what was dead by then (mori, ike's old paragraph) was left out.
    const first = compacted.segments!.deltas[0]!.table;
    expect(first.articleSummaries().map((a) => `${a.id}:${a.passages}`).sort()).toEqual(['ike:2', 'kawa:2', 'sora:2']);
    const sorted = (index: LoadedIndex) => store.articles(index).map((a) => `${a.id}:${a.passages}`).sort();
    expect(sorted(compacted)).toEqual(sorted(separate));
    for (const question of ['池の水は春までに', '森の調査の準備', '空の便', '川の護岸の準備', '山の道', '首脳会合']) {
      // The top 10 of 20: compaction drops dead rows, which the separate deltas still count in the
      // collection's statistics (as Lucene does until a merge), so far-down near ties may swap.
      expect((await ids(compacted, question, embedder)).slice(0, 10)).toEqual((await ids(separate, question, embedder)).slice(0, 10));
    }
  });

  it("asks for a merge past a share of the build's passages, or past a number of delta passages whatever the build's size", async () => {
    const { dirs, embedder, index } = await setUp();
    const base = index.table.size;
    const store = (merge: Partial<MergeSettings>) => new SegmentedFileStore(dirs.index, { model: fakeModel }, { ...severalDeltas, maxDeltaShare: 1, maxDeltaPassages: Infinity, ...merge });
    const { snapshot } = await store({}).apply(index, { articles: [article(dirs, 'kaze', '風力発電の島', body('風力発電'))], removed: [] }, embedder);
    const added = snapshot.segments!.size - base;
    expect(added).toBe(2);
    expect(store({}).needsMerge(snapshot)).toBe(false);
    expect(store({ maxDeltaShare: 1.5 / base }).needsMerge(snapshot)).toBe(true);
    expect(store({ maxDeltaPassages: added }).needsMerge(snapshot)).toBe(false);
    expect(store({ maxDeltaPassages: added - 1 }).needsMerge(snapshot)).toBe(true);
    // The defaults: a share of a build this small is below one passage.
    expect(new SegmentedFileStore(dirs.index, { model: fakeModel }).needsMerge(snapshot)).toBe(base * segmentDefaults.maxDeltaShare < added);
  });

  it('a damaged delta is left out and searches still answer', async () => {
    const { dirs, store, embedder, index } = await setUp();
    const { snapshot } = await store.apply(index, { articles: [article(dirs, 'ike', '池の清掃', body('池の清掃'))], removed: [] }, embedder);
    const second = await store.apply(snapshot, { articles: [article(dirs, 'mori', '森の調査', body('森の調査'))], removed: [] }, embedder);
    const damagedDelta = second.snapshot.segments!.deltas[1]!;
    const file = path.join(damagedDelta.dir, deltaFiles.keywords);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3]! ^= 0xff;
    fs.writeFileSync(file, bytes);
    const reloaded = await new SegmentedFileStore(dirs.index, { model: fakeModel }).load();
    expect(reloaded.segments!.damaged).toEqual([{ name: damagedDelta.name, reason: expect.stringContaining('checksum') }]);
    expect(reloaded.segments!.deltas).toHaveLength(1);
    expect((await ids(reloaded, '池の清掃の準備', embedder))[0]).toMatch(/^ike#/);
    expect(await ids(reloaded, '森の調査の準備', embedder)).not.toContain('mori#1');
    // A merge rebuilds from the articles: mori is back, nothing damaged.
    await buildIndex({ articlesPath: dirs.articles, indexDir: dirs.index, model: fakeModel, getEmbedder: async () => embedder });
    const merged = await new SegmentedFileStore(dirs.index, { model: fakeModel }).load();
    expect(merged.segments).toBeUndefined();
    expect((await ids(merged, '森の調査の準備', embedder))[0]).toMatch(/^mori#/);
  });
});
