/**
 * One catalog of error codes. Code branches on `code`, never on message text;
 * only entry points (CLI, bot) turn a KijiError into output.
 */
export const ErrorCodes = {
  ARTICLE_PARSE: 'ARTICLE_PARSE',
  ARTICLES_NOT_FOUND: 'ARTICLES_NOT_FOUND',
  CONFIG_INVALID: 'CONFIG_INVALID',
  INDEX_MISSING: 'INDEX_MISSING',
  INDEX_CORRUPT: 'INDEX_CORRUPT',
  /** A loaded index found damaged while in use, with no half of it left to answer from. */
  INDEX_DAMAGED: 'INDEX_DAMAGED',
  INDEX_MISMATCH: 'INDEX_MISMATCH',
  /** Written by a kiji with another index format: derived data, so front ends may rebuild it. */
  INDEX_OUTDATED: 'INDEX_OUTDATED',
  MODEL_UNAVAILABLE: 'MODEL_UNAVAILABLE',
  /** hnswlib-node was installed or built without kiji's patch (patches/hnswlib-node+3.0.0.patch). */
  HNSW_UNPATCHED: 'HNSW_UNPATCHED',
  DIMENSION_MISMATCH: 'DIMENSION_MISMATCH',
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  /** A URL kiji will not fetch: not http(s), a private address, a response over the size limit. */
  FETCH_REFUSED: 'FETCH_REFUSED',
  /** A fetch that did not succeed: network error, timeout, an HTTP error status, too many redirects. */
  FETCH_FAILED: 'FETCH_FAILED',
  /** A response that is no RSS, Atom, RDF or JSON Feed. */
  NOT_A_FEED: 'NOT_A_FEED',
  /** A page with no article in it (an index page, a login wall): reported, never indexed. */
  NO_ARTICLE: 'NO_ARTICLE',
  /** The question log's database cannot be opened or written (path, permissions, a damaged or newer file). */
  QUESTION_LOG_UNAVAILABLE: 'QUESTION_LOG_UNAVAILABLE',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The command that builds (or rebuilds) the index, as hints and log lines name it. */
export const BUILD_COMMAND = 'npm run embed';

/** Hints that several errors share, each written once. */
export const Hints = {
  buildIndex: `Build the index with \`${BUILD_COMMAND}\`.`,
  rebuildIndex: `Rebuild it with \`${BUILD_COMMAND}\`.`,
  /** For a damaged index file: nothing in the index is original data. */
  rebuildDamagedIndex: `Rebuild the index with \`${BUILD_COMMAND}\` (the articles are the source of truth; nothing is lost).`,
  rebuildForModel: `Rebuild it with \`${BUILD_COMMAND}\`, or set EMBEDDING_MODEL back to the model the index was built with.`,
  fixEnv: 'Fix it in .env (see .env.example for the allowed values).',
} as const;

export class KijiError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it, shown after the message. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KijiError';
    this.code = code;
    this.hint = options.hint;
  }
}

export function isKijiError(error: unknown, code?: ErrorCode): error is KijiError {
  return error instanceof KijiError && (code === undefined || error.code === code);
}

/** `describeError` without the hint, for a caller that is already doing what the hint says (rebuilding). */
export function describeWithoutHint(error: unknown): string {
  return error instanceof KijiError ? error.message : describeError(error);
}

/** One line for a terminal or a log: message, then the hint. Never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof KijiError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
