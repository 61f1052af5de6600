/**
 * Sentence splitting for Japanese news text (with some English). A hand-written scanner rather than
 * `Intl.Segmenter('ja', { granularity: 'sentence' })`: on the seed digest both find 62 sentences, but
 * ICU hangs an opening `「` on the end of the previous sentence (`…と指摘。「` / `安全の…」と述べた。`)
 * and breaks `「勝利だ。」と述べた。` in two.
 */

/** End a sentence wherever they occur. */
const TERMINATORS = new Set(['。', '！', '？', '!', '?']);
/** End a sentence only when followed by whitespace or the end of the text: `3.5` and `ROSN.MM` stay whole. */
const WEAK_TERMINATORS = new Set(['.', '．']);
/** Belong to the sentence they close: `「…した。」` keeps its `」`. */
const CLOSERS = new Set(['」', '』', '）', ')', '"', '”', '’', '】', '〕', '］', ']', "'"]);
/** After `。」` a quote that goes on (`。」と述べた。`, `。」との`) is not a sentence end. */
const QUOTE_CONTINUES = 'と';

const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);

/**
 * Splits text into sentences; trailing whitespace stays with the sentence before it, so
 * `splitSentences(t).join('') === t` and offsets can be recovered. Never returns empty strings.
 * A line break always ends a sentence (joined paragraphs are separated by `\n`).
 * Example: `米国は6日、発表した。「勝利だ。」と述べた。GDP grew 3.5% in Q1. OK` ->
 * `["米国は6日、発表した。", "「勝利だ。」と述べた。", "GDP grew 3.5% in Q1. ", "OK"]`.
 */
export function splitSentences(text: string): string[] {
  const chars = Array.from(text);
  const sentences: string[] = [];
  let start = 0;
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i] ?? '';
    let end = -1;
    if (ch === '\n') {
      end = i + 1;
    } else if (TERMINATORS.has(ch) || WEAK_TERMINATORS.has(ch)) {
      let j = i + 1;
      while (j < chars.length && (TERMINATORS.has(chars[j] ?? '') || WEAK_TERMINATORS.has(chars[j] ?? ''))) j++;
      let closed = false;
      while (j < chars.length && CLOSERS.has(chars[j] ?? '')) {
        j++;
        closed = true;
      }
      const next = chars[j];
      const weakOnly = chars.slice(i, j).every((c) => WEAK_TERMINATORS.has(c) || CLOSERS.has(c));
      const ends = weakOnly ? next === undefined || isSpace(next) : !(closed && next === QUOTE_CONTINUES);
      if (ends) end = j;
      else i = j - 1;
    }
    if (end !== -1) {
      while (end < chars.length && isSpace(chars[end]) && chars[end - 1] !== '\n') end++;
      sentences.push(chars.slice(start, end).join(''));
      start = end;
      i = end;
    } else {
      i++;
    }
  }
  if (start < chars.length) sentences.push(chars.slice(start).join(''));
  return sentences;
}
