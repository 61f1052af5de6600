/**
 * Text normalization and the analyzers the keyword index can use. Every analyzer maps a string to a
 * list of tokens (duplicates kept: term frequency matters) and is deterministic, so the same text
 * always gives the same tokens at build and at query time.
 */

/** Dash and tilde look-alikes that stand for the katakana long-vowel mark after katakana (ｰ is handled by NFKC). */
const LONG_VOWEL_LOOKALIKES = /(?<=[\p{Script=Katakana}])[-‐‑‒–—―−─━～〜]/gu;
/** Any of those look-alikes: most texts have none, and this test is much cheaper than the look-behind. */
const ANY_LOOKALIKE = /[-‐‑‒–—―−─━～〜]/u;

/**
 * NFKC (full-width ASCII and half-width katakana folded), lower case, long-vowel look-alikes unified.
 *
 * @example normalizeText('ＡＩ　ｻｰﾊﾞ―') // 'ai サーバー'
 */
export function normalizeText(text: string): string {
  const folded = text.normalize('NFKC').toLowerCase();
  return ANY_LOOKALIKE.test(folded) ? folded.replace(LONG_VOWEL_LOOKALIKES, 'ー') : folded;
}

const OTHER = 0;
const ALNUM = 1;
const HIRAGANA = 2;
const KATAKANA = 3;
const KANJI = 4;

/** Letters and digits beyond ASCII and Japanese, tested at one position of a text (sticky). */
const ALNUM_AT = /[\p{L}\p{N}]/uy;

// Code-point ranges rather than Unicode-property regexes: this runs on every character of every
// passage and decides a large build's time.
function kindOf(c: number, text: string, at: number): number {
  if (c < 0x80) {
    return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ? ALNUM : OTHER;
  }
  if (c >= 0x3041 && c <= 0x309f) return HIRAGANA;
  if ((c >= 0x30a1 && c <= 0x30ff && c !== 0x30fb) || (c >= 0x31f0 && c <= 0x31ff)) return KATAKANA;
  if (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x20000 && c <= 0x3ffff) ||
    c === 0x3005 || // 々
    c === 0x3006 // 〆
  ) {
    return KANJI;
  }
  ALNUM_AT.lastIndex = at;
  return ALNUM_AT.test(text) ? ALNUM : OTHER;
}

/**
 * One text's characters (code points) as parallel arrays, filled by `tabulate` and reused by every
 * call: the analyzers used to walk strings of one character each, and allocating those (plus arrays
 * of them per run) was most of their time. `starts` has one more entry, the text's length, so the
 * characters a..b-1 are `text.slice(starts[a], starts[b])`.
 */
let codePoints = new Int32Array(256);
let kinds = new Uint8Array(256);
let starts = new Int32Array(257);

/** Fills the character table for `text`; returns how many characters it has. */
function tabulate(text: string): number {
  // Grown for a long text, shrunk again at the next short one: one huge document must not keep megabytes.
  if (starts.length <= text.length || (starts.length > 1 << 17 && text.length < 1 << 14)) {
    const size = Math.max(256, 2 * text.length + 1);
    codePoints = new Int32Array(size);
    kinds = new Uint8Array(size);
    starts = new Int32Array(size + 1);
  }
  let count = 0;
  for (let i = 0; i < text.length; count++) {
    const c = text.codePointAt(i) as number;
    codePoints[count] = c;
    kinds[count] = kindOf(c, text, i);
    starts[count] = i;
    i += c > 0xffff ? 2 : 1;
  }
  starts[count] = text.length;
  return count;
}

/**
 * Calls `visit` for each run of the tabulated text: Japanese runs (kanji, kana) and Latin/digit runs,
 * characters a..b-1; punctuation and spaces separate runs.
 */
function forEachRun(count: number, visit: (a: number, b: number, cjk: boolean) => void): void {
  let a = 0;
  while (a < count) {
    const kind = kinds[a] as number;
    if (kind === OTHER) {
      a++;
      continue;
    }
    const cjk = kind !== ALNUM;
    let b = a + 1;
    for (; b < count; b++) {
      const next = kinds[b] as number;
      if (next === OTHER || (next !== ALNUM) !== cjk) break;
    }
    visit(a, b, cjk);
    a = b;
  }
}

