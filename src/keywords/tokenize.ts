/**
 * Text normalization and the analyzers the keyword index can use. Every analyzer maps a string to a
 * list of tokens (duplicates kept: term frequency matters) and is deterministic, so the same text
 * always gives the same tokens at build and at query time.
 */

/** Dash and tilde look-alikes that stand for the katakana long-vowel mark after katakana (ｰ is handled by NFKC). */
const LONG_VOWEL_LOOKALIKES = /(?<=[\p{Script=Katakana}])[-‐‑‒–—―−─━～〜]/gu;

/**
 * NFKC (full-width ASCII and half-width katakana folded), lower case, long-vowel look-alikes unified.
 *
 * @example normalizeText('ＡＩ　ｻｰﾊﾞ―') // 'ai サーバー'
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(LONG_VOWEL_LOOKALIKES, 'ー');
}

type CharKind = 'kanji' | 'hiragana' | 'katakana' | 'alnum' | 'other';

const ALNUM = /[\p{L}\p{N}]/u;

// Code-point ranges rather than Unicode-property regexes: this runs on every character of every
// passage and decides build time at 100k passages.
function charKind(ch: string): CharKind {
  const c = ch.codePointAt(0) ?? 0;
  if (c < 0x80) {
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ? 'alnum' : 'other';
  }
  if (c >= 0x3041 && c <= 0x309f) return 'hiragana';
  if ((c >= 0x30a1 && c <= 0x30ff && c !== 0x30fb) || (c >= 0x31f0 && c <= 0x31ff)) return 'katakana';
  if (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x20000 && c <= 0x3ffff) ||
    c === 0x3005 || // 々
    c === 0x3006 // 〆
  ) {
    return 'kanji';
  }
  return ALNUM.test(ch) ? 'alnum' : 'other';
}

interface Run {
  cjk: boolean;
  chars: string[];
  /** Per char: is it hiragana (for dropping grammar-only n-grams). */
  hiragana: boolean[];
}

/** Splits normalized text into Japanese runs and Latin/digit runs; punctuation and spaces separate runs. */
function runs(text: string): Run[] {
  const out: Run[] = [];
  let current: Run | undefined;
  for (const ch of text) {
    const kind = charKind(ch);
    if (kind === 'other') {
      current = undefined;
      continue;
    }
    const cjk = kind !== 'alnum';
    if (current === undefined || current.cjk !== cjk) {
      current = { cjk, chars: [], hiragana: [] };
      out.push(current);
    }
    current.chars.push(ch);
    current.hiragana.push(kind === 'hiragana');
  }
  return out;
}

