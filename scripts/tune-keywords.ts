/**
 * Keyword-only retrieval on JSQuAD validation, one row per configuration tried:
 *   npx tsx scripts/tune-keywords.ts [name-filter] [--eval-dir DIR] [--seed-articles DIR] [--seed-questions FILE]
 * Documents come from the real pipeline (article loader, passage splitter, keywordDocs), so the
 * numbers match `npm run eval --mode keyword` up to the relevance floor; a retrieved passage is a
 * hit by the shared rule in src/eval/metrics.ts. The same settings apply to every question.
 * The seed columns guard against tuning for JSQuAD alone: `d01` is the rank of the Paris passage
 * for the acceptance question, `seed ja@5` counts answerable Japanese seed questions with
 * their gold passage in the top 5, `cov ans/unans` the lowest top-hit coverage of those against the
 * highest of the unanswerable ones (a relevance floor must fit between them).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KeywordIndex, keywordDefaults, type KeywordChannel, type KeywordDoc, type KeywordOptions } from '../src/keywords/bm25.js';
import { firstHitRank, isHit, mrrAt, percentile, recallAt } from '../src/eval/metrics.js';
import { readQuestions, type EvalQuestion } from '../src/eval/questions.js';
import { loadArticles } from '../src/articles/load.js';
import { toPassages } from '../src/passages/chunk.js';
import { keywordDocs } from '../src/store/keyword-docs.js';
import { jsquadDir, seedQuestionsFile } from './lib/eval-data.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const evalDir = flag('--eval-dir', jsquadDir);
const seedArticles = flag('--seed-articles', 'data/articles');
const seedQuestions = flag('--seed-questions', seedQuestionsFile);
const filter = args.find((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));

async function corpus(articlesPath: string, questionsPath: string) {
  const { articles } = await loadArticles(articlesPath);
  const docs: KeywordDoc[] = keywordDocs(articles.flatMap((a) => toPassages(a)));
  const textById = new Map(docs.map((d) => [d.id, d.text]));
  return { docs, textById, questions: readQuestions(questionsPath) };
}

const jsquad = await corpus(join(evalDir, 'articles.jsonl'), join(evalDir, 'questions.jsonl'));
const seed = await corpus(seedArticles, seedQuestions);

const hitCache = new Map<string, boolean>();
function hit(q: number, id: string): boolean {
  const key = `${q}\0${id}`;
  let value = hitCache.get(key);
  if (value === undefined) {
    value = isHit(jsquad.textById.get(id) ?? '', (jsquad.questions[q] as EvalQuestion).gold);
    hitCache.set(key, value);
  }
  return value;
}

type Analyzer = KeywordChannel['analyzer'];
const ch = (field: KeywordChannel['field'], analyzer: Analyzer, weight = 1, extra: Partial<KeywordChannel> = {}): KeywordChannel => ({ field, analyzer, weight, ...extra });
const base: Partial<KeywordOptions> = { stripQuestionWords: true, delta: 0, minIdf: 0, k1: 0.6, b: 0.75, coordination: 3, rerankDepth: 50 };

// Title handling: folded into the text (`context`) or the title as its own channel; then analyzers;
// then the shipped one.
const title = (weight: number): KeywordChannel[] => (weight > 0 ? [ch('title', 'bigram', weight, { b: 0 })] : []);
const ctx = (extra: KeywordChannel[] = [], titleWeight = 1): KeywordChannel[] => [ch('context', 'contentBigram'), ch('context', 'word'), ...extra, ...title(titleWeight)];
const textOnly = (bigram: Analyzer, word: Analyzer, titleWeight: number): KeywordChannel[] => [ch('text', bigram), ch('text', word), ...title(titleWeight)];
const configs: [string, Partial<KeywordOptions>][] = [
  ['plain bigram (text only, k1 1.2, no strip, no coordination)', { ...base, stripQuestionWords: false, k1: 1.2, coordination: 0, channels: [ch('text', 'bigram')] }],
  ['text only: cbigram+word + title', { ...base, channels: textOnly('contentBigram', 'word', 1) }],
  ['previous default: context cbigram+word + title, k1 0.6', { ...base, channels: ctx() }],
];
for (const [bigram, word] of [['kanjiBigram', 'word'], ['contentBigram', 'contentWord'], ['kanjiBigram', 'contentWord']] as [Analyzer, Analyzer][]) {
  configs.push([`context ${bigram}+${word} + title`, { ...base, channels: [ch('context', bigram), ch('context', word), ...title(1)] }]);
}
for (const uw of [0.3, 0.6, 0.75, 1]) configs.push([`context cbigram+word+unigram ${uw} + title, k1 0.6`, { ...base, channels: ctx([ch('context', 'unigram', uw)]) }]);
for (const [k1, b] of [[0.9, 0.75], [1.2, 0.75], [0.6, 0.6], [0.9, 0.6], [0.6, 0.9]]) {
  configs.push([`context cbigram+word+unigram 0.75 + title, k1 ${k1} b ${b}`, { ...base, k1, b, channels: ctx([ch('context', 'unigram', 0.75)]) }]);
}
for (const tw of [0.5, 0.75, 1.5]) configs.push([`context cbigram+word+unigram 0.75 + title ${tw}, k1 0.9`, { ...base, k1: 0.9, channels: ctx([ch('context', 'unigram', 0.75)], tw) }]);
configs.push(['… + title 0.75, k1 0.9, rerankDepth 100', { ...base, k1: 0.9, rerankDepth: 100, channels: ctx([ch('context', 'unigram', 0.75)], 0.75) }]);
configs.push(['… + title 0.75, k1 0.9, coordination 4', { ...base, k1: 0.9, coordination: 4, channels: ctx([ch('context', 'unigram', 0.75)], 0.75) }]);
configs.push(['… + title 0.75, k1 0.9, delta 0.2', { ...base, k1: 0.9, delta: 0.2, channels: ctx([ch('context', 'unigram', 0.75)], 0.75) }]);
for (const tw of [0, 0.25]) configs.push([`context cbigram+word+unigram 0.75 + title ${tw}, k1 0.9`, { ...base, k1: 0.9, channels: ctx([ch('context', 'unigram', 0.75)], tw) }]);
for (const tw of [0.75, 1, 1.5]) configs.push([`context cbigram+word+unigram 0.75 + title ${tw} binary (k1 0), k1 0.9`, { ...base, k1: 0.9, channels: [ch('context', 'contentBigram'), ch('context', 'word'), ch('context', 'unigram', 0.75), ch('title', 'bigram', tw, { b: 0, k1: 0 })] }]);
// What ICU's word segmenter (the `word` channel, ~45% of a 10k keyword build) buys.
configs.push(['DEFAULT without the word channel (no ICU segmenter)', { channels: keywordDefaults.channels.filter((c) => c.analyzer !== 'word') }]);
configs.push(['DEFAULT (keywordDefaults)', {}]);

const rows: string[] = [];
console.log('| configuration | R@1 | R@5 | R@10 | MRR@10 | p50 ms | build ms | d01 | seed ja@5 | cov ans/unans |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [name, options] of configs) {
  if (filter !== undefined && !name.includes(filter)) continue;
  const started = performance.now();
  const index = KeywordIndex.build(jsquad.docs, options);
  const buildMs = performance.now() - started;
  const ranks: number[] = [];
  const times: number[] = [];
  jsquad.questions.forEach((q, i) => {
    const t0 = performance.now();
    const results = index.search(q.question, 10);
    times.push(performance.now() - t0);
    ranks.push(firstHitRank(results.map((r) => hit(i, r.id))));
  });
  const seedIndex = KeywordIndex.build(seed.docs, options);
  let d01 = 0;
  let jaTop5 = 0;
  let jaTotal = 0;
  let minAnswerable = Infinity;
  let maxUnanswerable = 0;
  for (const q of seed.questions) {
    const results = seedIndex.search(q.question, 10);
    const rank = firstHitRank(results.map((r) => isHit(seed.textById.get(r.id) ?? '', q.gold)));
    const coverage = results[0]?.coverage ?? 0;
    if (q.gold.length === 0) maxUnanswerable = Math.max(maxUnanswerable, coverage);
    else if (q.lang === 'ja') {
      jaTotal++;
      if (rank >= 1 && rank <= 5) jaTop5++;
      minAnswerable = Math.min(minAnswerable, coverage);
      if (q.id === 'd01') d01 = rank;
    }
  }
  const f = (x: number) => x.toFixed(4);
  const hits1 = ranks.filter((r) => r === 1).length;
  const row = `| ${name} | ${f(recallAt(1, ranks))} (${hits1}) | ${f(recallAt(5, ranks))} | ${f(recallAt(10, ranks))} | ${f(mrrAt(10, ranks))} | ${percentile(times, 50).toFixed(2)} | ${buildMs.toFixed(0)} | ${d01 || '>10'} | ${jaTop5}/${jaTotal} | ${f(minAnswerable)}/${f(maxUnanswerable)} |`;
  rows.push(row);
  console.log(row);
}
