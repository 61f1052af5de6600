/**
 * BM25 keyword index over passages, built for 1M passages: postings in typed arrays with impacts
 * (the whole BM25 term weight) precomputed, so a query only adds floats; a binary save format.
 *
 * Each channel is one field read through one analyzer (text as bigrams, title as words, ...) with
 * its own length statistics and weight; a document's score is the weighted sum of channel BM25
 * scores.
 */
import { ErrorCodes, KijiError } from '../errors.js';
import { ANALYZERS, isAnalyzerName, stripQuestionWords, type AnalyzerName } from './tokenize.js';
import { fail, memorySource, openSource, type Source } from './source.js';
import { Arena, PostingCursor, impactScale, segmentBytesRange, segmentSize, storedImpact, writeSegment } from './postings.js';
import { TokenDictionary } from './token-dictionary.js';
import { TopKScratch, exhaustiveTopK, prunedTopK, type ScoredDoc, type TermInput } from './top-k.js';

export interface KeywordDoc {
  id: string;
  text: string;
  title?: string;
  section?: string;
}

/** `context` is the title, section and text as one field: a passage "mentions" its article's topic. */
export type KeywordField = 'text' | 'title' | 'section' | 'context';

export interface KeywordChannel {
  field: KeywordField;
  analyzer: AnalyzerName;
  /** Multiplies this channel's BM25 score; 0-10, 1 = as much as any other channel. */
  weight: number;
  /** Overrides `KeywordOptions.k1` for this channel. */
  k1?: number;
  /** Overrides `KeywordOptions.b` for this channel. */
  b?: number;
}

export interface KeywordOptions {
  /** Term frequency saturation, 0-3: 0 counts a term once however often it occurs; the usual 1.2. */
  k1: number;
  /** Length normalization, 0-1: 0 ignores passage length, 1 divides it out fully; the usual 0.75. */
  b: number;
  /** BM25+ lower bound added to every match, 0-1 (0 = plain Okapi BM25), so long passages are not starved. */
  delta: number;
  /** Query terms with a smaller IDF are skipped (they touch most passages and rank nothing), 0-2. */
  minIdf: number;
  /**
   * Coordination exponent, 0-4: the best `rerankDepth` passages are rescored as
   * score * coverage^coordination, favouring passages that match more of the question (0 = off).
   */
  coordination: number;
  /** How many top BM25 passages the coordination rescoring looks at, 10-1000 (at least k). */
  rerankDepth: number;
  /** Drop interrogatives and question endings (何, どこ, ですか, ...) from queries before analysis. */
  stripQuestionWords: boolean;
  /** At least one channel; at most 16. */
  channels: KeywordChannel[];
}

/** Tuned on JSQuAD validation with scripts/tune-keywords.ts; see the table in its output. */
export const keywordDefaults: KeywordOptions = {
  k1: 0.9,
  b: 0.75,
  delta: 0,
  minIdf: 0,
  coordination: 3,
  rerankDepth: 50,
  stripQuestionWords: true,
  channels: [
    { field: 'context', analyzer: 'contentBigram', weight: 1 },
    { field: 'context', analyzer: 'word', weight: 1 },
    // Kanji unigrams bridge an inflected verb and its Sino-Japanese compound (開かれた / 開催):
    // +0.003 R@5 on JSQuAD and the seed's d01 from rank 7 to 3.
    { field: 'context', analyzer: 'unigram', weight: 0.75 },
    // Below the body channels: the title picks the article, the body must pick the passage.
    { field: 'title', analyzer: 'bigram', weight: 0.75, b: 0 },
  ],
};

/**
 * A top passage with less `coverage` than this shares too little with the question to count as a
 * keyword match. With the default channels (scripts/tune-keywords.ts, column `cov ans/unans`) the
 * seed's answerable Japanese questions' top hits have 0.143 or more, `今日の株価はいくらですか` 0.049,
 * English questions 0 (no shared terms); on JSQuAD only ~0.2% of answerable questions fall below.
 * A weak signal alone (the margin is 3x): vector similarity is the other half. Range 0-1.
 */
export const RELEVANT_COVERAGE = 0.08;

/**
 * How much of a question a keyword search reads, so that its cost stops growing with the corpus.
 * Exact BM25 reads every posting of every question term; at 1M passages a question's ~60 terms
 * (bigrams, words and kanji of a Japanese sentence) hold ~10M postings and an exact search took
 * 19/48 ms p50/p95 on one core. With a budget, the heaviest terms (rarest, highest IDF times channel
 * weight) are searched in full, in that order, until the next one would take the postings read past
 * `maxPostings` (the heaviest always is); the rest, the commonest, only rescore the best
 * `rescoreDepth` passages found, the heaviest `rescoreTerms` of them, by a probe each. Below the
 * budget a search is exact.
 *
 * Measured (see README, "Keyword search budget"): on JSQuAD with a budget as tight relative to its
 * 1,145 passages as 50k postings is to 1M (`KEYWORD_MAX_POSTINGS=57 npm run eval`), R@1 0.928
 * against 0.930 exact and R@5 0.964 against 0.976 (at 115, like 100k at 1M: 0.930 / 0.968; leaving
 * the rest out without rescoring: 0.905 / 0.962); on the bench's 1M corpus the fused search's p50/p95
 * went from 5.4/7.4 ms at 100k postings to 4.1/6.2 ms at 50k, alternating in one process.
 */
