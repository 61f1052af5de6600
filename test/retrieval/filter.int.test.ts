import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeEmbedder } from '../../src/embeddings/fake.js';
import { KeywordIndex } from '../../src/keywords/bm25.js';
import { PassageTable } from '../../src/store/passage-table.js';
import { keywordDocs } from '../../src/store/keyword-docs.js';
import { VectorStore } from '../../src/vectors/hnsw-store.js';
import { searchIndex, type SearchTuning } from '../../src/retrieval/search.js';
import { compileFilter, describeFilter, parseDay, type SearchFilter } from '../../src/retrieval/filter.js';
import type { LoadedIndex } from '../../src/store/load.js';
import type { Manifest } from '../../src/store/manifest.js';
import type { Passage } from '../../src/passages/passage.js';
import type { SearchMode } from '../../src/retrieval/types.js';
import { isKijiError } from '../../src/errors.js';
import { mulberry32 } from '../../scripts/lib/random.js';
import { channels, randomCorpus } from '../keywords/random-corpus.js';

// Filters apply inside both halves of the search: a filtered search returns the best k of the
// passages the filter allows (fewer only when fewer are allowed), never a filtered top 50.

const ALPHABET = Array.from('日本年人大国中出生時行者事会自分前後地方新場員立開手力問代明動京目通言理体田主題意不作用度強公持野以思家世多正安院心界教文元重近考画海売知道集別物使品計死');
const SOURCES = ['Reuters', 'NHK', 'Asahi', 'Nikkei'];

