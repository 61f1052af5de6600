import { describe, expect, it } from 'vitest';
import { runFollowupEval, type FollowupPair } from '../../src/eval/followups.js';
import type { Library, SearchOptions, SearchResponse } from '../../src/retrieval/types.js';

/** A library answering each question with fixed passage ids (best first), within a filter's articles; a passage's text is its id. */
function stubLibrary(hits: Record<string, string[]>): Library & { calls: { question: string; options: SearchOptions }[] } {
  const calls: { question: string; options: SearchOptions }[] = [];
  return {
    calls,
    buildId: 'stub',
    async search(question, options): Promise<SearchResponse> {
      calls.push({ question, options });
      const allowed = options.filter?.articleIds;
      const found = (hits[question] ?? []).filter((id) => !allowed || allowed.includes(id.split('#')[0]!));
      const results = found.slice(0, options.k).map((id, i) => ({
        rank: i + 1,
        score: 10 - i,
        passage: { id, articleId: id.split('#')[0]!, title: id, paragraph: 1, text: `passage ${id}`, hash: id },
        answerSentence: id,
      }));
      return { question, results, mode: 'keyword', total: results.length };
    },
    articles: () => [],
    passage: () => undefined,
    reindex: () => Promise.reject(new Error('not here')),
  };
}

const pair = (id: string, first: string, second: string, gold: string): FollowupPair => ({ id, articleId: gold.split('#')[0]!, first, second, gold: [`passage ${gold}`] });

describe('runFollowupEval', () => {
  it('scores the second question alone and with its conversation (the first question and the articles of its results)', async () => {
    const library = stubLibrary({
      // Alone, the pronoun question ranks other articles first; the first question finds the right article.
      'それはいつ？': ['x#1', 'y#1', 'z#1', 'w#1', 'v#1', 'summit#3'],
      'パリの首脳会合': ['summit#1', 'summit#3'],
      'その場所は？': ['place#1'],
      'その町の記事': ['place#2'],
    });
    const report = await runFollowupEval(
      library,
      [pair('a', 'パリの首脳会合', 'それはいつ？', 'summit#3'), pair('b', 'その町の記事', 'その場所は？', 'place#1')],
      { mode: 'keyword' },
    );
    expect(report.pairs).toBe(2);
    expect(report.alone).toEqual({ recallAt1: 0.5, recallAt5: 0.5 });
    expect(report.withContext).toEqual({ recallAt1: 1, recallAt5: 1 });
    // The first question is searched as the bot answered it (its top results are the cited articles).
    expect(library.calls.find((c) => c.question === 'パリの首脳会合')!.options).toEqual({ k: 5, mode: 'keyword' });
    // The follow-up is searched again among the cited articles only.
    expect(library.calls.filter((c) => c.question === 'それはいつ？').map((c) => c.options.filter)).toContainEqual({ articleIds: ['summit'] });
  });
});
