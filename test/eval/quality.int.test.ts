/**
 * Retrieval quality regression through the real pipeline (article loader, passage splitter, index
 * build, Library.search) in keyword mode, on committed data only. Floors sit a little below the
 * sample's measured figures; the full benchmark is `npm run eval` on data/eval/jsquad-valid/
 * (method and figures in docs/retrieval-quality.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { buildFromSettings, openLibrary } from '../../src/library.js';
import { readQuestions } from '../../src/eval/questions.js';
import { runEval } from '../../src/eval/run-eval.js';
import { firstHitRank, isHit } from '../../src/eval/metrics.js';

const here = import.meta.dirname;

async function keywordLibrary(articles: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-quality-'));
  const settings = loadSettings({ ARTICLES_PATH: articles, INDEX_DIR: path.join(root, 'index'), SEMANTIC_SEARCH: 'off' });
  await buildFromSettings(settings, { semanticOff: 'keyword-only quality test' });
  return openLibrary(settings);
}

describe('keyword retrieval quality on the committed JSQuAD sample', () => {
  it('stays above its floors', async () => {
    const dir = path.join(here, '../fixtures/jsquad-sample');
    const library = await keywordLibrary(path.join(dir, 'articles.jsonl'));
    const report = await runEval(library, readQuestions(path.join(dir, 'questions.jsonl')), { k: 10, mode: 'keyword' });
    expect(report.answerable).toBe(211);
    expect(report.recallAt1).toBeGreaterThanOrEqual(0.95);
    expect(report.recallAt5).toBeGreaterThanOrEqual(0.97);
    expect(report.mrrAt10).toBeGreaterThanOrEqual(0.96);
    expect(report.emptyOnAnswerable).toBeLessThanOrEqual(0.01);
    expect(report.answerSentence).toBeGreaterThanOrEqual(0.8);
  });
});

describe('keyword retrieval on the seed articles', async () => {
  const library = await keywordLibrary(path.join(here, '../../data/articles'));
  const questions = readQuestions(path.join(here, '../../data/eval/seed-dev.jsonl'));
  const rankOf = async (question: string, gold: string[]) =>
    firstHitRank((await library.search(question, { k: 10, mode: 'keyword' })).results.map((r) => isHit(r.passage.text, gold)));

  it.each(questions.filter((q) => q.lang === 'ja' && q.gold.length > 0).map((q) => [q.id, q] as const))(
    '%s: gold passage in the top 5',
    async (_, q) => {
      const rank = await rankOf(q.question, q.gold);
      expect(rank).toBeGreaterThanOrEqual(1);
      expect(rank).toBeLessThanOrEqual(5);
    },
  );

  it.each(questions.filter((q) => q.gold.length === 0).map((q) => [q.id, q.question] as const))(
    '%s (%s): the nothing-relevant answer',
    async (_, question) => {
      const response = await library.search(question, { k: 5, mode: 'keyword' });
      expect(response.results).toEqual([]);
      expect(response.total).toBe(0);
    },
  );

  // The gold paragraph (1#2) is not first in keyword mode, but the first result already answers the
  // question: the summit is held in Paris.
  it('d01: the first answer sentence says where the summit was held', async () => {
    const response = await library.search('有志連合の首脳会合はどこで開かれたか', { k: 5, mode: 'keyword' });
    expect(response.results[0]?.answerSentence).toContain('パリ');
  });
});
