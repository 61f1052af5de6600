/**
 * Latency of the pruned exact keyword search alone (`KeywordIndex.search` with no postings budget,
 * k = 50 as src/retrieval/search.ts asks), on the bench's real JSQuAD questions, and a check that every
 * answer equals the exhaustive reference (`searchExhaustive`, which scores every posting):
 *   npx tsx scripts/bench/keyword-latency.ts <keywords.bin>... [--queries 300] [--k 50] [--rounds 1]
 * e.g. bench/out/cache/1M-m16-efc200/index/<build named in CURRENT>/keywords.bin. The reference
 * allocates per-passage arrays and calls back per posting on every query: it is slower than the
 * search before pruning was, so it is a correctness check, not the "before" number.
 */
import { KeywordIndex } from '../../src/keywords/bm25.js';
import { benchQuestions } from './questions.js';
import { percentile, round } from './stats.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const files = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
if (files.length === 0) {
  console.error('Usage: tsx scripts/bench/keyword-latency.ts <keywords.bin>... [--queries 300] [--k 50] [--rounds 1]');
  process.exit(2);
}
const k = flag('--k', 50);
const rounds = flag('--rounds', 1);
const questions = benchQuestions(flag('--queries', 300)).map((q) => q.trim());

for (const file of files) {
  let t = performance.now();
  const index = KeywordIndex.open(file);
  const openMs = performance.now() - t;
  index.maxPostings = Infinity;
  // Warm-up: JIT, and the page cache for the lists these questions read.
  for (const q of questions) index.search(q, k);
  const searchMs: number[] = [];
  const answers: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const q of questions) {
      t = performance.now();
      const hits = index.search(q, k);
      searchMs.push(performance.now() - t);
      if (round === 0) answers.push(JSON.stringify(hits));
    }
  }
  // The reference runs after, not in turns: its big allocations would slow the searches they follow.
  const referenceMs: number[] = [];
  let mismatches = 0;
  questions.forEach((q, i) => {
    t = performance.now();
    const reference = JSON.stringify(index.searchExhaustive(q, k));
    referenceMs.push(performance.now() - t);
    if (reference !== answers[i] && mismatches++ < 3) console.error(`MISMATCH for ${q}:\n  search    ${answers[i]?.slice(0, 300)}\n  reference ${reference.slice(0, 300)}`);
  });
  const ms = (values: number[]) => `p50 ${round(percentile(values, 50), 2)} ms, p95 ${round(percentile(values, 95), 2)} ms, max ${round(Math.max(...values), 1)} ms`;
  console.log(`${file}: ${index.size} passages, opened in ${round(openMs, 1)} ms, ${searchMs.length} searches (k ${k})`);
  console.log(`  search:    ${ms(searchMs)}`);
  console.log(`  reference: ${ms(referenceMs)}`);
  console.log(`  ${mismatches === 0 ? 'identical hits for every question' : `${mismatches} questions differ`}`);
  index.close();
  if (mismatches > 0) process.exitCode = 1;
}