function hiraganaCount(from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (kinds[i] === HIRAGANA) count++;
  return count;
}

/** Which n-grams an analyzer keeps: all, all but all-hiragana ones, or only those without any hiragana. */
type KanaRule = 'all' | 'noAllHiragana' | 'noHiragana';

function ngrams(text: string, n: number, rule: KanaRule | boolean): string[] {
  const skipAllHiragana = rule === true || rule === 'noAllHiragana';
  const skipAnyHiragana = rule === 'noHiragana';
  const normalized = normalizeText(text);
  const out: string[] = [];
  forEachRun(tabulate(normalized), (a, b, cjk) => {
    if (!cjk) {
      out.push(normalized.slice(starts[a], starts[b]));
      return;
    }
    if (b - a < n) {
      // A lone kanji (国, 米) carries meaning; a lone kana is noise that IDF would bury anyway.
      if ((n === 2 || b - a === n - 1) && !(skipAnyHiragana && hiraganaCount(a, b) > 0)) out.push(normalized.slice(starts[a], starts[b]));
      return;
    }
    for (let i = a; i + n <= b; i++) {
      if (skipAllHiragana && hiraganaCount(i, i + n) === n) continue;
      if (skipAnyHiragana && hiraganaCount(i, i + n) > 0) continue;
      out.push(normalized.slice(starts[i], starts[i + n]));
    }
  });
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

/** Codes of Latin/digit words start here, above every bigram code (< 0x110000², about 2^40.2). */
const WORD_CODES = 2 ** 41;

/**
 * `charNgrams(text, 2)` as numbers rather than strings, for comparing the bigrams of a few texts
 * (near-duplicates, answer sentences) on every search without making a string per bigram: a
 * Japanese pair is its two code points, a lone character its code point, a Latin or digit word a
 * number this coder gives it on first sight. Within one coder, two bigrams are equal exactly when
 * their codes are; codes from different coders are not comparable.
 *
 * @example new BigramCoder().codes('東京都のAI') // four codes, for 東京, 京都, 都の, ai
 */
export class BigramCoder {
  private readonly words = new Map<string, number>();

  // A plain array, not a Float64Array: a search codes a few dozen sentences, and a typed array costs
  // more to allocate (its buffer lives outside the JS heap) than coding a short sentence.
  codes(text: string): number[] {
    const normalized = normalizeText(text);
    const out: number[] = [];
    forEachRun(tabulate(normalized), (a, b, cjk) => {
      if (!cjk) {
        const word = normalized.slice(starts[a], starts[b]);
        let code = this.words.get(word);
        if (code === undefined) this.words.set(word, (code = WORD_CODES + this.words.size));
        out.push(code);
      } else if (b - a === 1) {
        out.push(codePoints[a] as number);
      } else {
        for (let i = a; i + 1 < b; i++) out.push((codePoints[i] as number) * 0x110000 + (codePoints[i + 1] as number));
      }
    });
    return out;
  }
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
  const normalized = normalizeText(text);
  const out: string[] = [];
  for (let i = 0, count = tabulate(normalized); i < count; i++) {
    const kind = kinds[i];
    if ((kind === KANJI || kind === KATAKANA) && codePoints[i] !== 0x30fc /* ー */) out.push(normalized.slice(starts[i], starts[i + 1]));
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
  const normalized = normalizeText(text);
  const out: string[] = [];
  forEachRun(tabulate(normalized), (a, b, cjk) => {
    if (!cjk) {
      out.push(normalized.slice(starts[a], starts[b]));
      return;
    }
    // Split the run at hiragana: what is left are the kanji/katakana stretches.
    let start = a;
    for (let i = a; i <= b; i++) {
      if (i < b && kinds[i] !== HIRAGANA) continue;
      if (i - start === 1) out.push(normalized.slice(starts[start], starts[i]));
      for (let j = start; j + 2 <= i; j++) out.push(normalized.slice(starts[j], starts[j + 2]));
      start = i + 1;
    }
  });
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
