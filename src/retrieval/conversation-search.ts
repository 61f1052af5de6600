import type { ConversationSearch } from './conversation.js';
import type { SearchFilter } from './filter.js';
import type { SearchMode, SearchOptions, SearchResponse, SearchResult } from './types.js';

/** `Library.search`, or anything shaped like it. */
export type SearchFunction = (question: string, options: SearchOptions) => Promise<SearchResponse>;

/**
 * Candidates each weighted query contributes before fusion: enough that a passage ranked low for
 * the follow-up but high for the earlier question still meets the other list. The core's limit.
 */
export const conversationDepth = 50;

export interface ConversationSearchOptions {
  k: number;
  offset?: number;
  mode?: SearchMode;
  /** The asker's own filter (source, dates…): every query keeps to it. */
  filter?: SearchFilter;
}

/** The filter of one query: the asker's, narrowed to the query's articles when it has some. */
function queryFilter(articleIds: readonly string[] | undefined, filter: SearchFilter | undefined): SearchFilter | undefined {
  if (!articleIds) return filter;
  const allowed = filter?.articleIds ? articleIds.filter((id) => filter.articleIds!.includes(id)) : articleIds;
  return { ...filter, articleIds: allowed };
}

/**
 * Runs a conversation's weighted queries (conversation.ts) through `search` and fuses them: each
 * query's scores are normalized to 0-1 by its best score (scores of different queries are not
 * comparable), weighted, and summed per passage; passages of articles the conversation already
 * cited get the boost on top. A query with `articleIds` searches those articles only (within the
 * asker's filter). Only passages the core judged relevant to some query take part, so
 * the fused answer never cites what no query found. The answer sentence comes from the
 * heaviest query that found the passage.
 */
export async function searchConversation(search: SearchFunction, plan: ConversationSearch, options: ConversationSearchOptions): Promise<SearchResponse> {
  const queries = plan.queries.filter((query) => query.weight > 0 && query.articleIds?.length !== 0);
  const responses = await Promise.all(
    queries.map((query) => {
      const filter = queryFilter(query.articleIds, options.filter);
      return search(query.text, { k: conversationDepth, ...(options.mode ? { mode: options.mode } : {}), ...(filter ? { filter } : {}) });
    }),
  );
  const boosted = new Set(plan.boost.articleIds);
  const fused = new Map<string, { score: number; result: SearchResult; weight: number }>();
  responses.forEach((response, i) => {
    const weight = queries[i]!.weight;
    const best = Math.max(0, ...response.results.map((result) => result.score));
    for (const result of response.results) {
      const normalized = best > 0 ? result.score / best : 0;
      const entry = fused.get(result.passage.id);
      if (!entry) fused.set(result.passage.id, { score: weight * normalized, result, weight });
      else {
        entry.score += weight * normalized;
        if (weight > entry.weight) Object.assign(entry, { result, weight });
      }
    }
  });
  const ranked = [...fused.values()]
    .map((entry) => ({ ...entry, score: entry.score + (boosted.has(entry.result.passage.articleId) ? plan.boost.weight : 0) }))
    // Ties by passage id: the same conversation pages the same way every time.
    .sort((a, b) => b.score - a.score || (a.result.passage.id < b.result.passage.id ? -1 : 1));
  const offset = options.offset ?? 0;
  const first = responses[0]!;
  return {
    question: first.question,
    results: ranked.slice(offset, offset + options.k).map((entry, i) => ({ ...entry.result, rank: i + 1, score: entry.score })),
    mode: first.mode,
    ...(first.semanticOff ? { semanticOff: true as const } : {}),
    total: ranked.length,
  };
}
