/**
 * What the index reports to the layers above it (retrieval, front ends): its articles and the
 * outcome of a build. Here rather than in retrieval/ so that store/ never imports upward.
 */
import type { LoadProblem } from './articles/load.js';
import type { Article } from './articles/article.js';

export interface ArticleSummary {
  id: string;
  title: string;
  source?: string;
  published?: string;
  url?: string;
  passages: number;
}

export interface BuildReport {
  articles: number;
  passages: number;
  /** Passages embedded in this run (0 when nothing changed). */
  embedded: number;
  /**
   * Passages carried over from the previous index without embedding: those whose vector was kept, or,
   * in an index without vectors, those unchanged since the previous build.
   */
  reused: number;
  removed: number;
  /** What the articles folder held that could not be indexed whole: files and articles skipped, fields dropped. */
  skipped: LoadProblem[];
  /** Why semantic search is off, when it is. */
  semanticOff?: string;
  ms: number;
}

/**
 * A change of articles as the index applies it: the added or changed articles whole (the index
 * chunks and embeds only them), and the ids of articles removed. Every id of either supersedes what
 * the index held under it.
 */
export interface IndexChange {
  articles: Article[];
  removed: string[];
}

/** Which articles (by id) a change touched; an incremental index applies exactly these. */
export interface ArticleChange {
  added: string[];
  changed: string[];
  removed: string[];
  /**
   * The added and changed articles themselves, as the articles folder's parser gives them, when the
   * caller has them; those it lacks are read by the `IndexUpdates`' reader.
   */
  articles?: Article[];
}
