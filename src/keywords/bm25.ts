/**
 * BM25 keyword index over passages, built for 1M passages: postings in typed arrays with impacts
 * (the whole BM25 term weight) precomputed, so a query only adds floats; a binary save format.
 *
 * Each channel is one field read through one analyzer (text as bigrams, title as words, ...) with
 * its own length statistics and weight; a document's score is the weighted sum of channel BM25
 * scores. A text channel with a `headingWeight` also reads the passage's heading (article title and
 * section) BM25F-style: heading occurrences add to the term frequency at that weight before the one
 * saturation, so a heading term can lift a passage but never counts as much as the same term in the
 * body, and coverage (below) tells body matches from heading-only ones.
 */
import { ErrorCodes, KijiError } from '../errors.js';
import { ANALYZERS, isAnalyzerName, stripQuestionWords, type AnalyzerName } from './tokenize.js';

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
  /**
   * Only for `field: 'text'`, 0-2: the heading (title and section) is read by the same analyzer and
   * each heading occurrence adds this much to the term frequency (BM25F, shared saturation; the
   * heading is not length-normalized, the passage length is the body's). Absent = body only.
   */
  headingWeight?: number;
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
  /**
   * How much a query term found only in a passage's heading (title, section) counts toward
   * `coverage`, 0-1; a body match counts 1. Below 1, every passage of an article whose title
   * repeats the question cannot outrank the passage whose text actually holds the question's words.
   * Applies to `title`/`section` channels and to heading occurrences of `headingWeight` channels.
   */
  headingCoverage: number;
  /** At least one channel; at most 16. */
  channels: KeywordChannel[];
}

/**
 * Channels without the dictionary-word analyzer: Intl.Segmenter costs ~0.1-0.3 ms a passage, most of
 * the build time (100k passages: ~5 s without it, 15-35 s with it), for about 1 point of R@1.
 */
export const fastKeywordChannels: KeywordChannel[] = [
  { field: 'context', analyzer: 'contentBigram', weight: 1 },
  { field: 'context', analyzer: 'unigram', weight: 0.3 },
  { field: 'title', analyzer: 'bigram', weight: 1, b: 0 },
];

/** Tuned on JSQuAD validation with scripts/tune-keywords.ts; see the table in its output. */
export const keywordDefaults: KeywordOptions = {
  k1: 0.9,
  b: 0.75,
  delta: 0,
  minIdf: 0,
  coordination: 3,
  rerankDepth: 50,
  stripQuestionWords: true,
  headingCoverage: 1,
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

export interface KeywordHit {
  id: string;
  score: number;
  /**
   * Share (0-1) of the query's IDF mass this passage matches: 1 when every query term occurs in it,
   * near 0 when it shares only common terms. Terms unknown to the index count with the highest IDF,
   * so a query about something never indexed scores low everywhere.
   */
  coverage: number;
}

const MAX_CHANNELS = 16;
const TF_MAX = 0xffff;

function fail(message: string): never {
  throw new KijiError(ErrorCodes.INDEX_CORRUPT, `Keyword index is unreadable: ${message}.`, {
    hint: 'Rebuild the index (npm run embed).',
  });
}

function badOption(message: string): never {
  throw new KijiError(ErrorCodes.BAD_ARGUMENT, `Bad keyword index option: ${message}.`);
}

function inRange(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    badOption(`${name} must be a number within ${min}-${max}, got ${String(value)}`);
  }
}

const KEYWORD_FIELDS: readonly KeywordField[] = ['text', 'title', 'section', 'context'];

/** Title and section, the part of a passage's context that every passage of its article (section) repeats. */
function headingValue(doc: KeywordDoc): string {
  return [doc.title, doc.section].filter((part) => part !== undefined && part !== '').join('\n');
}

function fieldValue(doc: KeywordDoc, field: KeywordField): string {
  if (field !== 'context') return doc[field] ?? '';
  // Newlines separate the parts so no n-gram spans title and text.
  return [doc.title, doc.section, doc.text].filter((part) => part !== undefined && part !== '').join('\n');
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
  inRange('headingCoverage', merged.headingCoverage, 0, 1);
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
    if (c.headingWeight !== undefined) {
      if (c.field !== 'text') badOption(`channels[${i}].headingWeight needs field 'text', got ${String(c.field)}`);
      inRange(`channels[${i}].headingWeight`, c.headingWeight, 0, 2);
      channel.headingWeight = c.headingWeight;
    }
    return channel;
  });
  return { ...merged, channels };
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
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