export const keywordBudgetDefaults = {
  /** Postings a search reads in full lists; Infinity for exact search. */
  maxPostings: 50_000,
  /** Passages rescored with the terms left out (10: R@1 as exact; 20 cost 1 ms more at 1M for +0.004 R@5). */
  rescoreDepth: 10,
  /** At most this many left-out terms rescore them (all of them cost 2.4 ms more at p95 at 1M for the same R@1). */
  rescoreTerms: 24,
} as const;

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

/** The BM25 top of a search before coverage, and the query's total mass. */
interface Top {
  docs: ScoredDoc[];
  totalMass: number;
}

/** A query term: its id (-1 when the index does not know it) and its weight in the query (IDF times channel weight). */
interface QueryTerm {
  id: number;
  mass: number;
}

const MAX_CHANNELS = 16;
const TF_MAX = 0xffff;

function badOption(message: string): never {
  throw new KijiError(ErrorCodes.BAD_ARGUMENT, `Bad keyword index option: ${message}.`);
}

function inRange(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    badOption(`${name} must be a number within ${min}-${max}, got ${String(value)}`);
  }
}

const KEYWORD_FIELDS: readonly KeywordField[] = ['text', 'title', 'section', 'context'];

/**
 * The `context` field's tokens: those of title, section and text joined by newlines. Every analyzer
 * breaks at a newline (no n-gram, word or unigram spans one; test/keywords/tokenize.test.ts), so
 * they are the parts' tokens one after the other, and an article's title and section are analysed
 * once rather than again for every passage.
 */
function contextTokens(doc: KeywordDoc, cached: (value: string) => string[], analyze: (text: string) => string[]): string[] {
  const text = analyze(doc.text);
  const title = doc.title ? cached(doc.title) : [];
  const section = doc.section ? cached(doc.section) : [];
  return title.length === 0 && section.length === 0 ? text : [...title, ...section, ...text];
}

/** Merges over the defaults and checks every range once, at the border. */
export function resolveKeywordOptions(options: Partial<KeywordOptions> = {}): KeywordOptions {
  const merged: KeywordOptions = { ...keywordDefaults, ...options };
  inRange('k1', merged.k1, 0, 3);
  inRange('b', merged.b, 0, 1);
  inRange('delta', merged.delta, 0, 1);
  inRange('minIdf', merged.minIdf, 0, 2);
  inRange('coordination', merged.coordination, 0, 4);
  inRange('rerankDepth', merged.rerankDepth, 10, 1000);
  if (typeof merged.stripQuestionWords !== 'boolean') badOption('stripQuestionWords must be true or false');
  if (!Array.isArray(merged.channels) || merged.channels.length === 0 || merged.channels.length > MAX_CHANNELS) {
    badOption(`channels must list 1-${MAX_CHANNELS} channels`);
  }
  const channels = merged.channels.map((c, i): KeywordChannel => {
    if (!KEYWORD_FIELDS.includes(c.field)) {
      badOption(`channels[${i}].field must be one of ${KEYWORD_FIELDS.join(', ')}, got ${String(c.field)}`);
    }
    if (typeof c.analyzer !== 'string' || !isAnalyzerName(c.analyzer)) {
      badOption(`channels[${i}].analyzer must be one of ${Object.keys(ANALYZERS).join(', ')}, got ${String(c.analyzer)}`);
    }
    inRange(`channels[${i}].weight`, c.weight, 0, 10);
    const channel: KeywordChannel = { field: c.field, analyzer: c.analyzer, weight: c.weight };
    if (c.k1 !== undefined) {
      inRange(`channels[${i}].k1`, c.k1, 0, 3);
      channel.k1 = c.k1;
    }
    if (c.b !== undefined) {
      inRange(`channels[${i}].b`, c.b, 0, 1);
      channel.b = c.b;
    }
    return channel;
  });
  return { ...merged, channels };
}

/** `Buffer.compare` of bytes[start..end-1] with probe[0..length-1] (bytewise, then shorter first), without a view of either. */
function compareBytes(bytes: Uint8Array, start: number, end: number, probe: Uint8Array, length: number): number {
  const common = Math.min(end - start, length);
  for (let i = 0; i < common; i++) {
    const d = (bytes[start + i] as number) - (probe[i] as number);
    if (d !== 0) return d;
  }
  return end - start - length;
}

/** The channel is the first char of a term key, so the same token in two channels is two terms. */
function termKey(channel: number, token: string): string {
  return String.fromCharCode(65 + channel) + token;
}

/** Int32 list that grows by doubling; building 1M passages must not go through JS arrays of numbers. */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) this.reserve(1);
    this.data[this.length++] = value;
  }

  /** Room for `more` values after the last. */
  reserve(more: number): void {
    if (this.length + more <= this.data.length) return;
    const next = new Int32Array(Math.max(this.data.length * 2, this.length + more));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  pushAll(values: Int32Array | Uint32Array): void {
    this.reserve(values.length);
    this.data.set(values, this.length);
    this.length += values.length;
  }
}


/** What `build` derives, before it is laid out in the file format (which also serves in memory). */
interface IndexData {
  options: KeywordOptions;
  ids: string[];
  /** Term keys (channel letter + token) in first-seen order. */
  terms: string[];
  /** Postings of term t are entries offsets[t] .. offsets[t+1]-1, doc ids ascending. */
  offsets: Uint32Array;
  docs: Uint32Array;
  /** The whole BM25 term weight of each posting, channel weight and IDF included. */
  impacts: Float32Array;
  /** 1 for a posting of a body channel, 0 for one of a title or section channel (stored, not read by search). */
  body: Uint8Array;
}