/** `articles` articles of `perArticle` passages of random text, over four sources and 40 days (Japan time). */
function corpus(seed: number, articles: number, perArticle: number): Passage[] {
  const random = mulberry32(seed);
  const text = (n: number) => Array.from({ length: n }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
  const passages: Passage[] = [];
  for (let a = 0; a < articles; a++) {
    // 15:30 UTC is already the next day in Japan: calendar days must be Japan's.
    const day = new Date(Date.UTC(2026, 0, 1 + (a % 40), 15, 30)).toISOString();
    const article = { articleId: `art-${a}`, title: `記事${a}${text(4)}`, source: SOURCES[a % SOURCES.length]!, ...(a % 17 === 16 ? {} : { published: day }) };
    for (let p = 1; p <= perArticle; p++) {
      passages.push({ id: `art-${a}#${p}`, ...article, paragraph: p, text: text(40 + Math.floor(random() * 40)), hash: `${a}-${p}` });
    }
  }
  return passages;
}

async function memoryIndex(passages: Passage[], embedder: FakeEmbedder): Promise<LoadedIndex> {
  const labels = passages.map((_, i) => i);
  const table = PassageTable.fromPassages(passages, labels);
  const keywords = KeywordIndex.build(keywordDocs(passages));
  keywords.maxPostings = Infinity;
  const vectors = await VectorStore.create(embedder.dimension, passages.length);
  vectors.addMany(labels, await embedder.embedPassages(passages.map((p) => `${p.title}\n${p.text}`)), 1);
  return { dir: '', manifest: {} as Manifest, table, keywords, vectors, rowOfLabel: Int32Array.from(labels) };
}

/** Japan's calendar day of a passage, as a filter sees it. */
const dayOf = (p: Passage): string | undefined => (p.published === undefined ? undefined : new Date(Date.parse(p.published) + 9 * 3600_000).toISOString().slice(0, 10));

function matches(p: Passage, f: SearchFilter): boolean {
  if (f.sources && !f.sources.includes(p.source!)) return false;
  if (f.articleIds && !f.articleIds.includes(p.articleId)) return false;
  const day = dayOf(p);
  if ((f.since || f.until) && day === undefined) return false;
  if (f.since && day! < f.since) return false;
  if (f.until && day! > f.until) return false;
  return true;
}

/** Every candidate counts: no relevance floor, so the count of results is the filter's alone. */
const everything: SearchTuning = { relevance: { minSimilarity: -1, minCoverage: 0 } };

describe('compileFilter', () => {
  const passages = corpus(1, 60, 3);
  const table = PassageTable.fromPassages(passages, passages.map((_, i) => i));
  it.each<[string, SearchFilter]>([
    ['a source', { sources: ['NHK'] }],
    ['two sources', { sources: ['NHK', 'Asahi'] }],
    ['an article', { articleIds: ['art-7'] }],
    ['since', { since: '2026-01-20' }],
    ['until', { until: '2026-01-05' }],
    ['a day', { since: '2026-01-10', until: '2026-01-10' }],
    ['all at once', { sources: ['Reuters'], since: '2026-01-03', until: '2026-01-30' }],
    ['nothing', { sources: ['nobody'] }],
  ])('allows exactly the rows of %s', (_, filter) => {
    const { allowed, rows } = compileFilter(table, filter);
    const expected = passages.flatMap((p, i) => (matches(p, filter) ? [i] : []));
    expect([...rows]).toEqual(expected);
    expect(allowed.reduce((a, b) => a + b, 0)).toBe(expected.length);
  });

  it("allows exactly the matching rows, in order, when articles' rows interleave (passages appended by updates)", () => {
    const random = mulberry32(4);
    const shuffled = [...passages].sort(() => random() - 0.5);
    const mixed = PassageTable.fromPassages(shuffled, shuffled.map((_, i) => i));
    const filters: SearchFilter[] = [
      { articleIds: ['art-7', 'art-3', 'art-7', 'nobody', 'art-44'] },
      { articleIds: ['art-7', 'art-3', 'art-44'], sources: ['Nikkei'] },
      { sources: ['NHK', 'Reuters'], since: '2026-01-09' },
    ];
    for (const filter of filters) {
      const { allowed, rows } = compileFilter(mixed, filter);
      const expected = Array.from({ length: mixed.size }, (_, row) => row).filter((row) => matches(mixed.passage(row), filter));
      expect(expected.length).toBeGreaterThan(0);
      expect([...rows]).toEqual(expected);
      expect([...allowed].flatMap((a, row) => (a === 1 ? [row] : []))).toEqual(expected);
    }
  });

  it('counts days in Japan time', () => {
    // Article 0 was published 2026-01-01 15:30 UTC: 2026-01-02 in Japan.
    expect(compileFilter(table, { articleIds: ['art-0'], since: '2026-01-02', until: '2026-01-02' }).rows.length).toBe(3);
    expect(compileFilter(table, { articleIds: ['art-0'], until: '2026-01-01' }).rows.length).toBe(0);
  });

  it('reads only real YYYY-MM-DD days and names a bad value and the format', () => {
    expect(parseDay('2026-02-28', 'since')).toBe('2026-02-28');
    for (const bad of ['2026-02-30', '2026/01/07', 'yesterday', '2026-1-7']) {
      let error: unknown;
      try {
        parseDay(bad, '--since');
      } catch (e) {
        error = e;
      }
      expect(isKijiError(error) && error.message).toContain(`--since "${bad}"`);
      expect((error as Error).message).toContain('YYYY-MM-DD');
    }
    expect(describeFilter({ sources: ['NHK'], since: '2026-01-07' })).toBe('source: NHK · since 2026-01-07');
  });
});

describe('keyword search with a filter', () => {
  // More than one window of docs, so queries take the pruned path as well as the whole-list one.
  const large = randomCorpus(2, 40_000, 40);
  const index = KeywordIndex.build(large.docs, { channels, coordination: 0 });
  index.maxPostings = Infinity;
  const random = mulberry32(5);
  const masks = [0.5, 0.01, 0.0005].map((share) => Uint8Array.from(large.docs, () => (random() < share ? 1 : 0)));

  it('is the best k of the allowed docs, as scoring every doc and then filtering gives', () => {
    for (const allowed of masks) {
      for (const query of large.queries.slice(0, 4)) {
        const everyDoc = index.searchExhaustive(query, large.docs.length).filter((h) => allowed[h.doc] === 1);
        for (const k of [1, 10, 50]) {
          const got = index.search(query, k, allowed);
          expect(got, `${query} k ${k}`).toEqual(everyDoc.slice(0, k));
        }
      }
    }
  });

  it('equals the exhaustive filtered search with the coordination rerank', () => {
    const withRerank = KeywordIndex.build(large.docs, { channels });
    withRerank.maxPostings = Infinity;
    for (const query of large.queries.slice(0, 5)) {
      expect(withRerank.search(query, 10, masks[1])).toEqual(withRerank.searchExhaustive(query, 10, masks[1]));
    }
  });

  it('refuses a mask shorter than the index', () => {
    expect(() => index.search('日本', 5, new Uint8Array(3))).toThrow(/covers 3 passages/);
  });
});

describe('searchIndex with a filter', async () => {
  const embedder = new FakeEmbedder({ dimension: 32 });
  const passages = corpus(3, 400, 5);
  const index = await memoryIndex(passages, embedder);
  const random = mulberry32(9);
  const questions = Array.from({ length: 8 }, () => {
    const p = passages[Math.floor(random() * passages.length)]!;
    return p.text.slice(5, 25);
  });
  const filters: [string, SearchFilter][] = [
    ['a source (a quarter)', { sources: ['NHK'] }],
    ['a week', { since: '2026-01-10', until: '2026-01-16' }],
    ['one article (5 passages)', { articleIds: ['art-123'] }],
    ['an article and its first day only', { articleIds: ['art-40'], until: '2026-01-02' }],
  ];
  const modes: SearchMode[] = ['vector', 'hybrid'];

  it.each(modes)('%s: min(k, allowed) results, all allowed, for each filter', async (mode) => {
    for (const [name, filter] of filters) {
      const allowedCount = passages.filter((p) => matches(p, filter)).length;
      for (const question of questions) {
        for (const k of [1, 10]) {
          const response = await searchIndex(index, embedder, question, { k, mode, filter }, everything);
          expect(response.results.length, `${name}: ${question} k ${k}`).toBe(Math.min(k, allowedCount));
          for (const r of response.results) expect(matches(r.passage, filter), `${name}: ${r.passage.id}`).toBe(true);
        }
      }
    }
  });

  it('vector: the same passages in the same order through the graph and exactly over the allowed vectors', async () => {
    // Small graph: the filtered graph search visits every element, so both ways are exact here.
    for (const [, filter] of filters) {
      for (const question of questions) {
        const viaGraph = await searchIndex(index, embedder, question, { k: 10, mode: 'vector', filter }, { ...everything, exactVectorRows: 0 });
        const exact = await searchIndex(index, embedder, question, { k: 10, mode: 'vector', filter }, { ...everything, exactVectorRows: Infinity });
        expect(exact.results.map((r) => r.passage.id)).toEqual(viaGraph.results.map((r) => r.passage.id));
      }
    }
  });

  it('vector: the exact path is brute force over the allowed passages', async () => {
    const filter: SearchFilter = { sources: ['Asahi'] };
    for (const question of questions.slice(0, 4)) {
      const q = await embedder.embedQuery(question);
      const truth = passages
        .map((p, i) => ({ p, sim: dot(q, index.vectors!.vector(i)) }))
        .filter(({ p }) => matches(p, filter))
        .sort((a, b) => b.sim - a.sim)
        .slice(0, 5)
        .map(({ p }) => p.id);
      const got = await searchIndex(index, embedder, question, { k: 5, mode: 'vector', filter }, { ...everything, exactVectorRows: Infinity });
      expect(got.results.map((r) => r.passage.id)).toEqual(truth);
    }
  });

  it('vector: the exact path over a loaded graph (its bottom layer mapped from the file) finds what the built one does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-filter-'));
    const file = path.join(dir, 'vectors.hnsw');
    const bytes = await index.vectors!.save(file);
    const loaded = await VectorStore.load(file, embedder.dimension, {}, bytes);
    const labels = Uint32Array.from({ length: 300 }, (_, i) => (i * 7) % passages.length);
    for (const question of questions) {
      const q = await embedder.embedQuery(question);
      expect(loaded.searchAmong(q, 20, labels)).toEqual(index.vectors!.searchAmong(q, 20, labels));
    }
    loaded.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keyword and hybrid: cites only allowed passages, and finds the one passage a filter allows', async () => {
    const target = passages[777]!;
    const filter: SearchFilter = { articleIds: [target.articleId] };
    for (const mode of ['keyword', 'hybrid'] as SearchMode[]) {
      const response = await searchIndex(index, embedder, target.text.slice(3, 20), { k: 5, mode, filter });
      expect(response.results[0]?.passage.id, mode).toBe(target.id);
      for (const r of response.results) expect(r.passage.articleId).toBe(target.articleId);
    }
    // Fewer allowed passages than k: all of them, however far from the question.
    const single: SearchFilter = { articleIds: [target.articleId] };
    const response = await searchIndex(index, embedder, target.text.slice(3, 20), { k: 10, mode: 'vector', filter: single }, everything);
    expect(response.results.map((r) => r.passage.articleId)).toEqual(Array(5).fill(target.articleId));
  });

  it('a filter matching no passage answers "nothing relevant" in every mode', async () => {
    for (const mode of ['keyword', 'vector', 'hybrid'] as SearchMode[]) {
      const response = await searchIndex(index, embedder, passages[0]!.text.slice(0, 15), { k: 5, mode, filter: { sources: ['nobody'] } }, everything);
      expect(response.results, mode).toEqual([]);
      expect(response.total).toBe(0);
    }
  });

  it('a filter matching one passage returns exactly it', async () => {
    const lone = corpus(4, 30, 1);
    const small = await memoryIndex(lone, embedder);
    const filter: SearchFilter = { articleIds: ['art-11'] };
    for (const mode of ['vector', 'hybrid'] as SearchMode[]) {
      const response = await searchIndex(small, embedder, '全く関係のない質問', { k: 5, mode, filter }, everything);
      expect(response.results.map((r) => r.passage.id), mode).toEqual(['art-11#1']);
    }
    const keyword = await searchIndex(small, embedder, lone[11]!.text.slice(0, 12), { k: 5, mode: 'keyword', filter });
    expect(keyword.results.map((r) => r.passage.id)).toEqual(['art-11#1']);
  });
});

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
