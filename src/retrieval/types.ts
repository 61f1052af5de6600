import type { Passage } from '../passages/passage.js';
import type { ArticleSummary, BuildReport } from '../index-types.js';
import type { SearchFilter } from './filter.js';

export type { SearchFilter } from './filter.js';

export type { ArticleSummary, BuildReport } from '../index-types.js';

export const searchModes = ['hybrid', 'keyword', 'vector'] as const;
export type SearchMode = (typeof searchModes)[number];

export interface SearchOptions {
  /** How many passages at most (1-50). */
  k: number;
  /** Default `hybrid`; falls back to `keyword` when no embedding model is loaded. */
  mode?: SearchMode;
  /** Skip the first `offset` relevant results (for paging). */
  offset?: number;
  /** Only passages this filter allows, in both halves of the search (see filter.ts). */
  filter?: SearchFilter;
}

export interface SearchResult {
  /** 1-based rank among the relevant results. */
  rank: number;
  /** Fused relevance score; higher is better. Comparable within one response only. */
  score: number;
  passage: Passage;
  /** The sentence of the passage that best answers the question (shown in bold by the bot). */
  answerSentence: string;
}

export interface SearchResponse {
  question: string;
  /** Only passages judged relevant; empty means nothing relevant is indexed. */
  results: SearchResult[];
  /** The mode actually used (keyword when semantic search is off). */
  mode: SearchMode;
  /**
   * True when vectors were asked for (hybrid or vector mode) but the index or the model has none,
   * so only words the question shares with the passages could find them: a question in another
   * language than the articles' finds nothing. Absent otherwise.
   */
  semanticOff?: true;
  /**
   * How many relevant results exist in all (for "More" paging). Exact up to the page after this
   * one (so `offset + results.length < total` says truly whether another page exists); beyond it,
   * an upper bound: candidates past the next page are not checked for near-duplicates.
   */
  total: number;
}

/**
 * What the front ends (CLI, REPL, Discord bot) need from the retrieval core.
 * Nothing here knows about Discord or terminals.
 */
export interface Library {
  /** Identifies the loaded index build; changes whenever the index is rebuilt with different content. */
  readonly buildId: string;
  search(question: string, options: SearchOptions): Promise<SearchResponse>;
  articles(): ArticleSummary[];
  passage(id: string): Passage | undefined;
  /** Rebuild from the articles folder and swap the new index in atomically. */
  reindex(): Promise<BuildReport>;
}
