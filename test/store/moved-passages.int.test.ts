import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEmbedder } from '../../src/embeddings/fake.js';
import { parseJsonl } from '../../src/articles/jsonl.js';
import type { Article } from '../../src/articles/article.js';
import { passageEmbeddingText } from '../../src/passages/chunk.js';
import { SegmentedFileStore } from '../../src/store/index-store.js';
import { loadIndex, releaseIndex, type LoadedIndex } from '../../src/store/load.js';
import { searchIndex } from '../../src/retrieval/search.js';
import { fakeBuild, fakeModel, tempCorpus } from './helpers.js';

/**
 * Passage ids are positional (`<article>#<paragraph>`): a paragraph inserted or removed near the top of
 * an article renumbers the ones below it. Their vectors are reused by what the embedder sees, so only the
 * new paragraph is embedded, through a full rebuild and through a delta, and each passage still carries
 * its own vector under its new id.
 */
const roots: string[] = [];
const loaded: LoadedIndex[] = [];
afterEach(() => {
  for (const index of loaded.splice(0)) releaseIndex(index);
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

/** Long enough to be one passage each, and far from one another. */
const paragraphs = [
  '市の図書館は来月から開館時間を夜九時まで延ばすと発表した。仕事帰りの利用者からの要望が多かったためだという。',
  '新しい閲覧室には電源付きの机が四十席用意され、予約なしで誰でも使えるようになる。無線通信も無料で提供される。',
  '館長は記者会見で、蔵書の電子化も同時に進め、三年以内に郷土資料の半分を公開したいとの考えを示した。',
  '一方で夜間の職員確保が課題となっており、市は大学と連携して学生の短期雇用を検討している。',
];
const inserted = '速報として伝えられたこの発表には、周辺の住民や商店街からも歓迎の声が相次いでいる。';

let counter = 0;
/** Writes `library` (one JSONL file, rewritten on each call) and returns the article as a build parses it. */
function writeArticle(articles: string, body: string[], id = 'library', title = '図書館の夜間開館'): Article {
  const text = `${JSON.stringify({ id, title, source: 'テスト通信', published: '2026-02-01T00:00:00Z', body: body.join('\n\n') })}\n`;
  fs.writeFileSync(path.join(articles, `${id}.jsonl`), text);
  return parseJsonl(text, `${id}-${++counter}.jsonl`)[0]!;
}

/** Every passage of the build has its own vector: the one its embedding text gives. */
async function expectOwnVectors(index: LoadedIndex): Promise<void> {
  const check = new FakeEmbedder();
  const { table, vectors } = index;
  const rows = Array.from({ length: table.size }, (_, row) => row);
  const expected = await check.embedPassages(rows.map((row) => passageEmbeddingText(table.passage(row))));
  for (const row of rows) {
    const label = table.label(row);
    expect(label, table.id(row)).toBeGreaterThanOrEqual(0);
    const stored = vectors!.vector(label);
    const dot = stored.reduce((sum, x, d) => sum + x * expected[row]![d]!, 0);
    expect(dot, table.id(row)).toBeCloseTo(1, 5);
  }
}

/** Likewise for every row of the snapshot's deltas. */
async function expectOwnDeltaVectors(index: LoadedIndex): Promise<void> {
  const check = new FakeEmbedder();
  for (const delta of index.segments?.deltas ?? []) {
    const dimension = delta.manifest.dimension!;
    const rows = Array.from({ length: delta.table.size }, (_, row) => row);
    const expected = await check.embedPassages(rows.map((row) => passageEmbeddingText(delta.table.passage(row))));
    for (const row of rows) {
      const stored = delta.vectors!.subarray(row * dimension, (row + 1) * dimension);
      const dot = stored.reduce((sum, x, d) => sum + x * expected[row]![d]!, 0);
      expect(dot, `${delta.name} ${delta.table.id(row)}`).toBeCloseTo(1, 5);
    }
  }
}

/** The id a vector-only search ranks first for `text` (a passage's own embedding text scores 1). */
async function topId(index: LoadedIndex, text: string): Promise<string | undefined> {
  const response = await searchIndex(index, new FakeEmbedder(), text, { k: 1, mode: 'vector' }, { relevance: { minSimilarity: -1, minCoverage: 0 } });
  return response.results[0]?.passage.id;
}

const embeddingText = (paragraph: string): string => `図書館の夜間開館\n${paragraph}`;

describe('reuse by embedding input, whatever the id', () => {
  it('a full rebuild embeds only an inserted paragraph, and nothing when one is removed', async () => {
    const dirs = tempCorpus();
    roots.push(dirs.root);
    writeArticle(dirs.articles, paragraphs);
    await fakeBuild(dirs).run();

    writeArticle(dirs.articles, [inserted, ...paragraphs]);
    const insert = fakeBuild(dirs);
    const afterInsert = await insert.run();
    expect(afterInsert.embedded).toBe(1);
    expect(insert.embedder.embedded).toBe(1);
    expect(afterInsert.reused).toBe(afterInsert.passages - 1);
    let index = await loadIndex(dirs.index, { model: fakeModel });
    loaded.push(index);
    await expectOwnVectors(index);
    // The old first paragraph is now passage 2, and cited so.
    expect(await topId(index, embeddingText(paragraphs[0]!))).toBe('library#2');
    expect(await topId(index, embeddingText(paragraphs[3]!))).toBe('library#5');
    expect(await topId(index, embeddingText(inserted))).toBe('library#1');
    const labels = index.table.labels();
    expect(new Set(labels).size).toBe(labels.length);

    writeArticle(dirs.articles, [inserted, paragraphs[0]!, paragraphs[2]!, paragraphs[3]!]);
    const remove = fakeBuild(dirs);
    const afterRemove = await remove.run();
    expect(afterRemove).toMatchObject({ embedded: 0, removed: 1, passages: afterInsert.passages - 1 });
    // Nothing to embed: the model is not even loaded.
    expect(remove.loads()).toBe(0);
    index = await loadIndex(dirs.index, { model: fakeModel });
    loaded.push(index);
    await expectOwnVectors(index);
    expect(await topId(index, embeddingText(paragraphs[2]!))).toBe('library#3');
    expect(await topId(index, embeddingText(paragraphs[1]!))).not.toMatch(/^library#/);
  });

  it('a full rebuild copies a vector two passages share, and keeps the old one', async () => {
    const dirs = tempCorpus();
    roots.push(dirs.root);
    writeArticle(dirs.articles, paragraphs);
    await fakeBuild(dirs).run();
    // The same story under a second id, its first paragraph dropped: every passage of it moved.
    writeArticle(dirs.articles, paragraphs.slice(1), 'library-copy');
    const second = fakeBuild(dirs);
    const report = await second.run();
    expect(report.embedded).toBe(0);
    expect(second.loads()).toBe(0);
    const index = await loadIndex(dirs.index, { model: fakeModel });
    loaded.push(index);
    expect(index.table.rowOf('library-copy#3')).toBeDefined();
    await expectOwnVectors(index);
    const labels = index.table.labels();
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('a delta embeds only an inserted paragraph, and nothing when one is removed or only the subtitle changes', async () => {
    const dirs = tempCorpus();
    roots.push(dirs.root);
    const embedder = new FakeEmbedder();
    const setup = fakeBuild(dirs, embedder);
    await setup.run();
    const store = new SegmentedFileStore(dirs.index, { model: fakeModel });
    let snapshot = await store.load();
    loaded.push(snapshot);
    const apply = async (article: Article): Promise<number> => {
      const before = embedder.embedded;
      const { snapshot: next, report } = await store.apply(snapshot, { articles: [article], removed: [] }, embedder);
      snapshot = next;
      expect(report.embedded).toBe(embedder.embedded - before);
      await expectOwnDeltaVectors(snapshot);
      return report.embedded;
    };

    expect(await apply(writeArticle(dirs.articles, paragraphs))).toBe(paragraphs.length);
    expect(await apply(writeArticle(dirs.articles, [inserted, ...paragraphs]))).toBe(1);
    expect(await topId(snapshot, embeddingText(paragraphs[0]!))).toBe('library#2');
    expect(await topId(snapshot, embeddingText(paragraphs[3]!))).toBe('library#5');
    expect(await topId(snapshot, embeddingText(inserted))).toBe('library#1');
    expect(store.passage(snapshot, 'library#5')?.text).toBe(paragraphs[3]);

    expect(await apply(writeArticle(dirs.articles, [paragraphs[0]!, paragraphs[2]!, paragraphs[3]!]))).toBe(0);
    expect(await topId(snapshot, embeddingText(paragraphs[0]!))).toBe('library#1');
    expect(await topId(snapshot, embeddingText(paragraphs[3]!))).toBe('library#3');
    expect(store.passage(snapshot, 'library#4')).toBeUndefined();

    // The hash covers the subtitle (the keyword index sees it); the embedder does not, so nothing is embedded.
    const withSubtitle = { ...writeArticle(dirs.articles, [paragraphs[0]!, paragraphs[2]!, paragraphs[3]!]), subtitle: '開館時間の延長' };
    expect(await apply(withSubtitle)).toBe(0);
    expect(store.passage(snapshot, 'library#2')?.subtitle).toBe('開館時間の延長');
    expect(await topId(snapshot, embeddingText(paragraphs[2]!))).toBe('library#2');

    // And a merge (a full build over the deltas) embeds nothing either.
    const merge = await fakeBuild(dirs, embedder).run();
    expect(merge.embedded).toBe(0);
  });
});
