/**
 * BM25 keyword index over passages, built for a million passages: postings with impacts (the whole BM25 term
 * weight) precomputed, so a query only adds floats. Options live in options.ts, the build in
 * analysis.ts, the file in index-file.ts; this is the index itself and its search, exact or within a
 * postings budget.
 */
import { ErrorCodes, KijiError } from '../errors.js';
import { closeOnCollect, keepOpen, memorySource, openSource, type Source } from '../binary-file.js';
import { keywordBudgetDefaults } from '../config/defaults.js';
import { ANALYZERS, stripQuestionWords } from './tokenize.js';
import { Arena, ChainedPostings, PostingCursor, fail, segmentOf } from './postings.js';
import { TopKScratch, exhaustiveTopK, prunedTopK, type ScoredDoc, type TermInput } from './top-k.js';
import { resolveKeywordOptions, termKey, type KeywordChannel, type KeywordDoc, type KeywordOptions } from './options.js';
import { analyzeKeywordDocs, layOutPostings, type KeywordAnalysis } from './analysis.js';
import { decodeHead, encodeIndex, type IndexHead } from './index-file.js';

export { KeywordAnalyzer, analyzeKeywordDocs, type KeywordAnalysis } from './analysis.js';
export { KEYWORD_FORMAT_VERSION } from './index-file.js';
export { RELEVANT_COVERAGE, keywordDefaults, resolveKeywordOptions, type KeywordChannel, type KeywordDoc, type KeywordField, type KeywordOptions } from './options.js';
export { keywordBudgetDefaults } from '../config/defaults.js';

export interface KeywordHit {
  id: string;
  /** Position of the passage in the documents the index was built from (kiji builds it in passage-table row order). */
  doc: number;
  score: number;
  /**
   * Share (0-1) of the query's IDF mass this passage matches: 1 when every query term occurs in it,
   * near 0 when it shares only common terms. Terms unknown to the index count with the highest IDF,
   * so a query about something never indexed scores low everywhere.
   */
  coverage: number;
}

/**
 * Statistics of the collection a segment is searched with (segments.ts): the segment then weighs
 * terms by the collection's IDF, not its own, so scores and coverage of segments searched together
 * compare as if they were one index (Lucene's index-wide statistics).
 */
export interface CollectionStats {
  /** Passages in the collection. */
  n: number;
  /** Passages of the collection holding the term key (channel letter + token). */
  df(key: string): number;
  /**
   * The query's analysis, kept by the first segment searched for the others: every segment of a
   * collection analyses a query alike (same keyword options), and analysing is most of a small segment's search.
   */
  analyzed?: { query: string; keys: QueryKey[] };
  /**
   * An object that lives exactly as long as `n` and `df` hold (a segment set): a segment searched
   * with these statistics keeps under it what it derives from them per query term (its weight, its
   * rescaled impacts), which every query would otherwise derive again.
   */
  scope?: object;
}

/** Terms a search reads in full and terms its best passages are rescored with; see `budgetSplit`. */
interface BudgetSplit<T> {
  searched: Set<T>;
  rescoring: Set<T>;
}

/** A term of an analysed query: its key (channel letter + token) and its channel. */
interface QueryKey {
  key: string;
  channel: number;
}

/** BM25's IDF as the build computes it (float64). */
const bm25Idf = (n: number, df: number): number => Math.log(1 + (n - df + 0.5) / (df + 0.5));

/**
 * A query term: its id (-1 when the index does not know it), its weight in the query (IDF times
 * channel weight), and what its stored impacts are multiplied by (1 but for a segment scored with
 * its collection's statistics).
 */
interface QueryTerm {
  key: string;
  id: number;
  mass: number;
  factor: number;
}

/**
 * A segment's query terms under one `CollectionStats.scope`, by key (null: left out, below minIdf):
 * looking a term up in every segment and weighing it by the collection's statistics is otherwise much
 * of a small segment's share of a search, and gives the same for every query while the scope lives.
 */
type ScopedTerms = Map<string, QueryTerm | null>;

const scopedLimits = {
  /** Term keys kept per scope; past this it starts over, so a long-lived scope stays small. */
  terms: 1 << 16,
} as const;