// An index dropped after a reindex swap closes its file once collected (its searches are synchronous,
// so none can be reading by then); `close()` does it eagerly.
const closeOnCollect = new FinalizationRegistry<Source>((source) => source.close());

/** Keyword index files up to this size are held in memory once opened (~80k passages). */
export const KEYWORDS_IN_MEMORY_BYTES = 64 * 2 ** 20;

/** The in-memory part of an index: everything but the postings, which are read per query term. */
interface IndexHead {
  options: KeywordOptions;
  n: number;
  termCount: number;
  postings: number;
  /** UTF-8 ids, id d at bytes idOffsets[d] .. idOffsets[d+1]. */
  idBytes: Uint8Array;
  idOffsets: Uint32Array;
  /** UTF-8 term keys sorted bytewise, term t at termOffsets[t] .. termOffsets[t+1]. */
  termBytes: Buffer;
  termOffsets: Uint32Array;
  /** Postings of term t are entries postingOffsets[t] .. postingOffsets[t+1]-1. */
  postingOffsets: Uint32Array;
  /** Term t's impacts are stored in steps of scale[t] (see postings.ts). */
  scale: Float32Array;
  /** Highest impact in each posting list, as stored: the score ceiling of a query is their sum. */
  maxImpact: Float32Array;
  /** Term t's segment is bytes segmentOffsets[t] .. segmentOffsets[t+1] of the postings region. */
  segmentOffsets: Float64Array;
  /** Byte position of the postings region in the source. */
  postingsAt: number;
}

/**
 * Documents analysed for the keyword index: their term occurrences, before postings are laid out.
 * Analyses of consecutive ranges of documents add up (`KeywordAnalyzer.append`) to the analysis of all
 * of them, so the analysing, most of a build and nearly all of it tokenizing, can be split between
 * threads.
 */
export interface KeywordAnalysis {
  ids: string[];
  /** Term keys (channel letter + token) in first-seen order. */
  terms: string[];
  df: Uint32Array;
  /** Tokens per channel and document: lengths[c * ids.length + d]. */
  lengths: Uint32Array;
  /** One (term, tf) per distinct term of each document, in document order. */
  pairTerms: Int32Array;
  /** The term's frequency in the document, at most 65,535. */
  pairTfs: Int32Array;
  /** Document d's pairs end at docEnds[d]. */
  docEnds: Uint32Array;
}

/** The analysing half of `KeywordIndex.build`; `firstDoc` numbers the documents in errors when `docs` is a later part. */
export function analyzeKeywordDocs(docs: readonly KeywordDoc[], options?: Partial<KeywordOptions>, firstDoc = 0): KeywordAnalysis {
  const analyzer = new KeywordAnalyzer(options, firstDoc);
  analyzer.add(docs, 0, docs.length);
  return analyzer.finish();
}

/**
 * `analyzeKeywordDocs` a range of documents at a time: after `add`s of consecutive ranges, `finish`
 * gives the analysis of all of them at once, so a thread can analyse documents while it is still
 * being decided how many are its share.
 */
export class KeywordAnalyzer {
  private readonly channels: KeywordChannel[];
  // One dictionary per channel keyed by the bare token: a channel-prefixed key per token (a string
  // concatenation and a longer hash) was ~10% of a build.
  private readonly dictionaries: TokenDictionary[];
  private readonly terms: string[] = [];
  private readonly df: number[] = [];
  /** Tokens per document, one list per channel. */
  private readonly lengths: IntList[];
  // (term, tf) pairs in doc order; turned into per-term postings once document frequencies are known.
  private readonly pairTerms = new IntList();
  private readonly pairTfs = new IntList();
  private readonly docEnds = new IntList();
  // Titles repeat on every passage of an article: analyze each distinct one once.
  private readonly fieldCache = new Map<string, string[]>();
  private readonly ids: string[] = [];
  private docTerms = new Int32Array(256);

  constructor(options?: Partial<KeywordOptions>, private readonly firstDoc = 0) {
    this.channels = resolveKeywordOptions(options).channels;
    this.dictionaries = this.channels.map(() => new TokenDictionary());
    this.lengths = this.channels.map(() => new IntList());
  }

