/**
 * Sentence splitting for Japanese news text (with some English). A hand-written scanner rather than
 * `Intl.Segmenter('ja', { granularity: 'sentence' })`: on the seed digest both find 62 sentences, but
 * ICU hangs an opening `「` on the end of the previous sentence (`…と指摘。「` / `安全の…」と述べた。`)
 * and breaks `「勝利だ。」と述べた。` in two.
 */

// Every character that decides a split is a single UTF-16 code unit, and no half of a surrogate
// pair is one of them (nor whitespace), so the scanner walks code units: splitting a passage into
// an array of code points cost more than the rest of the scan (it runs on every cited passage).

/** End a sentence wherever they occur: 。！？!? */
const isTerminator = (c: number): boolean => c === 0x3002 || c === 0xff01 || c === 0xff1f || c === 0x21 || c === 0x3f;
/** End a sentence only when followed by whitespace or the end of the text (. and ．): `3.5` and `ROSN.MM` stay whole. */
const isWeakTerminator = (c: number): boolean => c === 0x2e || c === 0xff0e;
/** Belong to the sentence they close: `「…した。」` keeps its `」`. Characters: 」』）)"”’】〕］]' */
const isCloser = (c: number): boolean =>
  c === 0x300d || c === 0x300f || c === 0xff09 || c === 0x29 || c === 0x22 || c === 0x201d || c === 0x2019 || c === 0x3011 || c === 0x3015 || c === 0xff3d || c === 0x5d || c === 0x27;
/** After `。」` a quote that goes on (`。」と述べた。`, `。」との`) is not a sentence end. */
const QUOTE_CONTINUES = 0x3068; // と

/** Exactly the code units `/\s/` matches (test/passages/sentences.test.ts checks every one). */
export function isSpaceCode(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * Splits text into sentences; trailing whitespace stays with the sentence before it, so
 * `splitSentences(t).join('') === t` and offsets can be recovered. Never returns empty strings.
 * A line break always ends a sentence (joined paragraphs are separated by `\n`).
 * Example: `米国は6日、発表した。「勝利だ。」と述べた。GDP grew 3.5% in Q1. OK` ->
 * `["米国は6日、発表した。", "「勝利だ。」と述べた。", "GDP grew 3.5% in Q1. ", "OK"]`.
 */
export function splitSentences(text: string): string[] {
  const n = text.length;
  const sentences: string[] = [];
  let start = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    let end = -1;
    if (c === 0x0a) {
      end = i + 1;
    } else if (isTerminator(c) || isWeakTerminator(c)) {
      let weakOnly = !isTerminator(c);
      let j = i + 1;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (isTerminator(d)) weakOnly = false;
        else if (!isWeakTerminator(d)) break;
      }
      let closed = false;
      while (j < n && isCloser(text.charCodeAt(j))) {
        j++;
        closed = true;
      }
      const ends = weakOnly ? j >= n || isSpaceCode(text.charCodeAt(j)) : !(closed && j < n && text.charCodeAt(j) === QUOTE_CONTINUES);
      if (ends) end = j;
      else i = j - 1;
    }
    if (end !== -1) {
      while (end < n && isSpaceCode(text.charCodeAt(end)) && text.charCodeAt(end - 1) !== 0x0a) end++;
      sentences.push(text.slice(start, end));
      start = end;
      i = end;
    } else {
      i++;
    }
  }
  if (start < n) sentences.push(text.slice(start));
  return sentences;
}
