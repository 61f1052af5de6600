/**
 * Keyword-only retrieval on JSQuAD validation, one row per configuration tried:
 *   npx tsx scripts/tune-keywords.ts [name-filter] [--eval-dir DIR]
 * Paragraphs (blank-line separated article bodies) are the documents; a retrieved paragraph is a
 * hit by the shared rule in src/eval/metrics.ts. The same settings apply to every question.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KeywordIndex, type KeywordDoc, type KeywordOptions } from '../src/keywords/bm25.js';
import { firstHitRank, isHit, mrrAt, percentile, recallAt } from '../src/eval/metrics.js';

const args = process.argv.slice(2);
const dirFlag = args.indexOf('--eval-dir');
const evalDir = dirFlag >= 0 ? (args[dirFlag + 1] ?? '') : '/work/shared/eval/jsquad-valid';
const filter = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--eval-dir');

interface Question {
  question: string;
  gold: string[];
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

const articles = readJsonl<{ id: string; title: string; body: string }>(join(evalDir, 'articles.jsonl'));
const docs: KeywordDoc[] = articles.flatMap((a) =>
  a.body
    .split(/\n\s*\n/u)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((text, i) => ({ id: `${a.id}#${i + 1}`, text, title: a.title })),
);
const textById = new Map(docs.map((d) => [d.id, d.text]));
const questions = readJsonl<Question>(join(evalDir, 'questions.jsonl'));

const hitCache = new Map<string, boolean>();
function hit(q: number, id: string): boolean {
  const key = `${q}\0${id}`;
  let value = hitCache.get(key);
  if (value === undefined) {
    value = isHit(textById.get(id) ?? '', (questions[q] as Question).gold);
    hitCache.set(key, value);
  }
  return value;
}

const text = (analyzer: KeywordOptions['channels'][number]['analyzer'], weight = 1) =>
  ({ field: 'text', analyzer, weight }) as const;
const title = (analyzer: KeywordOptions['channels'][number]['analyzer'], weight: number) =>
  ({ field: 'title', analyzer, weight, b: 0 }) as const;
const plain = { stripQuestionWords: false, delta: 0, minIdf: 0, k1: 1.2, b: 0.75, coordination: 0, rerankDepth: 50 };

const configs: [string, Partial<KeywordOptions>][] = [
  ['bigram', { ...plain, channels: [text('bigram')] }],
  ['word (Intl.Segmenter)', { ...plain, channels: [text('word')] }],
  ['trigram', { ...plain, channels: [text('trigram')] }],
  ['bigram+strip', { ...plain, stripQuestionWords: true, channels: [text('bigram')] }],
  ['word+strip', { ...plain, stripQuestionWords: true, channels: [text('word')] }],
  ['bigram+word', { ...plain, channels: [text('bigram'), text('word')] }],
  ['bigram+unigram', { ...plain, channels: [text('bigram'), text('unigram', 0.3)] }],
  ['bigram+trigram', { ...plain, channels: [text('bigram'), text('trigram', 0.5)] }],
  ['bigram+title0.5', { ...plain, channels: [text('bigram'), title('bigram', 0.5)] }],
];
const bw = (title0: number) => [text('bigram'), text('word'), ...(title0 > 0 ? [title('bigram', title0)] : [])];
for (const k1 of [0.6, 0.9, 1.2, 1.6]) {
  for (const b of [0.3, 0.5, 0.75, 0.9]) configs.push([`grid bigram+word strip k1=${k1} b=${b}`, { ...plain, stripQuestionWords: true, k1, b, channels: bw(0) }]);
}
for (const k1 of [0.3, 0.6, 1.2]) {
  for (const coordination of [1, 2, 3]) configs.push([`coord bigram+word+title1 strip k1=${k1} coord=${coordination}`, { ...plain, stripQuestionWords: true, k1, coordination, channels: bw(1) }]);
}
const best = { ...plain, stripQuestionWords: true, k1: 0.6, coordination: 2 };
configs.push(['more contentBigram+word+title1', { ...best, channels: [text('contentBigram'), text('word'), title('bigram', 1)] }]);
configs.push(['more bigram+word+title1+trigram0.5', { ...best, channels: [...bw(1), text('trigram', 0.5)] }]);
configs.push(['more bigram+word+title1+unigram0.3', { ...best, channels: [...bw(1), text('unigram', 0.3)] }]);
configs.push(['more bigram+word0.5+title1', { ...best, channels: [text('bigram'), text('word', 0.5), title('bigram', 1)] }]);
configs.push(['more bigram+word2+title1', { ...best, channels: [text('bigram'), text('word', 2), title('bigram', 1)] }]);
configs.push(['more bigram+word+title1 nostrip', { ...best, stripQuestionWords: false, channels: bw(1) }]);
configs.push(['more bigram+word+title1 delta0.5', { ...best, delta: 0.5, channels: bw(1) }]);
const ctx = (analyzer: KeywordOptions['channels'][number]['analyzer'], weight = 1) => ({ field: 'context', analyzer, weight }) as const;
configs.push(['ctx bigram+word', { ...best, channels: [ctx('bigram'), ctx('word')] }]);
configs.push(['ctx bigram+word+title1', { ...best, channels: [ctx('bigram'), ctx('word'), title('bigram', 1)] }]);
configs.push(['ctx bigram+word+title0.5', { ...best, channels: [ctx('bigram'), ctx('word'), title('bigram', 0.5)] }]);
configs.push(['ctx bigram+word+title1 k1=1.2', { ...best, k1: 1.2, channels: [ctx('bigram'), ctx('word'), title('bigram', 1)] }]);
configs.push(['ctx bigram+word+title1 coord=3', { ...best, coordination: 3, channels: [ctx('bigram'), ctx('word'), title('bigram', 1)] }]);
for (const k1 of [0.3, 0.6, 0.9]) {
  for (const b of [0.5, 0.75, 0.9]) {
    configs.push([`cgrid k1=${k1} b=${b}`, { ...best, k1, b, coordination: 3, channels: [ctx('bigram'), ctx('word'), title('bigram', 1)] }]);
  }
}
const ctxBase = { ...best, coordination: 3, k1: 0.6, b: 0.75 };
const ctxChannels = [ctx('bigram'), ctx('word'), title('bigram', 1)];
configs.push(['cx +trigram0.3', { ...ctxBase, channels: [...ctxChannels, ctx('trigram', 0.3)] }]);
configs.push(['cx +unigram0.3', { ...ctxBase, channels: [...ctxChannels, ctx('unigram', 0.3)] }]);
configs.push(['cx word2', { ...ctxBase, channels: [ctx('bigram'), ctx('word', 2), title('bigram', 1)] }]);
configs.push(['cx contentBigram', { ...ctxBase, channels: [ctx('contentBigram'), ctx('word'), title('bigram', 1)] }]);
configs.push(['cx coord=4 depth=100', { ...ctxBase, coordination: 4, rerankDepth: 100, channels: ctxChannels }]);
configs.push(['cx depth=20', { ...ctxBase, rerankDepth: 20, channels: ctxChannels }]);
configs.push(['cx delta0.3', { ...ctxBase, delta: 0.3, channels: ctxChannels }]);
configs.push(['cx nostrip', { ...ctxBase, stripQuestionWords: false, channels: ctxChannels }]);
const cb = (extra: KeywordOptions['channels'], word = 1) => [ctx('contentBigram'), ctx('word', word), title('bigram', 1), ...extra];
configs.push(['cb word2', { ...ctxBase, channels: cb([], 2) }]);
configs.push(['cb +unigram0.3', { ...ctxBase, channels: cb([ctx('unigram', 0.3)]) }]);
configs.push(['cb k1=0.3 b=0.5', { ...ctxBase, k1: 0.3, b: 0.5, channels: cb([]) }]);
configs.push(['cb title0.5', { ...ctxBase, channels: [ctx('contentBigram'), ctx('word'), title('bigram', 0.5)] }]);
configs.push(['nw contentBigram+title (no word channel)', { ...ctxBase, channels: [ctx('contentBigram'), title('bigram', 1)] }]);
configs.push(['nw bigram+title (no word channel)', { ...ctxBase, channels: [ctx('bigram'), title('bigram', 1)] }]);
configs.push(['nw contentBigram+unigram0.3+title', { ...ctxBase, channels: [ctx('contentBigram'), ctx('unigram', 0.3), title('bigram', 1)] }]);
for (const w of [0.25, 0.5, 1, 2]) configs.push([`grid bigram+word+title${w} strip`, { ...plain, stripQuestionWords: true, channels: bw(w) }]);

configs.push(['DEFAULT (keywordDefaults)', {}]);

const rows: string[] = [];
const header = '| configuration | R@1 | R@5 | R@10 | MRR@10 | p50 ms | p95 ms | build ms |';
console.log(header);
console.log('|---|---|---|---|---|---|---|---|');
for (const [name, options] of configs) {
  if (filter !== undefined && !name.includes(filter)) continue;
  const started = performance.now();
  const index = KeywordIndex.build(docs, options);
  const buildMs = performance.now() - started;
  const ranks: number[] = [];
  const times: number[] = [];
  questions.forEach((q, i) => {
    const t0 = performance.now();
    const results = index.search(q.question, 10);
    times.push(performance.now() - t0);
    ranks.push(firstHitRank(results.map((r) => hit(i, r.id))));
  });
  const f = (x: number) => x.toFixed(3);
  const row = `| ${name} | ${f(recallAt(1, ranks))} | ${f(recallAt(5, ranks))} | ${f(recallAt(10, ranks))} | ${f(mrrAt(10, ranks))} | ${percentile(times, 50).toFixed(2)} | ${percentile(times, 95).toFixed(2)} | ${buildMs.toFixed(0)} |`;
  rows.push(row);
  console.log(row);
}