  /** Analyses docs[from..to), the documents right after those added before. */
  add(docs: readonly KeywordDoc[], from: number, to: number): void {
    const { channels, terms, df, fieldCache } = this;
    for (let i = from; i < to; i++) {
      const doc = docs[i] as KeywordDoc;
      if (typeof doc.id !== 'string' || doc.id.includes('\0')) {
        badOption(`document ${this.firstDoc + this.ids.length} needs a string id without NUL characters`);
      }
      this.ids.push(doc.id);
      let count = 0;
      for (let c = 0; c < channels.length; c++) {
        const channel = channels[c] as KeywordChannel;
        const cached = (value: string): string[] => {
          const cacheKey = `${c}\0${value}`;
          const tokens = fieldCache.get(cacheKey) ?? ANALYZERS[channel.analyzer](value);
          if (fieldCache.size < 100_000) fieldCache.set(cacheKey, tokens);
          return tokens;
        };
        const tokens =
          channel.field === 'text'
            ? ANALYZERS[channel.analyzer](doc.text)
            : channel.field === 'context'
              ? contextTokens(doc, cached, ANALYZERS[channel.analyzer])
              : cached(doc[channel.field] ?? '');
        (this.lengths[c] as IntList).push(tokens.length);
        const needed = count + tokens.length;
        if (needed > this.docTerms.length) {
          const next = new Int32Array(Math.max(this.docTerms.length * 2, needed));
          next.set(this.docTerms.subarray(0, count));
          this.docTerms = next;
        }
        // Term ids of every channel in one list: one sort then counts each term's frequency. A plain
        // loop, not a closure called per token, keeps the shared counter in a register.
        const docTerms = this.docTerms;
        const dictionary = this.dictionaries[c] as TokenDictionary;
        for (let k = 0; k < tokens.length; k++) {
          const token = tokens[k] as string;
          let t = dictionary.get(token);
          if (t < 0) {
            t = terms.length;
            dictionary.set(token, t);
            terms.push(termKey(c, token));
            df.push(0);
          }
          docTerms[count++] = t;
        }
      }
      const sorted = this.docTerms.subarray(0, count).sort();
      for (let p = 0; p < count; ) {
        const t = sorted[p] as number;
        let q = p + 1;
        while (q < count && sorted[q] === t) q++;
        this.pairTerms.push(t);
        this.pairTfs.push(Math.min(q - p, TF_MAX));
        df[t] = (df[t] as number) + 1;
        p = q;
      }
      this.docEnds.push(this.pairTerms.length);
    }
  }

  /**
   * Adds the analysis of the documents right after those added so far (made by another analyzer, on
   * another thread), as if `add` had analysed them here: a term new to them gets the next id, in their
   * first-seen order, so `finish` gives what analysing every document here would have.
   */
  append(next: KeywordAnalysis): void {
    const { terms, df } = this;
    const remap = new Int32Array(next.terms.length);
    next.terms.forEach((term, t) => {
      const dictionary = this.dictionaries[term.charCodeAt(0) - 65] as TokenDictionary;
      const token = term.slice(1);
      let id = dictionary.get(token);
      if (id < 0) {
        id = terms.length;
        dictionary.set(token, id);
        terms.push(term);
        df.push(0);
      }
      remap[t] = id;
      df[id] = (df[id] as number) + (next.df[t] as number);
    });
    const n = next.ids.length;
    for (const id of next.ids) this.ids.push(id);
    this.lengths.forEach((list, c) => list.pushAll(next.lengths.subarray(c * n, (c + 1) * n)));
    const base = this.pairTerms.length;
    const pairs = next.pairTerms.length;
    this.pairTerms.reserve(pairs);
    const { data } = this.pairTerms;
    for (let p = 0; p < pairs; p++) data[base + p] = remap[next.pairTerms[p] as number] as number;
    this.pairTerms.length += pairs;
    this.pairTfs.pushAll(next.pairTfs);
    this.docEnds.reserve(n);
    for (let d = 0; d < n; d++) this.docEnds.push(base + (next.docEnds[d] as number));
  }