function allFalse(flags: boolean[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (flags[i]) return false;
  return true;
}

function allTrue(flags: boolean[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!flags[i]) return false;
  return true;
}

/** Which n-grams an analyzer keeps: all, all but all-hiragana ones, or only those without any hiragana. */
type KanaRule = 'all' | 'noAllHiragana' | 'noHiragana';

function ngrams(text: string, n: number, rule: KanaRule | boolean): string[] {
  const skipAllHiragana = rule === true || rule === 'noAllHiragana';
  const skipAnyHiragana = rule === 'noHiragana';
  const out: string[] = [];
  for (const run of runs(normalizeText(text))) {
    const { chars, hiragana } = run;
    if (!run.cjk) {
      out.push(chars.join(''));
      continue;
    }
    if (chars.length < n) {
      // A lone kanji (国, 米) carries meaning; a lone kana is noise that IDF would bury anyway.
      if ((n === 2 || chars.length === n - 1) && !(skipAnyHiragana && hiragana.some(Boolean))) out.push(chars.join(''));
      continue;
    }
    for (let i = 0; i + n <= chars.length; i++) {
      if (skipAllHiragana && allTrue(hiragana, i, i + n)) continue;
      if (skipAnyHiragana && !allFalse(hiragana, i, i + n)) continue;
      out.push(n === 2 ? (chars[i] as string) + (chars[i + 1] as string) : chars.slice(i, i + n).join(''));
    }
  }
  return out;
}

/**
 * Overlapping character n-grams inside Japanese runs (a run shorter than n yields itself), whole
 * words for Latin and digit runs, so `covid` does not become `co ov vi id`.
 *
 * @example charNgrams('東京都のAI', 2) // ['東京', '京都', '都の', 'ai']
 */
export function charNgrams(text: string, n: number): string[] {
  return ngrams(text, n, false);
}

/**
 * Character bigrams without the all-hiragana ones (した, ので, から), which are mostly grammar.
 *
 * @example contentBigrams('梅雨がみられる') // ['梅雨', '雨が']
 */
export function contentBigrams(text: string): string[] {
  return ngrams(text, 2, true);
}

/** Single kanji and katakana characters: content-bearing even alone (首, 米, ロ), unlike kana particles. */
export function kanjiKatakanaUnigrams(text: string): string[] {
  const out: string[] = [];
  for (const ch of normalizeText(text)) {
    const kind = charKind(ch);
    if ((kind === 'kanji' || kind === 'katakana') && ch !== 'ー') out.push(ch);
  }
  return out;
}

/**
 * Character bigrams of kanji and katakana only: a bigram touching hiragana is a particle or an
 * inflection joined to a word (で開, 合は, 開か), which matches by grammar rather than topic. A kanji
 * between two hiragana stays as itself.
 *
 * @example kanjiBigrams('有志連合はパリで開催') // ['有志', '志連', '連合', 'パリ', '開催']
 */
export function kanjiBigrams(text: string): string[] {
  const out: string[] = [];
  for (const run of runs(normalizeText(text))) {
    if (!run.cjk) {
      out.push(run.chars.join(''));
      continue;
    }
    // Split the run at hiragana: what is left are the kanji/katakana stretches.
    let start = 0;
    for (let i = 0; i <= run.chars.length; i++) {
      if (i < run.chars.length && !run.hiragana[i]) continue;
      const piece = run.chars.slice(start, i);
      if (piece.length === 1) out.push(piece[0] as string);
      for (let j = 0; j + 2 <= piece.length; j++) out.push((piece[j] as string) + (piece[j + 1] as string));
      start = i + 1;
    }
  }
  return out;
}

let segmenter: Intl.Segmenter | undefined;

/**
 * Dictionary words from ICU's Japanese segmenter (built into Node, no model files), word-like
 * segments only.
 *
 * @example segmenterWords('梅雨は雨季の一種') // ['梅雨', 'は', '雨季', 'の', '一種']
 */
export function segmenterWords(text: string): string[] {
  segmenter ??= new Intl.Segmenter('ja', { granularity: 'word' });
  const out: string[] = [];
  for (const s of segmenter.segment(normalizeText(text))) {
    if (s.isWordLike) out.push(s.segment);
  }
  return out;
}

const ALL_HIRAGANA = /^[\u3041-\u309fー]+$/u;

/**
 * Segmenter words without the all-hiragana ones (particles, inflection endings, function words).
 *
 * @example contentWords('梅雨は雨季の一種') // ['梅雨', '雨季', '一種']
 */
export function contentWords(text: string): string[] {
  return segmenterWords(text).filter((w) => !ALL_HIRAGANA.test(w));
}

/**
 * Interrogatives, question endings and framing words that say "this is a question" and nothing about
 * the topic. Longest first so `どのような` wins over `どの`. Removed from queries only; a separator
 * replaces them so no n-gram bridges the gap.
 */
export const QUERY_STOP_PHRASES: readonly string[] = [
  'でしょうか', 'ですか', 'ますか', 'たのか', 'のか', 'とは何', 'とはなに', 'とは',
  'どのような', 'どのように', 'どのくらい', 'どれくらい', 'どんな', 'どういう', 'どうして', 'どこ', 'どれ', 'どの', 'どう',
  'なぜ', 'なに', '何', 'いつ', '誰', 'だれ', 'いくつ', 'いくら', '幾つ',
  'what', 'which', 'who', 'whom', 'when', 'where', 'why', 'how', 'is', 'are', 'was', 'were', 'the', 'a', 'an', 'do', 'does', 'did', 'of', 'in', 'to', 'i',
].sort((a, b) => b.length - a.length);

const QUERY_STOP_PATTERN = new RegExp(
  QUERY_STOP_PHRASES.map((p) => (/^[a-z]+$/.test(p) ? `\\b${p}\\b` : p)).join('|'),
  'gu',
);

/**
 * A question with its question-only words replaced by a space (normalized first).
 *
 * @example stripQuestionWords('梅雨とは何季の一種か?') // '梅雨   季の一種か?'
 */
export function stripQuestionWords(query: string): string {
  return normalizeText(query).replace(QUERY_STOP_PATTERN, ' ');
}

/** Analyzer names, stable because they are stored in serialized indexes. */
export const ANALYZERS = {
  bigram: (text: string) => charNgrams(text, 2),
  contentBigram: contentBigrams,
  trigram: (text: string) => charNgrams(text, 3),
  unigram: kanjiKatakanaUnigrams,
  word: segmenterWords,
  kanjiBigram: kanjiBigrams,
  contentWord: contentWords,
} as const satisfies Record<string, (text: string) => string[]>;

export type AnalyzerName = keyof typeof ANALYZERS;

export function isAnalyzerName(name: string): name is AnalyzerName {
  return Object.hasOwn(ANALYZERS, name);
}