/** The arrays that are saved; everything else is derived from them on build and load. */
interface IndexData {
  options: KeywordOptions;
  ids: string[];
  terms: string[];
  /** Postings of term t are entries offsets[t] .. offsets[t+1]-1, doc ids ascending. */
  offsets: Uint32Array;
  docs: Uint32Array;
  /** Occurrences in the channel's field (the body for text channels). */
  tfs: Uint16Array;
  /** Occurrences in the heading, for `headingWeight` channels; 0 elsewhere. */
  headingTfs: Uint16Array;
  /** Token count of doc d in channel c at lengths[c * ids.length + d]. */
  lengths: Uint32Array;
}

export class KeywordIndex {
  private readonly options: KeywordOptions;
  private readonly ids: string[];
  private readonly terms: string[];
  private readonly offsets: Uint32Array;
  private readonly docs: Uint32Array;
  private readonly tfs: Uint16Array;
  private readonly headingTfs: Uint16Array;
  /** Per posting, how much a match counts toward coverage: 1 in the body, `headingCoverage` in the heading only. */
  private readonly evidence: Float32Array;
  private readonly lengths: Uint32Array;
  private readonly dictionary: Map<string, number>;
  private readonly idf: Float32Array;
  private readonly impacts: Float32Array;
  /** Highest impact in each posting list: the score ceiling of a query is their sum. */
  private readonly maxImpact: Float32Array;
  // Scratch space reused by every query; a query never allocates per passage.
  private readonly acc: Float32Array;
  private readonly touched: Uint32Array;

  private constructor(data: IndexData) {
    this.options = data.options;
    this.ids = data.ids;
    this.terms = data.terms;
    this.offsets = data.offsets;
    this.docs = data.docs;
    this.tfs = data.tfs;
    this.headingTfs = data.headingTfs;
    this.lengths = data.lengths;
    this.dictionary = new Map();
    for (let t = 0; t < data.terms.length; t++) this.dictionary.set(data.terms[t] as string, t);
    const n = data.ids.length;
    this.acc = new Float32Array(n);
    this.touched = new Uint32Array(n);
    this.idf = new Float32Array(data.terms.length);
    this.impacts = new Float32Array(data.docs.length);
    this.evidence = new Float32Array(data.docs.length);
    this.maxImpact = new Float32Array(data.terms.length);
    this.computeImpacts();
  }

  private computeImpacts(): void {
    const n = this.ids.length;
    const channels = this.options.channels;
    const avg = channels.map((_, c) => {
      let sum = 0;
      for (let d = 0; d < n; d++) sum += this.lengths[c * n + d] as number;
      return n === 0 ? 0 : sum / n;
    });
    for (let t = 0; t < this.terms.length; t++) {
      const c = (this.terms[t] as string).charCodeAt(0) - 65;
      const channel = channels[c] as KeywordChannel;
      const k1 = channel.k1 ?? this.options.k1;
      const b = channel.b ?? this.options.b;
      const avgLen = (avg[c] as number) || 1;
      const headingWeight = channel.headingWeight ?? 0;
      const headingOnly = channel.field === 'title' || channel.field === 'section';
      const start = this.offsets[t] as number;
      const end = this.offsets[t + 1] as number;
      const df = end - start;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      this.idf[t] = idf;
      let max = 0;
      for (let p = start; p < end; p++) {
        const tf = this.tfs[p] as number;
        const headingTf = this.headingTfs[p] as number;
        const len = this.lengths[c * n + (this.docs[p] as number)] as number;
        // BM25F: length-normalized body frequency plus weighted heading frequency, saturated once.
        const pseudoTf = tf / (1 - b + (b * len) / avgLen) + headingWeight * headingTf;
        const saturated = pseudoTf === 0 ? 0 : (pseudoTf * (k1 + 1)) / (pseudoTf + k1);
        this.evidence[p] = headingOnly || tf === 0 ? this.options.headingCoverage : 1;
        const impact = channel.weight * idf * (saturated + this.options.delta);
        this.impacts[p] = impact;
        if (impact > max) max = impact;
      }
      this.maxImpact[t] = max;
    }
  }