  /** The analysis of every document added. */
  finish(): KeywordAnalysis {
    const n = this.ids.length;
    const lengths = new Uint32Array(this.channels.length * n);
    this.lengths.forEach((list, c) => lengths.set(list.data.subarray(0, n), c * n));
    const { pairTerms, pairTfs, docEnds } = this;
    // Views on the lists' own buffers, not trimmed copies: at 1M passages the pairs are ~2 GB, and a
    // copy of them was the peak of a build's memory (100k build: peak RSS 2.27 -> 1.98 GB).
    return {
      ids: this.ids,
      terms: this.terms,
      df: Uint32Array.from(this.df),
      lengths,
      pairTerms: pairTerms.data.subarray(0, pairTerms.length),
      pairTfs: pairTfs.data.subarray(0, pairTfs.length),
      docEnds: new Uint32Array(docEnds.data.buffer.slice(0, 4 * docEnds.length)),
    };
  }
}

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
  static build(docs: KeywordDoc[], options?: Partial<KeywordOptions>): KeywordIndex {
    return KeywordIndex.fromAnalysis(analyzeKeywordDocs(docs, options), options);
  }

  /** The laying-out half of `build`: `build(docs, o)` is `fromAnalysis(analyzeKeywordDocs(docs, o), o)`. */
  static fromAnalysis(analysis: KeywordAnalysis, options?: Partial<KeywordOptions>): KeywordIndex {
    const resolved = resolveKeywordOptions(options);
    const { offsets, docs, impacts, body } = layOutPostings(resolved, analysis);
    const source = memorySource(encodeIndex({ options: resolved, ids: analysis.ids, terms: analysis.terms, offsets, docs, impacts, body }));
    return new KeywordIndex(decodeHead(source), source);
  }

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
   * The key is encoded into one reused buffer and compared byte by byte in place: a Buffer view and
   * `Buffer.compare` per probe step (~17 steps for each of a question's ~60 terms) were ~10% of a
   * keyword search at 10k.
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

  /** Distinct known query terms with their weight in the query (IDF times channel weight); unknown terms get id -1. */
  private queryTerms(query: string): QueryTerm[] {
    const text = this.options.stripQuestionWords ? stripQuestionWords(query) : query;
    const n = this.head.n;
    const unknownIdf = Math.log(1 + (n + 0.5) / 0.5);
    const seen = new Set<string>();
    const out: QueryTerm[] = [];
    this.options.channels.forEach((channel, c) => {
      for (const token of ANALYZERS[channel.analyzer](text)) {
        const key = termKey(c, token);
        if (seen.has(key)) continue;
        seen.add(key);
        const t = this.termId(key);
        if (t === undefined) out.push({ id: -1, mass: channel.weight * unknownIdf });
        else if (this.idf(t) >= this.options.minIdf) out.push({ id: t, mass: channel.weight * this.idf(t) });
      }
    });
    return out;
  }

  /**
   * Best `k` passages for `query`, highest score first, only those sharing a term with it.
   *
   * @example index.search('有志連合の首脳会合はどこで開かれたか', 3) // [{ id: 'a#4', score: 21.3, coverage: 0.82 }, ...]
   */
  search(query: string, k: number): KeywordHit[] {
    return this.rank(query, k, (terms, depth) => prunedTopK(terms, this.head.n, depth, this.scratch));
  }

  /**
   * What `search` returns, found by scoring every posting of every query term: the reference the pruned
   * search is tested and benchmarked against (it reads whole posting lists; not for serving).
   */
  searchExhaustive(query: string, k: number): KeywordHit[] {
    // Each list is read whole and used once: the read buffer is emptied after each.
    return this.rank(query, k, (terms, depth) => exhaustiveTopK(terms, this.head.n, depth, () => this.arena.reset(64 << 20)), Infinity);
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

  private rank(query: string, k: number, topK: (terms: TermInput[], depth: number) => ScoredDoc[], maxPostings = this.maxPostings): KeywordHit[] {
    const part = this.top(query, k, topK, maxPostings);
    return part ? this.hits(part.docs, part.totalMass, k) : [];
  }

  /** The BM25 top (`topK` over the query's known terms) before coverage; undefined when nothing can match. */
  private top(query: string, k: number, topK: (terms: TermInput[], depth: number) => ScoredDoc[], maxPostings = this.maxPostings): Top | undefined {
    this.checkK(k);
    const qterms = this.queryTerms(query);
    if (k === 0 || qterms.length === 0) return undefined;
    const known = qterms.filter((q) => q.id >= 0);
    const { searched, rescoring } = this.withinBudget(known, maxPostings);
    // Rescoring reuses the searched terms' cursors: it needs one more for each term left out.
    while (this.cursors.length < Math.max(searched.length, rescoring.length)) this.cursors.push(new PostingCursor());
    const terms = searched.map((term, i) => this.termInput(term, this.cursors[i] as PostingCursor));
    let docs: ScoredDoc[];
    try {
      docs = topK(terms, this.depth(k));
      if (rescoring.length > 0) docs = this.rescore(docs, searched, rescoring);
    } catch (error) {
      this.scratch.clean();
      throw error;
    } finally {
      // Buffers are kept for the next query (growing them again cost the longest queries more than
      // their search), unless a very long query or a reference search grew them past ~64 MB of read
      // postings or ~48 MB of candidates.
      this.arena.reset(64 << 20);
      this.scratch.release(1 << 21);
      for (const cursor of this.cursors) cursor.trim(1 << 16);
    }
    return { docs, totalMass: qterms.reduce((sum, q) => sum + q.mass, 0) };
  }

  private termInput({ id, mass }: QueryTerm, cursor: PostingCursor): TermInput {
    const { maxImpact, segmentOffsets, scale } = this.head;
    const size = (segmentOffsets[id + 1] as number) - (segmentOffsets[id] as number);
    cursor.reset(this.source, this.arena, this.segmentAt(id), this.df(id), size, scale[id] as number);
    return { cursor, mass, maxImpact: maxImpact[id] as number };
  }

  /**
   * The known query terms a search reads in full (heaviest first up to `maxPostings`, the heaviest
   * always, returned in query order) and, when some were left out, the terms its best passages are
   * rescored with: those plus the heaviest `rescoreTerms` left out, in query order (empty when
   * nothing was left out).
   */
  private withinBudget(known: readonly QueryTerm[], maxPostings: number): { searched: QueryTerm[]; rescoring: QueryTerm[] } {
    let total = 0;
    for (const t of known) total += this.df(t.id);
    if (total <= maxPostings) return { searched: [...known], rescoring: [] };
    // Heaviest first; a stable sort keeps query order between equals.
    const byMass = [...known].sort((a, b) => b.mass - a.mass);
    let read = 0;
    let kept = 0;
    for (; kept < byMass.length; kept++) {
      const next = this.df((byMass[kept] as QueryTerm).id);
      if (kept > 0 && read + next > maxPostings) break;
      read += next;
    }
    const inSearch = new Set(byMass.slice(0, kept));
    const inRescore = new Set(byMass.slice(0, kept + keywordBudgetDefaults.rescoreTerms));
    return { searched: known.filter((t) => inSearch.has(t)), rescoring: known.filter((t) => inRescore.has(t)) };
  }

  /**
   * The best `rescoreDepth` of `docs` (a top over the `searched` terms, whose cursors come first)
   * scored again over `rescoring`, summed in query order as any score is, best first, then the others
   * as they were. The searched terms' cursors are rewound, not read again.
   */
  private rescore(docs: ScoredDoc[], searched: readonly QueryTerm[], rescoring: readonly QueryTerm[]): ScoredDoc[] {
    const best = docs.slice(0, keywordBudgetDefaults.rescoreDepth).sort((a, b) => a.doc - b.doc);
    const searchedCursors = new Map(searched.map((term, i) => [term, this.cursors[i] as PostingCursor]));
    let spare = searched.length;
    const cursors = rescoring.map((term) => {
      const cursor = searchedCursors.get(term);
      if (cursor === undefined) return this.termInput(term, this.cursors[spare++] as PostingCursor).cursor;
      cursor.rewind();
      return cursor;
    });
    const rescored = best.map(({ doc }): ScoredDoc => {
      let score = 0;
      let mass = 0;
      for (let j = 0; j < cursors.length; j++) {
        const cursor = cursors[j] as PostingCursor;
        const impact = cursor.impactOf(doc);
        if (impact === 0) continue;
        score = Math.fround(score + impact);
        mass += (rescoring[j] as QueryTerm).mass;
      }
      return { doc, score, mass };
    });
    rescored.sort((a, b) => b.score - a.score || a.doc - b.doc);
    return [...rescored, ...docs.slice(rescored.length)];
  }

  /** The top's coverage, the coordination rerank and the first k, with their ids. */
  private hits(top: readonly ScoredDoc[], totalMass: number, k: number): KeywordHit[] {
    const { coordination } = this.options;
    const hits = top.map(({ doc, score, mass }) => {
      const coverage = totalMass === 0 ? 0 : mass / totalMass;
      return { doc, coverage, score: coordination > 0 ? score * coverage ** coordination : score };
    });
    if (coordination > 0) hits.sort((a, b) => b.score - a.score || a.doc - b.doc);
    return hits.slice(0, k).map(({ doc, score, coverage }) => ({ id: this.id(doc), doc, score, coverage }));
  }

  /** Postings the known terms of `query` hold: above `maxPostings`, a search reads only some of them. */
  queryPostings(query: string): number {
    let sum = 0;
    for (const { id } of this.queryTerms(query)) if (id >= 0) sum += this.df(id);
    return sum;
  }

  /** The saved form; for an index in memory, its own bytes (not a copy: 1 GB at 1M passages). */
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
   * in place, with no read per list: 10-15% of a 10k-passage search); of a larger one only the ids, term
   * dictionary and posting offsets are read, and a query reads the parts of its terms' postings it
   * needs (the OS page cache keeps the hot ones in memory). At 1M passages the postings are ~1 GB:
   * held in memory they would break the 3 GB budget next to the vectors and take seconds to load.
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
      closeOnCollect.register(index, source, index);
      return index;
    } catch (error) {
      source.close();
      throw error;
    }
  }

  /** Closes the file of an index from `open` (searching it afterwards fails, unless it was read whole); a no-op otherwise. */
  close(): void {
    closeOnCollect.unregister(this);
    this.source.close();
  }
}

