/**
 * Defaults that the settings and the modules implementing them share. config/ owns them, so reading
 * the settings loads no implementation module (no transformers.js, no keyword index code); those
 * modules read their defaults from here.
 */
import { fileURLToPath } from 'node:url';

/** ONNX weight variants transformers.js can load; the settings validate EMBEDDING_DTYPE against this list. */
export const embedderDtypes = ['q8', 'fp32', 'fp16', 'int8', 'uint8', 'q4'] as const;
export type EmbedderDtype = (typeof embedderDtypes)[number];

/** The embedding model kiji loads unless the settings name another. */
export const modelDefaults: { model: string; cacheDir: string; dtype: EmbedderDtype } = {
  /** Hugging Face id, or a path to a local model folder. */
  model: 'Xenova/multilingual-e5-small',
  /** Where downloaded models are kept (the project's .cache/models). */
  cacheDir: fileURLToPath(new URL('../../.cache/models', import.meta.url)),
  // Explicit: transformers.js v3+ defaults to fp32 on Node, which is 4x larger than q8.
  dtype: 'q8',
};

/**
 * How much of a question a keyword search reads, so that its cost stops growing with the corpus.
 * Exact BM25 reads every posting of every question term, and a Japanese question has dozens of terms
 * (bigrams, words and kanji), so at a million passages an exact search reads millions of postings.
 * With a budget, the heaviest terms (rarest, highest IDF times channel weight) are searched in full,
 * in that order, until the next one would take the postings read past `maxPostings` (the heaviest
 * always is); the rest, the commonest, only rescore the best `rescoreDepth` passages found, the
 * heaviest `rescoreTerms` of them, by a probe each. Below the budget a search is exact. The budget
 * keeps the answers of an exact search nearly unchanged at a fraction of its cost (measured in
 * docs/retrieval-quality.md and docs/benchmarks.md).
 */
export const keywordBudgetDefaults = {
  /** Postings a search reads in full lists; Infinity for exact search (KEYWORD_MAX_POSTINGS=0). */
  maxPostings: 50_000,
  /** Passages rescored with the terms left out: enough to keep exact search's first answer. */
  rescoreDepth: 10,
  /** At most this many left-out terms rescore them: more cost time for no better first answer. */
  rescoreTerms: 24,
} as const;

/** Limits on article files: what a build reads, and how many problems it reports one by one. */
export const articleLimits = {
  /**
   * Larger article files are reported and skipped without being read (`ARTICLE_MAX_BYTES`). 50 MB
   * holds tens of thousands of news articles; a file this big is more often a dump or a mistake.
   */
  maxBytes: 50 * 1024 * 1024,
  /**
   * The most `ARTICLE_MAX_BYTES` may be set to: a file is decoded into one string, and V8's strings
   * end a little below 512 Mi characters.
   */
  maxBytesCeiling: 500 * 1000 * 1000,
  /** Problems reported one by one per file (or per folder, for its entries); the rest are counted in one line. */
  problemsPerFile: 5,
} as const;

/**
 * When delta segments (store/segments.ts) are folded into a new build by a merge in the background:
 * once there are more than `maxDeltas` of them, or they hold more than `maxDeltaShare` of the build's
 * passages or more than `maxDeltaPassages` whatever its size. Each delta is searched beside the build on
 * every question (its vectors exactly, every row), so many or large deltas slow searches down, by their
 * own size and not the build's: a share alone would let a 1M build scan 50,000 rows a question. The
 * cap is the delta size the freshness bench measures (20 updates of 50 passages). A merge costs a
 * full build without embedding.
 * Before that, small deltas are compacted into one as an update lands (Lucene's tiered merging): once
 * an update would make more than `compactAbove` deltas and they hold at most `compactPassages` live
 * passages, the update's delta takes them all in (their live rows and vectors copied, their keyword
 * index built anew over those few passages), so a search meets few segments however many updates came.
 * `compactAbove: 1` keeps a single delta while it is small: every segment costs each search a fixed
 * keyword and vector pass, which a few hundred passages rewritten per update cost far less than.
 */
export const segmentDefaults = {
  maxDeltas: 20,
  maxDeltaShare: 0.05,
  maxDeltaPassages: 1000,
  compactAbove: 1,
  compactPassages: 5000,
} as const;
