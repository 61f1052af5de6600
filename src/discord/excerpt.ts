import { escapeMarkdown } from 'discord.js';

/**
 * Cutting text to Discord's length limits without breaking what a reader sees: a cut falls on a
 * sentence end when one is close enough, otherwise between graphemes, so a surrogate pair, a base
 * letter and its combining marks, or an emoji sequence is never split. Lengths are UTF-16 code units
 * (`string.length`), which is never less than what Discord counts.
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const sentences = new Intl.Segmenter(undefined, { granularity: 'sentence' });

export const ellipsis = '…';

/**
 * Room past a cut point that segmentation looks at, so boundaries near the cut come out as in the whole
 * text (a sentence end depends on what follows it) while a long passage is not segmented in full.
 */
const lookaround = 64;

/**
 * Offsets in `text` where it may be cut, between `from` and `to` (the window is widened by `lookaround`
 * on each side for segmentation): grapheme boundaries, and sentence boundaries.
 */
function boundaries(text: string, from: number, to: number): { grapheme: number[]; sentence: number[] } {
  const start = Math.max(0, from - lookaround);
  const window = text.slice(start, to + lookaround);
  const inRange = (offsets: number[]) => offsets.map((offset) => offset + start).filter((offset) => offset >= from && offset <= to);
  const grapheme = inRange([...[...graphemes.segment(window)].map((s) => s.index), window.length]);
  const sentence = inRange([...[...sentences.segment(window)].map((s) => s.index), window.length]);
  return { grapheme, sentence };
}

/**
 * Keeps the start of `text` within `max` characters, ending with `mark` when something was cut.
 * A sentence end is preferred when it keeps at least half of the room.
 *
 * @example cutEnd('首脳会合を開催。共同声明によると合意した。', 12) // '首脳会合を開催。…'
 */
export function cutEnd(text: string, max: number, mark: string = ellipsis): string {
  if (text.length <= max) return text;
  const room = max - mark.length;
  if (room < 0) return '';
  const { grapheme, sentence } = boundaries(text, 0, room);
  const atSentence = lastAtMost(sentence, room);
  const cut = atSentence >= room / 2 ? atSentence : lastAtMost(grapheme, room);
  return text.slice(0, cut).trimEnd() + mark;
}

/**
 * Keeps the end of `text` within `max` characters, starting with `…` when something was cut.
 * A sentence start is preferred when it keeps at least half of the room.
 */
export function cutStart(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - ellipsis.length;
  if (room < 0) return '';
  const from = text.length - room;
  const { grapheme, sentence } = boundaries(text, from, text.length);
  const atSentence = firstAtLeast(sentence, from);
  const cut = text.length - atSentence >= room / 2 ? atSentence : firstAtLeast(grapheme, from);
  return ellipsis + text.slice(cut).trimStart();
}

function lastAtMost(sorted: number[], limit: number): number {
  let best = 0;
  for (const offset of sorted) {
    if (offset > limit) break;
    best = offset;
  }
  return best;
}

function firstAtLeast(sorted: number[], limit: number): number {
  for (const offset of sorted) if (offset >= limit) return offset;
  return sorted[sorted.length - 1] ?? 0;
}

/**
 * Every Markdown character escaped, backslashes included, so article and user text shows as typed
 * (`unescapeMarkdown` undoes it exactly).
 */
export function escapeText(text: string): string {
  return escapeMarkdown(text, { escape: true, heading: true, bulletedList: true, numberedList: true, maskedLink: true });
}

/** The inverse of `escapeText`: every escape is a backslash before one character. */
export function unescapeText(text: string): string {
  return text.replace(/\\([\s\S])/g, '$1');
}

/**
 * `text` cut by `cut` and escaped for Markdown, at most `max` characters after escaping. The cut
 * happens before escaping, so it never lands between a backslash and what it escapes.
 */
export function fitEscaped(text: string, max: number, cut: (text: string, max: number) => string = cutEnd): string {
  let room = max;
  for (;;) {
    const escaped = escapeText(cut(text, room));
    if (escaped.length <= max || room <= 0) return escaped.length <= max ? escaped : '';
    room -= escaped.length - max;
  }
}

/**
 * A passage as a Markdown excerpt of at most `max` characters with `answer` (a sentence of it) in bold,
 * surrounded by as much context as fits: the text before is cut at its start, the text after at its end.
 * When `answer` is not found verbatim the passage is shown from its start, without bold.
 *
 * @example answerExcerpt('前文。有志連合はパリで会合。後文。', '有志連合はパリで会合。', 100)
 *   // '前文。**有志連合はパリで会合。**後文。'
 */
export function answerExcerpt(text: string, answer: string, max: number): string {
  const sentence = answer.trim();
  const at = sentence ? text.indexOf(sentence) : -1;
  if (at < 0) return fitEscaped(text, max);
  const bold = fitEscaped(sentence, max - 4);
  if (!bold) return fitEscaped(text, max);
  const before = text.slice(0, at);
  const after = text.slice(at + sentence.length);
  let room = max - bold.length - 4;
  // Half the room each way; whatever one side does not use goes to the other.
  const afterText = fitEscaped(after, room - Math.min(escapeText(before).length, Math.floor(room / 2)));
  room -= afterText.length;
  const beforeText = fitEscaped(before, room, cutStart);
  return `${beforeText}**${bold}**${afterText}`;
}
