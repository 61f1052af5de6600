import { describe, expect, it } from 'vitest';
import type { ConversationSearch } from '../../src/retrieval/conversation.js';
import { conversationDepth, searchConversation } from '../../src/retrieval/conversation-search.js';
import type { SearchOptions, SearchResponse } from '../../src/retrieval/types.js';

/** A search over fixed lists: `hits[question]` gives [passage id, score] pairs, best first. */
function fixedSearch(hits: Record<string, [string, number][]>) {
  const calls: { question: string; options: SearchOptions }[] = [];
  const search = async (question: string, options: SearchOptions): Promise<SearchResponse> => {
    calls.push({ question, options });
    const allowed = options.filter?.articleIds;
    const found = (hits[question] ?? []).filter(([id]) => !allowed || allowed.includes(id.split('#')[0]!));
    const results = found.map(([id, score], i) => ({
      rank: i + 1,
      score,
      passage: { id, articleId: id.split('#')[0]!, title: id, paragraph: 1, text: `text of ${id}`, hash: id },
      answerSentence: `${question} → ${id}`,
    }));
    return { question, results, mode: 'keyword', total: results.length };
  };
  return { search, calls };
}

const plan = (queries: [string, number][], articleIds: string[] = [], weight = 0): ConversationSearch => ({
  queries: queries.map(([text, w]) => ({ text, weight: w })),
  boost: { articleIds, weight },
  refersBack: true,
});

const ids = (response: SearchResponse) => response.results.map((r) => r.passage.id);

describe('searchConversation', () => {
  it('normalizes each query by its best score, weights and sums per passage', async () => {
    // Raw scores differ fiftyfold between the two queries; normalized, b#1 gets 1 * 0.5 + 0.6 * 1.
    const { search, calls } = fixedSearch({
      follow: [['a#1', 100], ['b#1', 50]],
      earlier: [['b#1', 2], ['c#1', 1]],
    });
    const response = await searchConversation(search, plan([['follow', 1], ['earlier', 0.6]]), { k: 5 });
    expect(ids(response)).toEqual(['b#1', 'a#1', 'c#1']);
    expect(response.results.map((r) => r.score)).toEqual([1.1, 1, 0.3]);
    expect(response.results.map((r) => r.rank)).toEqual([1, 2, 3]);
    expect(response.total).toBe(3);
    expect(calls.map((c) => c.options.k)).toEqual([conversationDepth, conversationDepth]);
    // The answer sentence is the heaviest query's.
    expect(response.results[0]!.answerSentence).toBe('follow → b#1');
    expect(response.results[2]!.answerSentence).toBe('earlier → c#1');
  });

  it('boosts passages of already cited articles', async () => {
    const { search } = fixedSearch({ follow: [['a#1', 10], ['b#1', 8]] });
    const without = await searchConversation(search, plan([['follow', 1]]), { k: 5 });
    expect(ids(without)).toEqual(['a#1', 'b#1']);
    const boosted = await searchConversation(search, plan([['follow', 1]], ['b'], 0.5), { k: 5 });
    expect(ids(boosted)).toEqual(['b#1', 'a#1']);
    expect(boosted.results[0]!.score).toBeCloseTo(1.3);
  });

  it('finds through the earlier question what the follow-up alone does not, and cites nothing no query found', async () => {
    const { search } = fixedSearch({ follow: [], earlier: [['paris#2', 7]] });
    const response = await searchConversation(search, plan([['follow', 1], ['earlier', 0.5]], ['paris', 'elsewhere'], 0.5), { k: 5 });
    expect(ids(response)).toEqual(['paris#2']);
    const nothing = await searchConversation(fixedSearch({}).search, plan([['follow', 1], ['earlier', 0.5]], ['paris'], 0.5), { k: 5 });
    expect(nothing.results).toEqual([]);
    expect(nothing.total).toBe(0);
  });

  it('searches a query with articleIds among those articles only, within the asker filter', async () => {
    // Across the index the follow-up's passage of the cited article ranks far below others; among the cited articles it is first.
    const { search, calls } = fixedSearch({ follow: [['a#1', 10], ['b#1', 9], ['c#1', 8], ['paris#4', 1]] });
    const restricted: ConversationSearch = { ...plan([['follow', 1]]), queries: [{ text: 'follow', weight: 1 }, { text: 'follow', weight: 1, articleIds: ['paris', 'rome'] }] };
    const response = await searchConversation(search, restricted, { k: 2 });
    expect(ids(response)).toEqual(['paris#4', 'a#1']);
    expect(response.results[0]!.score).toBeCloseTo(1.1);
    expect(calls.map((c) => c.options.filter)).toEqual([undefined, { articleIds: ['paris', 'rome'] }]);

    calls.length = 0;
    await searchConversation(search, restricted, { k: 2, filter: { articleIds: ['rome', 'a'], since: '2026-01-01' } });
    expect(calls.map((c) => c.options.filter)).toEqual([
      { articleIds: ['rome', 'a'], since: '2026-01-01' },
      { articleIds: ['rome'], since: '2026-01-01' },
    ]);
  });

  it('pages with offset and k, and skips queries of weight 0', async () => {
    const { search, calls } = fixedSearch({ follow: [['a#1', 5], ['a#2', 4], ['a#3', 3], ['a#4', 2]] });
    const page = await searchConversation(search, plan([['follow', 1], ['unused', 0]]), { k: 2, offset: 1, mode: 'keyword' });
    expect(ids(page)).toEqual(['a#2', 'a#3']);
    expect(page.results.map((r) => r.rank)).toEqual([1, 2]);
    expect(page.total).toBe(4);
    expect(calls.map((c) => c.question)).toEqual(['follow']);
    expect(calls[0]!.options.mode).toBe('keyword');
  });
});
