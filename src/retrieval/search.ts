import type { Embedder } from '../embeddings/embedder.js';
import type { LoadedIndex } from '../store/load.js';
import { KijiError, ErrorCodes } from '../errors.js';
import { BigramCoder } from '../keywords/tokenize.js';
import { fuse, fusionDefaults, type FusionOptions } from './fuse.js';
import { collapseNearDuplicateGrams, GramSet } from './dedupe.js';
import { isAnswerable, keepTail, relevanceDefaults, type Evidence, type RelevanceOptions } from './relevance.js';
import { answerSentencePicker, sentenceGrams, type SentenceGrams } from './answer-sentence.js';
import type { SearchMode, SearchOptions, SearchResponse, SearchResult } from './types.js';
import { compileFilter, isFiltering, type RowFilter } from './filter.js';
import { aliveFilter, keywordHalf, liveFilter, vectorHalf } from '../store/segment-search.js';

export const searchDefaults = {
  /** Candidates taken from each half before fusion (>= k + offset). */
  candidates: 50,
  /** Longest question used for retrieval, in characters; the rest is ignored. */
  maxQuestionChars: 500,
  /** Largest k a caller may ask for. */
  maxK: 50,
  /**
   * A filter allowing at most this many passages has its vector half searched exactly over their
   * vectors, a larger one through the graph with the filter. Unset: whichever the graph's size makes
   * cheaper (`exactSearchLimit` in hnsw-store.ts).
   */
  exactVectorRows: undefined as number | undefined,
} as const;

export interface SearchTuning {
  fusion?: Partial<FusionOptions>;
  relevance?: Partial<RelevanceOptions>;
  candidates?: number;
  /** Overrides `searchDefaults.exactVectorRows` (tests and benchmarks compare both ways). */
  exactVectorRows?: number;
}

/**
 * Question in, ranked and cited passages out: keyword and vector candidates, fused (by normalized
 * score by default, see fuse.ts), filtered by relevance evidence, near-duplicates collapsed onto the better-ranked copy,
 * each with the sentence that best answers the question.
 *
 * @example await searchIndex(index, embedder, '有志連合の首脳会合はどこで開かれたか', { k: 5 })
 *   // { question, mode: 'hybrid', total: 3, results: [{ rank: 1, score: 0.032, passage: { title: 'ウクライナ有志連合、…', paragraph: 2, … }, answerSentence: '有志連合はこの日、パリで首脳会合を開催。' }, …] }
 */
export async function searchIndex(
  index: LoadedIndex,
  embedder: Embedder | undefined,
  question: string,
  options: SearchOptions,
  tuning: SearchTuning = {},
): Promise<SearchResponse> {
  const k = options.k;
  const offset = options.offset ?? 0;
  if (!Number.isInteger(k) || k < 1 || k > searchDefaults.maxK) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `k must be a whole number from 1 to ${searchDefaults.maxK}, got ${k}.`);
  }
  const text = question.trim().slice(0, searchDefaults.maxQuestionChars);
  const canUseVectors = index.vectors !== undefined && embedder !== undefined;
  const requested: SearchMode = options.mode ?? 'hybrid';
  const mode: SearchMode = requested === 'keyword' || !canUseVectors ? 'keyword' : requested;
  const fellBack: Pick<SearchResponse, 'semanticOff'> = mode === 'keyword' && requested !== 'keyword' ? { semanticOff: true } : {};
  if (text === '') return { question, results: [], mode, total: 0, ...fellBack };

  const candidates = Math.max(tuning.candidates ?? searchDefaults.candidates, k + offset);
  const fusion = { ...fusionDefaults, ...tuning.fusion };
  const relevance = { ...relevanceDefaults, ...tuning.relevance };
  const evidence = new Map<number, Evidence>();
  // With delta segments, rows are numbered across them and the filter also keeps dead rows out.
  const segments = index.segments;
  const table = segments?.table ?? index.table;
  const asked: RowFilter | undefined = isFiltering(options.filter) ? compileFilter(table, options.filter) : undefined;
  const filter = segments === undefined ? asked : asked === undefined ? aliveFilter(segments) : liveFilter(segments, asked);
  if (filter !== undefined && filter.rows.length === 0) return { question, results: [], mode, total: 0, ...fellBack };

  const keywordRows: number[] = [];
  const keywordScores: number[] = [];
  if (mode !== 'vector') {
    for (const hit of keywordHalf(index, text, candidates, filter)) {
      // Keyword docs are built in table row order; the id check keeps a mismatch from citing the wrong passage.
      const row = hit.doc < table.size && table.id(hit.doc) === hit.id ? hit.doc : table.rowOf(hit.id);
      if (row === undefined) continue;
      keywordRows.push(row);
      keywordScores.push(hit.score);
      evidence.set(row, { coverage: hit.coverage });
    }
  }
  const vectorRows: number[] = [];
  const vectorScores: number[] = [];
  if (mode !== 'keyword') {
    const query = await embedder!.embedQuery(text);
    for (const hit of vectorHalf(index, query, candidates, filter, tuning.exactVectorRows ?? searchDefaults.exactVectorRows)) {
      const row = hit.row;
      if (row < 0) continue;
      vectorRows.push(row);
      vectorScores.push(hit.similarity);
      evidence.set(row, { ...evidence.get(row), similarity: hit.similarity });
    }
  }

  const fused = fuse(
    [
      { items: keywordRows, weight: fusion.keywordWeight, scores: keywordScores },
      { items: vectorRows, weight: fusion.vectorWeight, scores: vectorScores },
    ],
    (row) => row,
    fusion,
  );
  const evidenceOf = ({ key }: { key: number }): Evidence => evidence.get(key) ?? {};
  // "Nothing relevant" is decided once per question on the best evidence; then the weak tail goes.
  const answerable = isAnswerable(evidence.values(), relevance);
  const relevant = answerable ? keepTail(fused, evidenceOf, relevance) : [];
  // Collapsed lazily: one past the page is enough to know whether another page exists.
  // Each examined passage is read from disk and cut into sentences with their bigrams once: the
  // near-duplicate check compares the union of those bigrams (the same set as the whole text's: a
  // sentence ends at punctuation, space or a line break, where no bigram runs across), and the
  // answer sentence is picked from them.
  const coder = new BigramCoder();
  const examinedRows = new Map<number, { text: string; sentences: SentenceGrams }>();
  const examine = (row: number): { text: string; sentences: SentenceGrams } => {
    let entry = examinedRows.get(row);
    if (entry === undefined) {
      const passageText = table.text(row);
      examinedRows.set(row, (entry = { text: passageText, sentences: sentenceGrams(passageText, coder) }));
    }
    return entry;
  };
  const gramsOf = ({ key }: { key: number }): GramSet => new GramSet(examine(key).sentences.grams);
  const { kept, examined } = collapseNearDuplicateGrams(relevant, gramsOf, offset + k + 1);
  const page = kept.slice(offset, offset + k);
  const answerSentence = page.length > 0 ? answerSentencePicker(text, coder) : undefined;
  const results: SearchResult[] = page.map(({ key, score }, i) => {
    const { text: passageText, sentences } = examine(key);
    const passage = table.passage(key, passageText);
    return { rank: offset + i + 1, score, passage, answerSentence: answerSentence!(sentences) };
  });
  // Exact when every relevant candidate was looked at; otherwise the unexamined ones are counted as
  // if none were near-duplicates, an upper bound (see SearchResponse.total).
  const total = kept.length + (relevant.length - examined);
  return { question, results, mode, total, ...fellBack };
}