  /**
   * @example KeywordIndex.build([{ id: 'a#1', text: '有志連合はパリで首脳会合を開催', title: 'ウクライナ' }])
   */
  static build(docs: KeywordDoc[], options?: Partial<KeywordOptions>): KeywordIndex {
    const resolved = resolveKeywordOptions(options);
    const channels = resolved.channels;
    const n = docs.length;
    const dictionary = new Map<string, number>();
    const terms: string[] = [];
    const df: number[] = [];
    const lengths = new Uint32Array(channels.length * n);
    // (term, tf) pairs in doc order; turned into per-term postings once document frequencies are known.
    const pairTerms = new IntList();
    const pairTfs = new IntList();
    const pairHeadingTfs = new IntList();
    const docEnds = new Uint32Array(n);
    // Titles repeat on every passage of an article: analyze each distinct one once.
    const fieldCache = new Map<string, string[]>();
    const ids = new Array<string>(n);
    let docTerms = new Int32Array(256);
    for (let d = 0; d < n; d++) {
      const doc = docs[d] as KeywordDoc;
      if (typeof doc.id !== 'string' || doc.id.includes('\0')) {
        badOption(`document ${d} needs a string id without NUL characters`);
      }
      ids[d] = doc.id;
      let count = 0;
      for (let c = 0; c < channels.length; c++) {
        const channel = channels[c] as KeywordChannel;
        const cached = (value: string): string[] => {
          const cacheKey = `${c}\0${value}`;
          const tokens = fieldCache.get(cacheKey) ?? ANALYZERS[channel.analyzer](value);
          if (fieldCache.size < 100_000) fieldCache.set(cacheKey, tokens);
          return tokens;
        };
        const value = fieldValue(doc, channel.field);
        const tokens = channel.field === 'text' || channel.field === 'context' ? ANALYZERS[channel.analyzer](value) : cached(value);
        const heading = channel.headingWeight ? cached(headingValue(doc)) : [];
        lengths[c * n + d] = tokens.length;
        const needed = count + tokens.length + heading.length;
        if (needed > docTerms.length) {
          const next = new Int32Array(Math.max(docTerms.length * 2, needed));
          next.set(docTerms.subarray(0, count));
          docTerms = next;
        }
        // Term id times 2, plus 1 for a heading occurrence: one sort then counts both frequencies.
        const add = (token: string, inHeading: number): void => {
          const key = termKey(c, token);
          let t = dictionary.get(key);
          if (t === undefined) {
            t = terms.length;
            dictionary.set(key, t);
            terms.push(key);
            df.push(0);
          }
          docTerms[count++] = t * 2 + inHeading;
        };
        for (const token of tokens) add(token, 0);
        for (const token of heading) add(token, 1);
      }
      const sorted = docTerms.subarray(0, count).sort();
      for (let i = 0; i < count; ) {
        const t = (sorted[i] as number) >> 1;
        let body = 0;
        let inHeading = 0;
        let j = i;
        for (; j < count && (sorted[j] as number) >> 1 === t; j++) {
          if ((sorted[j] as number) & 1) inHeading++;
          else body++;
        }
        pairTerms.push(t);
        pairTfs.push(Math.min(body, TF_MAX));
        pairHeadingTfs.push(Math.min(inHeading, TF_MAX));
        df[t] = (df[t] as number) + 1;
        i = j;
      }
      docEnds[d] = pairTerms.length;
    }
    const offsets = new Uint32Array(terms.length + 1);
    for (let t = 0; t < terms.length; t++) offsets[t + 1] = (offsets[t] as number) + (df[t] as number);
    const total = pairTerms.length;
    const postingDocs = new Uint32Array(total);
    const postingTfs = new Uint16Array(total);
    const postingHeadingTfs = new Uint16Array(total);
    const cursor = offsets.slice(0, terms.length);
    let p = 0;
    for (let d = 0; d < n; d++) {
      for (const end = docEnds[d] as number; p < end; p++) {
        const t = pairTerms.data[p] as number;
        const at = cursor[t] as number;
        cursor[t] = at + 1;
        postingDocs[at] = d;
        postingTfs[at] = pairTfs.data[p] as number;
        postingHeadingTfs[at] = pairHeadingTfs.data[p] as number;
      }
    }
    return new KeywordIndex({ options: resolved, ids, terms, offsets, docs: postingDocs, tfs: postingTfs, headingTfs: postingHeadingTfs, lengths });
  }