/** `Buffer.compare` of bytes[start..end-1] with probe[0..length-1] (bytewise, then shorter first), without a view of either. */
function compareBytes(bytes: Uint8Array, start: number, end: number, probe: Uint8Array, length: number): number {
  const common = Math.min(end - start, length);
  for (let i = 0; i < common; i++) {
    const d = (bytes[start + i] as number) - (probe[i] as number);
    if (d !== 0) return d;
  }
  return end - start - length;
}

/** Keyword index files up to this size are held in memory once opened (search decodes their blocks in place). */
export const KEYWORDS_IN_MEMORY_BYTES = 64 * 2 ** 20;

export class KeywordIndex {
  private readonly options: KeywordOptions;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  /** `termId`'s encoded key (UTF-8 takes at most 3 bytes per UTF-16 unit). */
  private probe = new Uint8Array(64);
  // Reused by every query (searches are synchronous), so a query allocates little: a cursor per query
  // term, the bytes the query read, and the candidates' buffers.
  private readonly cursors: PostingCursor[] = [];
  private readonly arena = new Arena();
  private readonly scratch = new TopKScratch();
  private readonly scoped = new WeakMap<object, ScopedTerms>();
  /**
   * Postings a search reads in full lists before the rest of the question's terms only rescore its
   * best passages (see `keywordBudgetDefaults`); Infinity: every search exact.
   */
  maxPostings: number = keywordBudgetDefaults.maxPostings;

  private constructor(
    private readonly head: IndexHead,
    private readonly source: Source,
  ) {
    this.options = head.options;
  }

  /**
   * @example KeywordIndex.build([{ id: 'a#1', text: '有志連合はパリで首脳会合を開催', title: 'ウクライナ' }])
   */
  static build(docs: KeywordDoc[], options?: Partial<KeywordOptions>, avgLengths?: readonly number[]): KeywordIndex {
    return KeywordIndex.fromAnalysis(analyzeKeywordDocs(docs, options), options, avgLengths);
  }

  /**
   * The laying-out half of `build`: `build(docs, o)` is `fromAnalysis(analyzeKeywordDocs(docs, o), o)`.
   * `avgLengths` (per channel) normalizes lengths by another collection's averages (a delta segment's base).
   */
  static fromAnalysis(analysis: KeywordAnalysis, options?: Partial<KeywordOptions>, avgLengths?: readonly number[]): KeywordIndex {
    const resolved = resolveKeywordOptions(options);
    const laidOut = layOutPostings(resolved, analysis, avgLengths);
    const { offsets, docs, impacts, body } = laidOut;
    const source = memorySource(encodeIndex({ options: resolved, ids: analysis.ids, terms: analysis.terms, offsets, docs, impacts, body }));
    const index = new KeywordIndex(decodeHead(source), source);
    index.avgLengths = laidOut.avgLengths;
    return index;
  }

  /** The average length of each channel the index was built with; known only for an index built here, not one read from a file. */
  avgLengths: number[] | undefined;

  get size(): number {
    return this.head.n;
  }

  /** Bytes of the saved form (the file's size for an opened index). */
  get byteSize(): number {
    return this.source.size;
  }

  /** The options the index was built with (saved with it). */
  get settings(): KeywordOptions {
    return this.options;
  }

  private id(doc: number): string {
    const { idBytes, idOffsets } = this.head;
    return this.decoder.decode(idBytes.subarray(idOffsets[doc] as number, idOffsets[doc + 1] as number));
  }