/**
 * The analysis's pairs as postings grouped by term (doc ids ascending within a term), each with its
 * BM25F weight, computed once at build time and saved (recomputing them on load took seconds at 1M).
 * Weighed as they are placed: term frequencies are never held per posting (two u16 arrays, 1 GB at 1M).
 */
function layOutPostings(
  options: KeywordOptions,
  { ids, terms, df, lengths, pairTerms, pairTfs, docEnds }: KeywordAnalysis,
): { offsets: Uint32Array; docs: Uint32Array; impacts: Float32Array; body: Uint8Array } {
  const n = ids.length;
  const channels = options.channels;
  const offsets = new Uint32Array(terms.length + 1);
  for (let t = 0; t < terms.length; t++) offsets[t + 1] = (offsets[t] as number) + (df[t] as number);
  const avgLength = channels.map((_, c) => {
    let sum = 0;
    for (let d = 0; d < n; d++) sum += lengths[c * n + d] as number;
    return (n === 0 ? 0 : sum / n) || 1;
  });
  const k1 = channels.map((channel) => channel.k1 ?? options.k1);
  const b = channels.map((channel) => channel.b ?? options.b);
  const headingOnly = channels.map((channel) => channel.field === 'title' || channel.field === 'section');
  // Per term: its channel, and channel weight times IDF.
  const channelOf = new Uint8Array(terms.length);
  const weightIdf = new Float64Array(terms.length);
  for (let t = 0; t < terms.length; t++) {
    const c = (terms[t] as string).charCodeAt(0) - 65;
    const termDf = df[t] as number;
    channelOf[t] = c;
    weightIdf[t] = (channels[c] as KeywordChannel).weight * Math.log(1 + (n - termDf + 0.5) / (termDf + 0.5));
  }
  const total = pairTerms.length;
  const docs = new Uint32Array(total);
  const impacts = new Float32Array(total);
  const body = new Uint8Array(total);
  const cursor = offsets.slice(0, terms.length);
  let p = 0;
  for (let d = 0; d < n; d++) {
    for (const end = docEnds[d] as number; p < end; p++) {
      const t = pairTerms[p] as number;
      const at = cursor[t] as number;
      cursor[t] = at + 1;
      const c = channelOf[t] as number;
      const bc = b[c] as number;
      const k = k1[c] as number;
      const normalizedTf = (pairTfs[p] as number) / (1 - bc + (bc * (lengths[c * n + d] as number)) / (avgLength[c] as number));
      const saturated = (normalizedTf * (k + 1)) / (normalizedTf + k);
      docs[at] = d;
      body[at] = headingOnly[c] ? 0 : 1;
      impacts[at] = (weightIdf[t] as number) * (saturated + options.delta);
    }
  }
  return { offsets, docs, impacts, body };
}

