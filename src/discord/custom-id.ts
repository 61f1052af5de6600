import { createHash } from 'node:crypto';

/**
 * Button state lives in the button's `customId` (at most 100 characters), so buttons keep working
 * after a restart and while feeds update the index: More searches the question again, Full paragraph
 * reads its passage by id, and a filter rides along as a tag of stable keys (filters.ts). Each id
 * carries a short hash of the index build it was made from, which only a rank button checks: a rank
 * is a place in the results as they were, and after any change it may be another passage.
 * The question itself is too long for an id: it is re-read from the answer's embed and checked
 * against the hash kept here.
 *
 * @example encodeButton({ kind: 'page', build: 'a1b2c3d4', question: '0f3e…', offset: 5, k: 5 })
 *   // 'kiji:page:a1b2c3d4:0f3e5a6b7c:5:5'
 * @example encodeButton({ kind: 'page', build: 'a1b2c3d4', question: '0f3e…', offset: 5, k: 5, filter: 'n1a2b3c4d.f20260107' })
 *   // 'kiji:page:a1b2c3d4:0f3e5a6b7c:5:5:n1a2b3c4d.f20260107'
 */
export type ButtonState =
  /** Show results `offset`… of the question (Previous / More). */
  | { kind: 'page'; build: string; question: string; offset: number; k: number; filter?: string }
  /** Show one passage in full, by id. */
  | { kind: 'full'; build: string; passageId: string }
  /** Show the passage at 1-based `rank` of the question (when its id is too long for a customId). */
  | { kind: 'rank'; build: string; question: string; rank: number; filter?: string }
  /** Page of /sources (not tied to a build: the current list is always the right one to show). */
  | { kind: 'sources'; page: number }
  /**
   * 👍 / 👎 on the answer to question `questionId` of the question log (not tied to a build: the vote
   * is on what the reader was shown). The 👎 modal's id has the kind `why`.
   */
  | { kind: 'vote'; questionId: number; vote: 'up' | 'down' }
  | { kind: 'why'; questionId: number; vote: 'down' }
  /** "Follow up" on an answer: the modal for the next question (its submit has the kind `then`). */
  | { kind: 'follow'; build: string; question: string; filter?: string }
  | { kind: 'then'; build: string; question: string; filter?: string };

export const customIdMax = 100;

/**
 * The largest numbers a button may carry: a page's `k` at most what /ask offers (`kMax` in
 * commands/ask.ts), its offset and a rank within the first 500 results. A search costs more the
 * deeper its offset, so an id past these (made up, never one the bot made for a real answer) is
 * refused before anything is searched.
 */
export const buttonLimits = { kMax: 10, offsetMax: 500 } as const;
const prefix = 'kiji';

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** 8 hex characters identifying a `Library.buildId`. */
export function buildTag(buildId: string): string {
  return shortHash(buildId, 8);
}

/** 10 hex characters identifying a question (as searched). */
export function questionTag(question: string): string {
  return shortHash(question, 10);
}

/** The customId for `state`, or undefined when it would not fit in 100 characters. */
export function encodeButton(state: ButtonState): string | undefined {
  let parts: (string | number)[];
  switch (state.kind) {
    case 'page':
      parts = [state.build, state.question, state.offset, state.k, ...filterPart(state.filter)];
      break;
    case 'full':
      parts = [state.build, state.passageId];
      break;
    case 'rank':
      parts = [state.build, state.question, state.rank, ...filterPart(state.filter)];
      break;
    case 'sources':
      parts = [state.page];
      break;
    case 'vote':
    case 'why':
      parts = [state.questionId, state.vote];
      break;
    case 'follow':
    case 'then':
      parts = [state.build, state.question, ...filterPart(state.filter)];
      break;
  }
  const id = [prefix, state.kind, ...parts].join(':');
  return id.length <= customIdMax ? id : undefined;
}

/** A filter tag is an optional last part; an empty one is left out, so unfiltered ids stay as they were. */
const filterPart = (tag: string | undefined): string[] => (tag ? [tag] : []);
/** What a filter tag may look like (filters.ts makes them): anything else is not ours. */
const filterTag = /^[a-z0-9.]{1,60}$/;
const withFilter = (tag: string | undefined): { filter?: string } | undefined =>
  tag === undefined ? {} : filterTag.test(tag) ? { filter: tag } : undefined;

const count = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : undefined;

/** The state in a customId this bot made, or undefined for anything else (another version, another bot). */
export function decodeButton(customId: string): ButtonState | undefined {
  const [head, kind, ...rest] = customId.split(':');
  if (head !== prefix) return undefined;
  const [a, b, c, d, e] = rest;
  if (kind === 'page' && (rest.length === 4 || rest.length === 5) && a && b) {
    const offset = count(c);
    const k = count(d);
    const filter = withFilter(e);
    if (offset !== undefined && offset <= buttonLimits.offsetMax && k && k <= buttonLimits.kMax && filter) return { kind, build: a, question: b, offset, k, ...filter };
  }
  // A passage id may itself contain colons: everything after the build is the id.
  if (kind === 'full' && a && rest.length >= 2) return { kind, build: a, passageId: rest.slice(1).join(':') };
  if (kind === 'rank' && (rest.length === 3 || rest.length === 4) && a && b) {
    const rank = count(c);
    const filter = withFilter(d);
    if (rank && rank <= buttonLimits.offsetMax + buttonLimits.kMax && filter) return { kind, build: a, question: b, rank, ...filter };
  }
  if (kind === 'sources' && rest.length === 1) {
    const page = count(a);
    if (page) return { kind, page };
  }
  if ((kind === 'vote' || kind === 'why') && rest.length === 2 && a && /^\d{1,15}$/.test(a) && (b === 'up' || b === 'down')) {
    const questionId = Number(a);
    if (kind === 'vote') return { kind, questionId, vote: b };
    if (b === 'down') return { kind, questionId, vote: b };
  }
  if ((kind === 'follow' || kind === 'then') && (rest.length === 2 || rest.length === 3) && a && b) {
    const filter = withFilter(c);
    if (filter) return { kind, build: a, question: b, ...filter };
  }
  return undefined;
}
