/**
 * What the keyword search's postings budget costs in answers, on the bench's synthetic corpora:
 *   npx tsx scripts/bench/budget-quality.ts [--sizes 100k,1m] [--budgets 0,100000,25000] [--questions 500]
 * 0 is exact BM25. A synthetic passage is JSQuAD sentences recombined, so each sentence is in hundreds
 * of passages at 1M, near-ties that make "same top 10 as exact" say little; this counts a question
 * answered when a passage among the keyword half's first 1/5/10 holds the gold paragraph's sentence
 * with the answer, as a reader would. Questions whose answer sentence the generator never uses
 * (shorter than 8 or longer than 150 characters) are left out. "Below floor" counts questions whose
 * best keyword hit covers too little of the question to count as relevant (`RELEVANT_COVERAGE`): with
 * a budget, terms neither searched nor rescored count as unmatched. Builds a missing corpus first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadIndex, releaseIndex } from '../../src/store/load.js';
import { RELEVANT_COVERAGE, keywordBudgetDefaults } from '../../src/keywords/bm25.js';
import { jsquadDir } from '../lib/eval-data.js';
import { ensureSyntheticIndex, sizeLabel } from './cache.js';
import { parseSize } from './args.js';
import { syntheticModel } from './synthetic.js';
import { percentile, round } from './stats.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? (args[at + 1] as string) : fallback;
};
const sizes = option('--sizes', '100k,1m').split(',').map(parseSize);
const budgets = option('--budgets', `0,${keywordBudgetDefaults.maxPostings}`).split(',').map(Number);
const wanted = Number(option('--questions', '500'));

interface Question {
  question: string;
  sentence: string;
}

const all = fs
  .readFileSync(path.join(jsquadDir, 'questions.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { question: string; gold: string[]; answers: string[] });
const step = Math.max(1, Math.floor(all.length / wanted));
const questions: Question[] = [];
for (let i = 0; i < all.length; i += step) {
  const { question, gold, answers } = all[i]!;
  const sentence = gold[0]
    ?.split(/(?<=。)/)
    .map((s) => s.trim())
    .find((s) => answers[0] !== undefined && s.includes(answers[0]));
  if (sentence !== undefined && sentence.length >= 8 && sentence.length <= 150) questions.push({ question: question.trim(), sentence });
}

console.log(`${questions.length} JSQuAD questions; answered = a passage among the first n holds the answer's sentence.`);
console.log('| passages | budget | R@1 | R@5 | R@10 | below floor | keyword p50 / p95 |');
console.log('|---|---|---|---|---|---|---|');
for (const size of sizes) {
  const built = await ensureSyntheticIndex(size, (line) => console.error(line));
  const index = await loadIndex(built.indexDir, { model: syntheticModel });
  for (const budget of budgets) {
    index.keywords.maxPostings = budget === 0 ? Infinity : budget;
    // Warm-up: JIT and the page cache for these questions' lists.
    for (const { question } of questions.slice(0, 30)) index.keywords.search(question, 50);
    const found = [0, 0, 0];
    let belowFloor = 0;
    const ms: number[] = [];
    for (const { question, sentence } of questions) {
      const t = performance.now();
      const hits = index.keywords.search(question, 50);
      ms.push(performance.now() - t);
      if ((hits[0]?.coverage ?? 0) < RELEVANT_COVERAGE) belowFloor++;
      const holds = hits.slice(0, 10).map((hit) => index.table.text(hit.doc).includes(sentence));
      [1, 5, 10].forEach((n, i) => {
        if (holds.slice(0, n).some(Boolean)) found[i]!++;
      });
    }
    const r = (count: number): number => round(count / questions.length, 3);
    console.log(`| ${sizeLabel(size)} | ${budget === 0 ? 'none (exact)' : budget.toLocaleString('en')} | ${r(found[0]!)} | ${r(found[1]!)} | ${r(found[2]!)} | ${belowFloor} | ${round(percentile(ms, 50), 2)} / ${round(percentile(ms, 95), 2)} ms |`);
  }
  releaseIndex(index);
}