  get size(): number {
    return this.ids.length;
  }

  /** The options the index was built with (saved with it). */
  get settings(): KeywordOptions {
    return this.options;
  }

  /** Distinct known query terms with their weight in the query (IDF times channel weight); unknown terms get id -1. */
  private queryTerms(query: string): { id: number; mass: number }[] {
    const text = this.options.stripQuestionWords ? stripQuestionWords(query) : query;
    const n = this.ids.length;
    const unknownIdf = Math.log(1 + (n + 0.5) / 0.5);
    const seen = new Set<string>();
    const out: { id: number; mass: number }[] = [];
    this.options.channels.forEach((channel, c) => {
      for (const token of ANALYZERS[channel.analyzer](text)) {
        const key = termKey(c, token);
        if (seen.has(key)) continue;
        seen.add(key);
        const t = this.dictionary.get(key);
        if (t === undefined) out.push({ id: -1, mass: channel.weight * unknownIdf });
        else if ((this.idf[t] as number) >= this.options.minIdf) out.push({ id: t, mass: channel.weight * (this.idf[t] as number) });
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
    if (!Number.isInteger(k) || k < 0) {
      throw new KijiError(ErrorCodes.BAD_ARGUMENT, `k must be a non-negative integer, got ${k}.`);
    }
    const qterms = this.queryTerms(query);
    if (k === 0 || qterms.length === 0) return [];
    const { acc, touched, docs, impacts, offsets } = this;
    let touchedCount = 0;
    for (const { id: t } of qterms) {
      if (t < 0) continue;
      const end = offsets[t + 1] as number;
      for (let p = offsets[t] as number; p < end; p++) {
        const impact = impacts[p] as number;
        // A zero impact (a weight-0 channel) must not touch a doc: it would be listed again later.
        if (impact === 0) continue;
        const d = docs[p] as number;
        const before = acc[d] as number;
        if (before === 0) touched[touchedCount++] = d;
        acc[d] = before + impact;
      }
    }
    const { coordination, rerankDepth } = this.options;
    const top = topK(acc, touched, touchedCount, coordination > 0 ? Math.max(k, rerankDepth) : k);
    for (let i = 0; i < touchedCount; i++) acc[touched[i] as number] = 0;
    const totalMass = qterms.reduce((sum, q) => sum + q.mass, 0);
    const hits = top.map(({ doc, score }) => {
      const coverage = totalMass === 0 ? 0 : this.matchedMass(qterms, doc) / totalMass;
      return { doc, coverage, score: coordination > 0 ? score * coverage ** coordination : score };
    });
    if (coordination > 0) hits.sort((a, b) => b.score - a.score || a.doc - b.doc);
    return hits.slice(0, k).map(({ doc, score, coverage }) => ({ id: this.ids[doc] as string, score, coverage }));
  }

  /** Sum of the query-term masses that occur in `doc`, by binary search in each posting list. */
  private matchedMass(qterms: { id: number; mass: number }[], doc: number): number {
    let mass = 0;
    for (const { id: t, mass: m } of qterms) {
      if (t < 0) continue;
      let lo = this.offsets[t] as number;
      let hi = (this.offsets[t + 1] as number) - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const d = this.docs[mid] as number;
        if (d === doc) {
          mass += m * (this.evidence[mid] as number);
          break;
        }
        if (d < doc) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return mass;
  }

  /**
   * The highest score any passage could get for `query` (each term at its best posting), so
   * `score / scoreCeiling(query)` is in 0-1. 0 when no query term is indexed.
   */
  scoreCeiling(query: string): number {
    let sum = 0;
    for (const { id } of this.queryTerms(query)) if (id >= 0) sum += this.maxImpact[id] as number;
    return sum;
  }

  serialize(): Uint8Array {
    return encodeIndex({
      options: this.options,
      ids: this.ids,
      terms: this.terms,
      offsets: this.offsets,
      docs: this.docs,
      tfs: this.tfs,
      headingTfs: this.headingTfs,
      lengths: this.lengths,
    });
  }

  /** Throws KijiError INDEX_CORRUPT on anything that is not a complete index of a known version. */
  static deserialize(bytes: Uint8Array): KeywordIndex {
    return new KeywordIndex(decodeIndex(bytes));
  }
}

/** Top `k` of the touched docs by score with a size-k min-heap; ties go to the lower doc id for stable output. */
function topK(acc: Float32Array, touched: Uint32Array, count: number, k: number): { doc: number; score: number }[] {
  const size = Math.min(k, count);
  const heapDoc = new Uint32Array(size);
  const heapScore = new Float64Array(size);
  let filled = 0;
  // "a ranks below b": lower score, or equal score and higher doc id.
  const below = (sa: number, da: number, sb: number, db: number) => sa < sb || (sa === sb && da > db);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < filled && below(heapScore[l] as number, heapDoc[l] as number, heapScore[m] as number, heapDoc[m] as number)) m = l;
      if (r < filled && below(heapScore[r] as number, heapDoc[r] as number, heapScore[m] as number, heapDoc[m] as number)) m = r;
      if (m === i) return;
      const ts = heapScore[i] as number;
      const td = heapDoc[i] as number;
      heapScore[i] = heapScore[m] as number;
      heapDoc[i] = heapDoc[m] as number;
      heapScore[m] = ts;
      heapDoc[m] = td;
      i = m;
    }
  };
  for (let i = 0; i < count; i++) {
    const d = touched[i] as number;
    const s = acc[d] as number;
    if (filled < size) {
      let j = filled++;
      heapScore[j] = s;
      heapDoc[j] = d;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (!below(s, d, heapScore[parent] as number, heapDoc[parent] as number)) break;
        heapScore[j] = heapScore[parent] as number;
        heapDoc[j] = heapDoc[parent] as number;
        heapScore[parent] = s;
        heapDoc[parent] = d;
        j = parent;
      }
    } else if (below(heapScore[0] as number, heapDoc[0] as number, s, d)) {
      heapScore[0] = s;
      heapDoc[0] = d;
      siftDown(0);
    }
  }
  const out: { doc: number; score: number }[] = [];
  for (let i = 0; i < filled; i++) out.push({ doc: heapDoc[i] as number, score: heapScore[i] as number });
  return out.sort((a, b) => b.score - a.score || a.doc - b.doc);
}