// ---- binary format -------------------------------------------------------------------------------
// All little-endian, sections 4-byte aligned:
//   "KJKW" | u32 version | u32 byte-order mark | u32 n | u32 terms | u32 postings | u32 channels | u32 0
//   | u32 len + options JSON | u32 len + ids (UTF-8) | id offsets u32[n+1]
//   | u32 len + term keys (UTF-8, sorted bytewise) | term offsets u32[terms+1]
//   | posting offsets u32[terms+1] | impact scale f32[terms] | max impact f32[terms] | padding to 8
//   | segment offsets f64[terms+1] (bytes into the postings region; f64 as it may pass 4 GB)
//   | postings: per term one segment (postings.ts: block summaries, then blocks of doc gaps and
//     impacts with body flags), unpadded, then padding.
// Version 2 held raw term frequencies and lengths, so loading recomputed every impact and split every
// term and id into strings; version 3 stores what a query reads, so loading is a few small reads;
// version 4 splits each list into blocks with their last doc and highest impact, so a search can bound
// and skip a block without reading it (version 3 had to read and score every posting of every term);
// version 5 compresses the blocks (doc gaps in 1-4 bytes, impacts in 15-bit steps): 9 bytes a posting
// became ~3.5 (the file 2.4x smaller) for about the same search time; version 6 keeps impacts in 7-bit
// steps beside the body flag, one byte a posting less, for the same JSQuAD answers.

const MAGIC = 0x574b4a4b; // "KJKW" read as little-endian u32
export const KEYWORD_FORMAT_VERSION = 6;
const BYTE_ORDER_MARK = 0x01020304;
const HEADER_WORDS = 8;

const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
// Arithmetic, not `(n + 3) & ~3`: bitwise operators truncate to 32 bits, and at 1M passages the postings region passes 2 GB.
const pad4 = (n: number) => Math.ceil(n / 4) * 4;
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** UTF-8 strings back to back plus their n+1 byte offsets. */
function packStrings(strings: readonly Uint8Array[]): { bytes: Uint8Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(strings.length + 1);
  for (let i = 0; i < strings.length; i++) offsets[i + 1] = (offsets[i] as number) + (strings[i] as Uint8Array).byteLength;
  const bytes = new Uint8Array(offsets[strings.length] as number);
  strings.forEach((s, i) => bytes.set(s, offsets[i] as number));
  return { bytes, offsets };
}

