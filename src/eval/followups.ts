import { z } from 'zod';
import { readJsonl } from './questions.js';
import { conversationSearch, type ConversationOptions } from '../retrieval/conversation.js';
import { searchConversation } from '../retrieval/conversation-search.js';
import type { Library, SearchMode } from '../retrieval/types.js';
import { firstHitRank, isHit, recallAt } from './metrics.js';

/** One conversation of the follow-up set (scripts/make-followups.ts): `gold` answers `second`. */
const pairSchema = z.object({
  id: z.string(),
  articleId: z.string(),
  first: z.string().min(1),
  second: z.string().min(1),
  original: z.string().optional(),
  gold: z.array(z.string()).min(1),
});

export type FollowupPair = z.infer<typeof pairSchema>;

export function readFollowups(file: string): FollowupPair[] {
  return readJsonl(file, pairSchema, 'Pass a JSONL file of {"id","articleId","first","second","gold":[...]} lines with --followups (data/eval/followups.jsonl).');
}

export interface Recall {
  recallAt1: number;
  recallAt5: number;
}

export interface FollowupReport {
  mode: SearchMode;
  pairs: number;
  /** The second question searched on its own. */
  alone: Recall;
  /** The second question searched with its conversation. */
  withContext: Recall;
}

/** Articles an answer cites: the first question's top results, as the bot shows them. */
export const citedResults = 5;

/**
 * The second question of every pair, alone and in its conversation as the bot would search it: the
 * first question as the earlier one, and as cited articles those of the first question's top
 * `citedResults` results (what its answer showed, right or wrong), never the gold article.
 */
export async function runFollowupEval(
  library: Library,
  pairs: readonly FollowupPair[],
  options: { mode: SearchMode; conversation?: Partial<ConversationOptions>; onProgress?: (done: number, total: number) => void },
): Promise<FollowupReport> {
  const alone: number[] = [];
  const withContext: number[] = [];
  const rank = (texts: string[], gold: readonly string[]) => firstHitRank(texts.map((text) => isHit(text, gold)));
  const search = library.search.bind(library);
  for (const [i, pair] of pairs.entries()) {
    const first = await library.search(pair.first, { k: citedResults, mode: options.mode });
    const single = await library.search(pair.second, { k: 5, mode: options.mode });
    alone.push(rank(single.results.map((r) => r.passage.text), pair.gold));
    const plan = conversationSearch(
      { question: pair.second, earlier: [pair.first], citedArticles: first.results.map((r) => r.passage.articleId), citedTitles: first.results.map((r) => r.passage.title) },
      options.conversation,
    );
    const fused = await searchConversation(search, plan, { k: 5, mode: options.mode });
    withContext.push(rank(fused.results.map((r) => r.passage.text), pair.gold));
    options.onProgress?.(i + 1, pairs.length);
  }
  const recall = (ranks: number[]): Recall => ({ recallAt1: recallAt(1, ranks), recallAt5: recallAt(5, ranks) });
  return { mode: options.mode, pairs: pairs.length, alone: recall(alone), withContext: recall(withContext) };
}
