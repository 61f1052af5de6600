import type { Library, SearchMode } from '../retrieval/types.js';
import type { EvalQuestion } from './questions.js';
import { firstHitRank, isHit, mrrAt, normalizeForHit, percentile, recallAt } from './metrics.js';

export interface EvalReport {
  mode: SearchMode;
  questions: number;
  answerable: number;
  unanswerable: number;
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  mrrAt10: number;
  /** Share of unanswerable questions that got the nothing-relevant answer (NaN when there are none). */
  honestNothing: number;
  /** Share of answerable questions that got no result at all (relevance floor too strict). */
  emptyOnAnswerable: number;
  /** Share of questions with answer spans whose top passage's answer sentence contains one. */
  answerSentence: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** Ids of answerable questions missed at 10, for error analysis. */
  misses: string[];
}

/**
 * Runs every question through `library.search` and scores the ranked passages with the hit rule.
 * Sequential on purpose: latency percentiles then measure one question at a time.
 */
export async function runEval(
  library: Library,
  questions: readonly EvalQuestion[],
  options: { k: number; mode: SearchMode; onProgress?: (done: number, total: number) => void },
): Promise<EvalReport> {
  const ranks: number[] = [];
  const latencies: number[] = [];
  const misses: string[] = [];
  let unanswerable = 0;
  let honest = 0;
  let emptyOnAnswerable = 0;
  let withAnswers = 0;
  let sentenceHits = 0;
  for (const [i, q] of questions.entries()) {
    const started = performance.now();
    const response = await library.search(q.question, { k: options.k, mode: options.mode });
    latencies.push(performance.now() - started);
    if (q.gold.length === 0) {
      unanswerable++;
      if (response.results.length === 0) honest++;
    } else {
      const rank = firstHitRank(response.results.map((r) => isHit(r.passage.text, q.gold)));
      ranks.push(rank);
      if (rank === 0) misses.push(q.id);
      if (response.results.length === 0) emptyOnAnswerable++;
      if (q.answers && q.answers.length > 0) {
        withAnswers++;
        const sentence = normalizeForHit(response.results[0]?.answerSentence ?? '');
        if (sentence !== '' && q.answers.some((a) => sentence.includes(normalizeForHit(a)))) sentenceHits++;
      }
    }
    options.onProgress?.(i + 1, questions.length);
  }
  const share = (n: number, of: number): number => (of === 0 ? Number.NaN : n / of);
  return {
    mode: options.mode,
    questions: questions.length,
    answerable: ranks.length,
    unanswerable,
    recallAt1: recallAt(1, ranks),
    recallAt5: recallAt(5, ranks),
    recallAt10: recallAt(10, ranks),
    mrrAt10: mrrAt(10, ranks),
    honestNothing: share(honest, unanswerable),
    emptyOnAnswerable: share(emptyOnAnswerable, ranks.length),
    answerSentence: share(sentenceHits, withAnswers),
    latencyP50Ms: percentile(latencies, 50),
    latencyP95Ms: percentile(latencies, 95),
    misses,
  };
}
