/**
 * What a keyword index is built with: its channels and BM25 parameters, their defaults and ranges,
 * checked once where they enter (`resolveKeywordOptions`).
 *
 * Each channel is one field read through one analyzer (text as bigrams, title as words, ...) with
 * its own length statistics and weight; a document's score is the weighted sum of channel BM25
 * scores.
 */
import { ErrorCodes, KijiError } from '../errors.js';
import { ANALYZERS, isAnalyzerName, type AnalyzerName } from './tokenize.js';

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
    // Kanji unigrams bridge an inflected verb and its Sino-Japanese compound (開かれた / 開催);
    // measured in docs/retrieval-quality.md.
    { field: 'context', analyzer: 'unigram', weight: 0.75 },
    // Below the body channels: the title picks the article, the body must pick the passage.
    { field: 'title', analyzer: 'bigram', weight: 0.75, b: 0 },
  ],
};

/**
 * A top passage with less `coverage` than this shares too little with the question to count as a
 * keyword match: the default channels give answerable Japanese questions' top hits well above it and
 * unrelated questions well below (scripts/tune-keywords.ts, column `cov ans/unans`; figures in
 * docs/retrieval-quality.md). A weak signal alone: vector similarity is the other half. Range 0-1.
 */
export const RELEVANT_COVERAGE = 0.08;

const MAX_CHANNELS = 16;

export function badOption(message: string): never {
  throw new KijiError(ErrorCodes.BAD_ARGUMENT, `Bad keyword index option: ${message}.`);
}

function inRange(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    badOption(`${name} must be a number within ${min}-${max}, got ${String(value)}`);
  }
}

const KEYWORD_FIELDS: readonly KeywordField[] = ['text', 'title', 'section', 'context'];

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

/** The channel is the first char of a term key, so the same token in two channels is two terms. */
export function termKey(channel: number, token: string): string {
  return String.fromCharCode(65 + channel) + token;
}