// ---- binary format -------------------------------------------------------------------------------
// All little-endian, sections 4-byte aligned:
//   "KJKW" | u32 version | u32 byte-order mark | u32 n | u32 terms | u32 postings | u32 channels
//   | u32 len + options JSON | u32 len + ids (UTF-8, NUL-separated) | u32 len + terms (same)
//   | offsets u32[terms+1] | docs u32[postings] | tfs u16[postings] (padded)
//   | heading tfs u16[postings] (padded) | lengths u32[channels*n]
// Version 2 added the heading tfs.

const MAGIC = 0x574b4a4b; // "KJKW" read as little-endian u32
export const KEYWORD_FORMAT_VERSION = 2;
const BYTE_ORDER_MARK = 0x01020304;

const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const pad4 = (n: number) => (n + 3) & ~3;

function encodeIndex(data: IndexData): Uint8Array {
  const encoder = new TextEncoder();
  const optionsBytes = encoder.encode(JSON.stringify(data.options));
  const idBytes = encoder.encode(data.ids.join('\0'));
  const termBytes = encoder.encode(data.terms.join('\0'));
  const sections: ArrayBufferView[] = [data.offsets, data.docs, data.tfs, data.headingTfs, data.lengths];
  let size = 7 * 4;
  for (const blob of [optionsBytes, idBytes, termBytes]) size += 4 + pad4(blob.byteLength);
  for (const s of sections) size += pad4(s.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const header = [MAGIC, KEYWORD_FORMAT_VERSION, BYTE_ORDER_MARK, data.ids.length, data.terms.length, data.docs.length, data.options.channels.length];
  let at = 0;
  for (const value of header) {
    view.setUint32(at, value, true);
    at += 4;
  }
  for (const blob of [optionsBytes, idBytes, termBytes]) {
    view.setUint32(at, blob.byteLength, true);
    out.set(blob, at + 4);
    at += 4 + pad4(blob.byteLength);
  }
  // Typed arrays are written in platform order; the byte-order mark lets a reader on another order refuse.
  view.setUint32(8, BYTE_ORDER_MARK, NATIVE_LITTLE_ENDIAN);
  for (const s of sections) {
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    at += pad4(s.byteLength);
  }
  return out;
}

function decodeIndex(bytes: Uint8Array): IndexData {
  if (!(bytes instanceof Uint8Array)) fail('expected bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32 = (what: string): number => {
    if (at + 4 > bytes.byteLength) fail(`truncated at ${what} (byte ${at} of ${bytes.byteLength})`);
    const value = view.getUint32(at, true);
    at += 4;
    return value;
  };
  if (u32('header') !== MAGIC) fail('not a kiji keyword index (bad magic number)');
  const version = u32('version');
  // Version 1 (no heading frequencies) still loads, so an index built before the upgrade keeps serving.
  if (version !== KEYWORD_FORMAT_VERSION && version !== 1) fail(`format version ${version}, this build reads versions 1-${KEYWORD_FORMAT_VERSION}`);
  // Typed-array sections are in the writer's byte order; only little-endian writers and readers are supported.
  if (u32('byte-order mark') !== BYTE_ORDER_MARK || !NATIVE_LITTLE_ENDIAN) fail('written or read on a big-endian machine');
  const n = u32('passage count');
  const termCount = u32('term count');
  const postings = u32('posting count');
  const channelCount = u32('channel count');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const blob = (what: string): string => {
    const length = u32(what);
    if (at + length > bytes.byteLength) fail(`truncated in ${what}`);
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(at, at + length));
    } catch {
      fail(`${what} is not valid UTF-8`);
    }
    at += pad4(length);
    return text;
  };
  let options: KeywordOptions;
  try {
    options = resolveKeywordOptions(JSON.parse(blob('options')) as Partial<KeywordOptions>);
  } catch (error) {
    if (error instanceof KijiError && error.code === ErrorCodes.INDEX_CORRUPT) throw error;
    fail(`bad options (${error instanceof Error ? error.message : String(error)})`);
  }
  if (options.channels.length !== channelCount) fail('channel count does not match the options');
  const splitBlob = (what: string, count: number): string[] => {
    const text = blob(what);
    const parts = count === 0 ? [] : text.split('\0');
    if (parts.length !== count || (count === 0 && text !== '')) fail(`${what}: expected ${count}, found ${parts.length}`);
    return parts;
  };
  const ids = splitBlob('passage ids', n);
  const terms = splitBlob('terms', termCount);
  const section = <T>(what: string, count: number, width: number, make: (buffer: ArrayBuffer) => T): T => {
    const length = count * width;
    if (at + length > bytes.byteLength) fail(`truncated in ${what}`);
    // Copy: the caller's buffer may be unaligned or reused, and a Node Buffer's own slice() is a view.
    const copy = Uint8Array.prototype.slice.call(bytes, at, at + length).buffer;
    at += pad4(length);
    return make(copy);
  };
  const offsets = section('offsets', termCount + 1, 4, (b) => new Uint32Array(b));
  const docs = section('postings', postings, 4, (b) => new Uint32Array(b));
  const tfs = section('term frequencies', postings, 2, (b) => new Uint16Array(b));
  const headingTfs = version === 1 ? new Uint16Array(postings) : section('heading term frequencies', postings, 2, (b) => new Uint16Array(b));
  const lengths = section('lengths', channelCount * n, 4, (b) => new Uint32Array(b));
  if (at !== bytes.byteLength) fail(`${bytes.byteLength - at} unexpected bytes after the end`);
  // Structural checks, so a damaged file fails here and not as a wrong answer or a crash in search.
  if (offsets[0] !== 0 || offsets[termCount] !== postings) fail('posting offsets do not cover the postings');
  for (let t = 0; t < termCount; t++) {
    const start = offsets[t] as number;
    const end = offsets[t + 1] as number;
    if (end < start) fail('posting offsets go backwards');
    const c = (terms[t] as string).charCodeAt(0) - 65;
    if (!(c >= 0 && c < channelCount)) fail(`term ${t} names no channel`);
    let previous = -1;
    for (let p = start; p < end; p++) {
      const d = docs[p] as number;
      if (d <= previous || d >= n) fail(`posting list of term ${t} is out of order or out of range`);
      if (tfs[p] === 0 && headingTfs[p] === 0) fail(`posting list of term ${t} has a zero term frequency`);
      previous = d;
    }
  }
  return { options, ids, terms, offsets, docs, tfs, headingTfs, lengths };
}