function encodeIndex(data: IndexData): Uint8Array {
  const encoder = new TextEncoder();
  const optionsBytes = encoder.encode(JSON.stringify(data.options));
  const ids = packStrings(data.ids.map((id) => encoder.encode(id)));
  // Terms sorted bytewise so a reader binary-searches the blob instead of building a dictionary.
  const keys = data.terms.map((term) => Buffer.from(term, 'utf8'));
  const byBytes = (a: number, b: number) => Buffer.compare(keys[a] as Buffer, keys[b] as Buffer);
  // String order (UTF-16 code units) is byte order except where astral characters meet U+E000-U+FFFF;
  // sorting by string is several times faster, and one pass checks it, falling back when needed.
  const terms0 = data.terms;
  let order = Array.from({ length: keys.length }, (_, i) => i).sort((a, b) => {
    const x = terms0[a] as string;
    const y = terms0[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (let i = 1; i < order.length; i++) {
    if (byBytes(order[i - 1] as number, order[i] as number) >= 0) {
      order = order.sort(byBytes);
      break;
    }
  }
  const terms = packStrings(order.map((t) => keys[t] as Buffer));
  const termCount = order.length;
  const postingOffsets = new Uint32Array(termCount + 1);
  const scale = new Float32Array(termCount);
  const maxImpact = new Float32Array(termCount);
  const segmentOffsets = new Float64Array(termCount + 1);
  order.forEach((t, i) => {
    const start = data.offsets[t] as number;
    const end = data.offsets[t + 1] as number;
    postingOffsets[i + 1] = (postingOffsets[i] as number) + end - start;
    let max = 0;
    for (let p = start; p < end; p++) max = Math.max(max, data.impacts[p] as number);
    scale[i] = impactScale(max);
    maxImpact[i] = storedImpact(max, scale[i] as number);
    segmentOffsets[i + 1] = (segmentOffsets[i] as number) + segmentSize(data.docs.subarray(start, end));
  });
  const postings = data.docs.length;
  const head: Uint8Array[] = [];
  const word = (value: number) => new Uint8Array(new Uint32Array([value]).buffer);
  head.push(new Uint8Array(new Uint32Array([MAGIC, KEYWORD_FORMAT_VERSION, BYTE_ORDER_MARK, data.ids.length, termCount, postings, data.options.channels.length, 0]).buffer));
  const lengthPrefixed = (bytes: Uint8Array) => head.push(word(bytes.byteLength), bytes, new Uint8Array(pad4(bytes.byteLength) - bytes.byteLength));
  const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  lengthPrefixed(optionsBytes);
  lengthPrefixed(ids.bytes);
  head.push(view(ids.offsets));
  lengthPrefixed(terms.bytes);
  head.push(view(terms.offsets), view(postingOffsets), view(scale), view(maxImpact));
  const unaligned = head.reduce((sum, part) => sum + part.byteLength, 0);
  head.push(new Uint8Array(pad8(unaligned) - unaligned), view(segmentOffsets));
  const headSize = head.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(headSize + pad4(segmentOffsets[termCount] as number));
  let at = 0;
  for (const part of head) {
    out.set(part, at);
    at += part.byteLength;
  }
  // Typed arrays are written in platform order; the byte-order mark lets a reader on another order refuse.
  if (!NATIVE_LITTLE_ENDIAN) fail('cannot be written on a big-endian machine');
  const outView = new DataView(out.buffer, out.byteOffset, out.byteLength);
  order.forEach((t, i) => {
    const start = data.offsets[t] as number;
    const end = data.offsets[t + 1] as number;
    const at = headSize + (segmentOffsets[i] as number);
    writeSegment(out, outView, at, data.docs.subarray(start, end), data.impacts.subarray(start, end), data.body.subarray(start, end), scale[i] as number);
  });
  return out;
}

function monotonic(offsets: Uint32Array, last: number, what: string, minStep: number): void {
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== last) fail(`${what} do not cover their data`);
  for (let i = 1; i < offsets.length; i++) if ((offsets[i] as number) - (offsets[i - 1] as number) < minStep) fail(`${what} go backwards`);
}

/** Checks each term's segment lies where the next begins and has a size its postings can take. */
function checkSegments(segmentOffsets: Float64Array, postingOffsets: Uint32Array): void {
  if (segmentOffsets[0] !== 0) fail('segment offsets do not start at 0');
  for (let t = 0; t + 1 < segmentOffsets.length; t++) {
    const size = (segmentOffsets[t + 1] as number) - (segmentOffsets[t] as number);
    const [least, most] = segmentBytesRange((postingOffsets[t + 1] as number) - (postingOffsets[t] as number));
    if (!(Number.isInteger(size) && size >= least && size <= most)) fail(`term ${t}'s postings take ${size} bytes, not ${least}-${most}`);
  }
}

/** Reads and checks everything but the postings. Checks are O(passages + terms), none per posting. */
function decodeHead(source: Source): IndexHead {
  let at = 0;
  const take = (what: string, length: number): Uint8Array => {
    if (at + length > source.size) fail(`truncated in ${what} (byte ${at} of ${source.size})`);
    // A fresh buffer: aligned for typed-array views whatever the source's alignment.
    const bytes = new Uint8Array(pad4(length));
    source.readInto(bytes, at, length);
    at += pad4(length);
    return bytes.subarray(0, length);
  };
  const words = (what: string, count: number) => new Uint32Array(take(what, 4 * count).buffer, 0, count);
  const header = words('header', 1);
  if (header[0] !== MAGIC) fail('not a kiji keyword index (bad magic number)');
  const version = words('version', 1)[0] as number;
  if (version !== KEYWORD_FORMAT_VERSION) fail(`format version ${version}, this build reads version ${KEYWORD_FORMAT_VERSION} only`);
  // Typed-array sections are in the writer's byte order; only little-endian writers and readers are supported.
  if (words('byte-order mark', 1)[0] !== BYTE_ORDER_MARK || !NATIVE_LITTLE_ENDIAN) fail('written or read on a big-endian machine');
  const [n, termCount, postings, channelCount] = words('counts', HEADER_WORDS - 3) as unknown as [number, number, number, number];
  const blob = (what: string): Uint8Array => take(what, words(`${what} length`, 1)[0] as number);
  let options: KeywordOptions;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(blob('options'));
    options = resolveKeywordOptions(JSON.parse(text) as Partial<KeywordOptions>);
  } catch (error) {
    if (error instanceof KijiError && error.code === ErrorCodes.INDEX_CORRUPT) throw error;
    fail(`bad options (${error instanceof Error ? error.message : String(error)})`);
  }
  if (options.channels.length !== channelCount) fail('channel count does not match the options');
  const idBytes = blob('passage ids');
  const idOffsets = words('id offsets', n + 1);
  const termBytes = blob('terms');
  const termOffsets = words('term offsets', termCount + 1);
  const postingOffsets = words('posting offsets', termCount + 1);
  monotonic(postingOffsets, postings, 'posting offsets', 0);
  const scale = new Float32Array(take('impact scales', 4 * termCount).buffer, 0, termCount);
  const maxImpact = new Float32Array(take('max impacts', 4 * termCount).buffer, 0, termCount);
  at = pad8(at);
  const segmentOffsets = new Float64Array(take('segment offsets', 8 * (termCount + 1)).buffer, 0, termCount + 1);
  checkSegments(segmentOffsets, postingOffsets);
  // Every section's size is known now: a truncated or padded file fails before the rest is read.
  const expectedSize = at + pad4(segmentOffsets[termCount] as number);
  if (expectedSize !== source.size) fail(expectedSize > source.size ? `truncated (${source.size} of ${expectedSize} bytes)` : `${source.size - expectedSize} unexpected bytes after the end`);
  monotonic(idOffsets, idBytes.byteLength, 'id offsets', 0);
  monotonic(termOffsets, termBytes.byteLength, 'term offsets', 1);
  for (let t = 0; t < termCount; t++) {
    const c = (termBytes[termOffsets[t] as number] as number) - 65;
    if (!(c >= 0 && c < channelCount)) fail(`term ${t} names no channel`);
  }
  return {
    options,
    n,
    termCount,
    postings,
    idBytes,
    idOffsets,
    termBytes: Buffer.from(termBytes.buffer, termBytes.byteOffset, termBytes.byteLength),
    termOffsets,
    postingOffsets,
    scale,
    maxImpact,
    segmentOffsets,
    postingsAt: at,
  };
}
