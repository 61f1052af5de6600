/**
 * The build half of a keyword index: documents analysed into term occurrences (`KeywordAnalyzer`,
 * splittable between threads), then laid out as postings with their BM25 weights (`layOutPostings`).
 */
import { ANALYZERS } from './tokenize.js';
import { TokenDictionary } from './token-dictionary.js';
import { badOption, resolveKeywordOptions, termKey, type KeywordChannel, type KeywordDoc, type KeywordOptions } from './options.js';

const TF_MAX = 0xffff;

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

/** Int32 list that grows by doubling: a large build must not go through JS arrays of numbers. */
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
  // One dictionary per channel keyed by the bare token: a channel-prefixed key per token would cost a
  // string concatenation and a longer hash for every token of the corpus.
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
    // Views on the lists' own buffers, not trimmed copies: the pairs are the largest thing a build
    // holds, and a copy of them would be the peak of its memory.
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

/**
 * The analysis's pairs as postings grouped by term (doc ids ascending within a term), each with its
 * BM25 weight, computed once at build time and saved so that loading recomputes nothing. Weighed as
 * they are placed: term frequencies are never held per posting, which at scale would be one more
 * array as long as the postings. `body` is 0 for a posting of a title or section channel.
 * IDF is the documents' own; a segment searched with others is rescaled to its collection's IDF at
 * query time (`KeywordIndex.search`'s `stats`), since that changes with every segment added.
 */
export function layOutPostings(
  options: KeywordOptions,
  { ids, terms, df, lengths, pairTerms, pairTfs, docEnds }: KeywordAnalysis,
  avgLengths?: readonly number[],
): { offsets: Uint32Array; docs: Uint32Array; impacts: Float32Array; body: Uint8Array; avgLengths: number[] } {
  const n = ids.length;
  const channels = options.channels;
  const offsets = new Uint32Array(terms.length + 1);
  for (let t = 0; t < terms.length; t++) offsets[t + 1] = (offsets[t] as number) + (df[t] as number);
  // A delta segment is normalized by its collection's average lengths (`avgLengths`), not its own few passages'.
  const avgLength = channels.map((_, c) => {
    const given = avgLengths?.[c];
    if (given !== undefined && given > 0) return given;
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
  return { offsets, docs, impacts, body, avgLengths: avgLength };
}