  /**
   * Binary search in the sorted term blob: no dictionary is built, so loading does not pay for one.
   * The key is encoded into one reused buffer and compared byte by byte in place: a question has
   * dozens of terms and each takes a dozen or more probe steps, too many for a Buffer view and
   * `Buffer.compare` each.
   */
  private termId(key: string): number | undefined {
    const { termBytes, termOffsets, termCount } = this.head;
    if (this.probe.length < 3 * key.length) this.probe = new Uint8Array(3 * key.length);
    const probe = this.probe;
    const length = this.encoder.encodeInto(key, probe).written;
    let lo = 0;
    let hi = termCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const order = compareBytes(termBytes, termOffsets[mid] as number, termOffsets[mid + 1] as number, probe, length);
      if (order === 0) return mid;
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Postings in term t's list: its document frequency. */
  private df(t: number): number {
    const { postingOffsets } = this.head;
    return (postingOffsets[t + 1] as number) - (postingOffsets[t] as number);
  }

  /** Rounded to float32 as when it was stored in a Float32Array, so scores and coverage did not move. */
  private idf(t: number): number {
    const { n } = this.head;
    const df = this.df(t);
    return Math.fround(Math.log(1 + (n - df + 0.5) / (df + 0.5)));
  }

  /** Where term t's segment starts in the source. */
  private segmentAt(t: number): number {
    return this.head.postingsAt + (this.head.segmentOffsets[t] as number);
  }

  /** Passages of this index holding the term key (channel letter + token): 0 for an unknown one. */
  docFrequency(key: string): number {
    const t = this.termId(key);
    return t === undefined ? 0 : this.df(t);
  }

  /**
   * Distinct known query terms with their weight in the query (IDF times channel weight); unknown terms get id -1.
   * With `stats`, IDF is the collection's, and impacts are rescaled from this index's IDF to it.
   */
  private queryTerms(query: string, stats?: CollectionStats): QueryTerm[] {
    let keys: QueryKey[];
    if (stats === undefined) keys = this.queryKeys(query);
    else if (stats.analyzed?.query === query) keys = stats.analyzed.keys;
    else stats.analyzed = { query, keys: (keys = this.queryKeys(query)) };
    const scoped = stats?.scope === undefined ? undefined : this.scopedTerms(stats.scope);
    const out: QueryTerm[] = [];
    for (const { key, channel } of keys) {
      let term = scoped?.get(key);
      if (term === undefined) {
        term = this.queryTerm(key, channel, stats);
        if (scoped !== undefined) {
          if (scoped.size >= scopedLimits.terms) scoped.clear();
          scoped.set(key, term);
        }
      }
      if (term !== null) out.push(term);
    }
    return out;
  }

  private scopedTerms(scope: object): ScopedTerms {
    let scoped = this.scoped.get(scope);
    if (scoped === undefined) this.scoped.set(scope, (scoped = new Map()));
    return scoped;
  }

  /** The query term of `key` (of channel `c`), or null when its IDF is below `minIdf`. */
  private queryTerm(key: string, c: number, stats: CollectionStats | undefined): QueryTerm | null {
    const n = stats?.n ?? this.head.n;
    const unknownIdf = Math.log(1 + (n + 0.5) / 0.5);
    const weight = (this.options.channels[c] as KeywordChannel).weight;
    const t = this.termId(key);
    if (stats !== undefined) {
      const df = stats.df(key);
      const idf = df === 0 ? unknownIdf : Math.fround(bm25Idf(n, df));
      if (df > 0 && idf < this.options.minIdf) return null;
      const factor = t === undefined ? 1 : bm25Idf(n, df) / bm25Idf(this.head.n, this.df(t));
      return { key, id: t ?? -1, mass: weight * idf, factor };
    }
    if (t === undefined) return { key, id: -1, mass: weight * unknownIdf, factor: 1 };
    return this.idf(t) >= this.options.minIdf ? { key, id: t, mass: weight * this.idf(t), factor: 1 } : null;
  }

  /** The query's distinct term keys, channel by channel, in order. */
  private queryKeys(query: string): QueryKey[] {
    const text = this.options.stripQuestionWords ? stripQuestionWords(query) : query;
    const seen = new Set<string>();
    const keys: QueryKey[] = [];
    this.options.channels.forEach((channel, c) => {
      for (const token of ANALYZERS[channel.analyzer](text)) {
        const key = termKey(c, token);
        if (seen.has(key)) continue;
        seen.add(key);
        keys.push({ key, channel: c });
      }
    });
    return keys;
  }

  /**
   * Best `k` passages for `query`, highest score first, only those sharing a term with it and, with
   * `allowed` (a byte per passage, 1 allowed), only those it allows.
   *
   * @example index.search('有志連合の首脳会合はどこで開かれたか', 3) // [{ id: 'a#4', score: 21.3, coverage: 0.82 }, ...]
   */
  search(query: string, k: number, allowed?: Uint8Array): KeywordHit[] {
    return KeywordIndex.searchSegments([this], query, k, allowed);
  }

  /**
   * What `search` returns, found by scoring every posting of every query term: the reference the pruned
   * search is tested and benchmarked against (it reads whole posting lists; not for serving).
   */
  searchExhaustive(query: string, k: number, allowed?: Uint8Array): KeywordHit[] {
    return KeywordIndex.searchSegmentsExhaustive([this], query, k, allowed);
  }

  /**
   * The best `k` passages of `segments` searched as one index: their docs numbered one segment after
   * another (a hit's `doc` and `allowed` are in that numbering), each term weighed by the collection's
   * `stats` (required for more than one segment; see `CollectionStats`). It is one top over every
   * segment's lists of each term, as a single index of the whole collection would rank: the query is
   * split by the collection's document frequencies (`budgetSplit`), and only the collection's best
   * candidates are rescored and reranked by coverage. A top per segment, merged, would read each small
   * segment's common lists in full and rank candidates the collection would not.
   */
  static searchSegments(segments: readonly KeywordIndex[], query: string, k: number, allowed?: Uint8Array, stats?: CollectionStats): KeywordHit[] {
    return KeywordIndex.rank(segments, query, k, (terms, depth, n, scratch) => prunedTopK(terms, n, depth, scratch, allowed), undefined, stats, allowed);
  }

  /** `searchSegments` scoring every posting of every query term (`searchExhaustive`). */
  static searchSegmentsExhaustive(segments: readonly KeywordIndex[], query: string, k: number, allowed?: Uint8Array, stats?: CollectionStats): KeywordHit[] {
    // Each list is read whole and used once: the read buffers are emptied after each.
    const done = (): void => {
      for (const segment of segments) segment.arena.reset(64 << 20);
    };
    return KeywordIndex.rank(segments, query, k, (terms, depth, n) => exhaustiveTopK(terms, n, depth, done, allowed), Infinity, stats, allowed);
  }

  private checkK(k: number): void {
    if (!Number.isInteger(k) || k < 0) {
      throw new KijiError(ErrorCodes.BAD_ARGUMENT, `k must be a non-negative integer, got ${k}.`);
    }
  }

  /** How many docs the BM25 top must hold for k results: the coordination rerank looks deeper. */
  private depth(k: number): number {
    return this.options.coordination > 0 ? Math.max(k, this.options.rerankDepth) : k;
  }

  /**
   * The search itself (`topK` over the searched terms' lists, each term's lists of every segment as
   * one list), the rescoring when the budget left terms out, the coverage rerank and the first k.
   */
  private static rank(
    segments: readonly KeywordIndex[],
    query: string,
    k: number,
    topK: (terms: TermInput[], depth: number, n: number, scratch: TopKScratch) => ScoredDoc[],
    /** Undefined: the first segment's budget (`maxPostings`). */
    budget: number | undefined,
    stats: CollectionStats | undefined,
    allowed: Uint8Array | undefined,
  ): KeywordHit[] {
    const lead = segments[0];
    if (lead === undefined || (segments.length > 1 && stats === undefined)) {
      throw new KijiError(ErrorCodes.BAD_ARGUMENT, "A search over several keyword segments needs at least one segment and the collection's statistics.");
    }
    const starts = segmentStarts(segments);
    const n = (starts.at(-1) as number) + (segments.at(-1) as KeywordIndex).size;
    if (allowed !== undefined && allowed.length < n) {
      throw new KijiError(ErrorCodes.BAD_ARGUMENT, `The search filter covers ${allowed.length} passages of ${n}.`);
    }
    lead.checkK(k);
    const maxPostings = budget ?? lead.maxPostings;
    // Weighed by the same statistics, every segment keeps the same terms: term j is the same key in each.
    const termsOf = segments.map((segment) => segment.queryTerms(query, stats));
    const qterms = termsOf[0] as QueryTerm[];
    if (k === 0 || qterms.length === 0) return [];
    const totalMass = qterms.reduce((sum, q) => sum + q.mass, 0);
    const split =
      stats === undefined
        ? budgetSplit(
            qterms.filter((t) => t.id >= 0),
            (t) => lead.df(t.id),
            maxPostings,
          )
        : budgetSplit(
            qterms.filter((t) => stats.df(t.key) > 0),
            (t) => stats.df(t.key),
            maxPostings,
          );
    const taken = segments.map(() => 0);
    /** Term j's lists in every segment that knows it, as one list; undefined when none does. */
    const listOf = (j: number): TermInput | undefined => {
      const parts: PostingCursor[] = [];
      const partStarts: number[] = [];
      let maxImpact = 0;
      segments.forEach((segment, i) => {
        const term = (termsOf[i] as QueryTerm[])[j] as QueryTerm;
        if (term.id < 0) return;
        const cursor = segment.cursor(taken[i]!++);
        maxImpact = Math.max(maxImpact, segment.termInput(term, cursor, starts[i]!).maxImpact);
        parts.push(cursor);
        partStarts.push(starts[i]!);
      });
      if (parts.length === 0) return undefined;
      return { cursor: parts.length === 1 ? (parts[0] as PostingCursor) : new ChainedPostings(parts, partStarts), mass: (qterms[j] as QueryTerm).mass, maxImpact };
    };
    let docs: ScoredDoc[];
    try {
      const searched: TermInput[] = [];
      const listAt = new Map<number, TermInput>();
      qterms.forEach((term, j) => {
        if (split !== undefined && !split.searched.has(term)) return;
        const list = listOf(j);
        if (list === undefined) return;
        searched.push(list);
        listAt.set(j, list);
      });
      docs = topK(searched, lead.depth(k), n, lead.scratch);
      if (split !== undefined) {
        // The searched terms' lists are rewound, not read again.
        const rescoring: TermInput[] = [];
        qterms.forEach((term, j) => {
          if (!split.rescoring.has(term)) return;
          let list = listAt.get(j);
          if (list !== undefined) list.cursor.rewind();
          else list = listOf(j);
          if (list !== undefined) rescoring.push(list);
        });
        docs = rescored(docs, rescoring);
      }
    } catch (error) {
      lead.scratch.clean();
      throw error;
    } finally {
      // Buffers are kept for the next query (growing them again would cost the longest queries more
      // than their search), unless a very long query or a reference search grew them past these limits.
      lead.scratch.release(1 << 21);
      for (const segment of segments) {
        segment.arena.reset(64 << 20);
        for (const cursor of segment.cursors) cursor.trim(1 << 16);
      }
    }
    return lead.hits(docs, totalMass, k, (doc) => {
      const i = segmentOf(starts, doc);
      return (segments[i] as KeywordIndex).id(doc - starts[i]!);
    });
  }

  /** Cursor `i` of this index's pool (reused by every query). */
  private cursor(i: number): PostingCursor {
    while (this.cursors.length <= i) this.cursors.push(new PostingCursor());
    return this.cursors[i] as PostingCursor;
  }

  /** Term `id`'s list through `cursor`, its docs numbered from `docOffset` (and below this index's end from there). */
  private termInput({ id, mass, factor }: QueryTerm, cursor: PostingCursor, docOffset: number): TermInput {
    const { maxImpact, segmentOffsets, scale } = this.head;
    const size = (segmentOffsets[id + 1] as number) - (segmentOffsets[id] as number);
    cursor.reset(this.source, this.arena, this.segmentAt(id), this.df(id), size, scale[id] as number, factor, docOffset, docOffset + this.head.n);
    // The ceiling rounded up by a hair when rescaled, as the cursor's block bounds are.
    return { cursor, mass, maxImpact: factor === 1 ? (maxImpact[id] as number) : (maxImpact[id] as number) * factor * (1 + 1e-6) };
  }

  /** The top's coverage, the coordination rerank and the first k, with their ids (`id`). */
  private hits(top: readonly ScoredDoc[], totalMass: number, k: number, id: (doc: number) => string): KeywordHit[] {
    const { coordination } = this.options;
    const hits = top.map(({ doc, score, mass }) => {
      const coverage = totalMass === 0 ? 0 : mass / totalMass;
      return { doc, coverage, score: coordination > 0 ? score * coverage ** coordination : score };
    });
    if (coordination > 0) hits.sort((a, b) => b.score - a.score || a.doc - b.doc);
    return hits.slice(0, k).map(({ doc, score, coverage }) => ({ id: id(doc), doc, score, coverage }));
  }

  /** Postings the known terms of `query` hold: above `maxPostings`, a search reads only some of them. */
  queryPostings(query: string): number {
    let sum = 0;
    for (const { id } of this.queryTerms(query)) if (id >= 0) sum += this.df(id);
    return sum;
  }

  /** The saved form; for an index in memory, its own bytes (not a copy: a large index is large). */
  serialize(): Uint8Array {
    if (this.source.bytes) return this.source.bytes;
    const bytes = new Uint8Array(this.source.size);
    this.source.readInto(bytes, 0, bytes.byteLength);
    return bytes;
  }

  /** Throws KijiError INDEX_CORRUPT on anything that is not a complete index of this version. */
  static deserialize(bytes: Uint8Array): KeywordIndex {
    if (!(bytes instanceof Uint8Array)) fail('expected bytes');
    const source = memorySource(bytes);
    return new KeywordIndex(decodeHead(source), source);
  }

  /**
   * Opens a saved index. A file of at most `inMemoryBytes` is read whole (searches decode its blocks
   * in place, with no read per list); of a larger one only the ids, term dictionary and posting
   * offsets are read, and a query reads the parts of its terms' postings it needs (the OS page cache
   * keeps the hot ones in memory): a large index's postings held in memory would break the memory
   * budget next to the vectors and take seconds to load (docs/architecture.md).
   * Throws INDEX_CORRUPT like `deserialize`.
   */
  static open(file: string, inMemoryBytes = KEYWORDS_IN_MEMORY_BYTES): KeywordIndex {
    let source: Source;
    try {
      source = openSource(file, inMemoryBytes);
    } catch (cause) {
      fail(`cannot open ${file} (${cause instanceof Error ? cause.message : String(cause)})`);
    }
    try {
      const index = new KeywordIndex(decodeHead(source), source);
      closeOnCollect(index, source);
      return index;
    } catch (error) {
      source.close();
      throw error;
    }
  }

  /** Closes the file of an index from `open` (searching it afterwards fails, unless it was read whole); a no-op otherwise. */
  close(): void {
    keepOpen(this);
    this.source.close();
  }
}

/** Each segment's first doc in the numbering of `segments` searched as one index. */
function segmentStarts(segments: readonly KeywordIndex[]): number[] {
  let n = 0;
  return segments.map((segment) => {
    const start = n;
    n += segment.size;
    return start;
  });
}

/**
 * Which of `terms` a search reads in full: the heaviest first (highest IDF times channel weight) until
 * the next would take the postings (`df`) past `maxPostings` (the heaviest always), and which rescore
 * its best passages: those plus the heaviest `rescoreTerms` left out. Undefined when every term fits.
 */
function budgetSplit<T extends { mass: number }>(terms: readonly T[], df: (term: T) => number, maxPostings: number): BudgetSplit<T> | undefined {
  let total = 0;
  for (const t of terms) total += df(t);
  if (total <= maxPostings) return undefined;
  // Heaviest first; a stable sort keeps query order between equals.
  const byMass = [...terms].sort((a, b) => b.mass - a.mass);
  let read = 0;
  let kept = 0;
  for (; kept < byMass.length; kept++) {
    const next = df(byMass[kept] as T);
    if (kept > 0 && read + next > maxPostings) break;
    read += next;
  }
  return { searched: new Set(byMass.slice(0, kept)), rescoring: new Set(byMass.slice(0, kept + keywordBudgetDefaults.rescoreTerms)) };
}

/**
 * The best `rescoreDepth` of `docs` scored again over `rescoring` (lists in query order, probed in doc
 * order), summed in query order as any score is, best first, then the others as they were.
 */
function rescored(docs: ScoredDoc[], rescoring: readonly TermInput[]): ScoredDoc[] {
  const best = docs.slice(0, keywordBudgetDefaults.rescoreDepth).sort((a, b) => a.doc - b.doc);
  const scored = best.map(({ doc }): ScoredDoc => {
    let score = 0;
    let mass = 0;
    for (const { cursor, mass: termMass } of rescoring) {
      const impact = cursor.impactOf(doc);
      if (impact === 0) continue;
      score = Math.fround(score + impact);
      mass += termMass;
    }
    return { doc, score, mass };
  });
  scored.sort((a, b) => b.score - a.score || a.doc - b.doc);
  return [...scored, ...docs.slice(scored.length)];
}
