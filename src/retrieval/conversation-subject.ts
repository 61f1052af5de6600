/**
 * What a conversation is about, and a follow-up read with it: after "コンゴ共和国の住民の内、何パーセント
 * がコンゴ人か", "その首都はどこか" is "コンゴ共和国の首都はどこか". The subject is what the earlier question
 * and the articles its answer cited have in common: the words of the question that the cited articles'
 * titles hold. Neither alone will do: the question's other words are about the paragraph it asked for,
 * and a title names the cited article, which the question may not be about. Pure: strings in, strings out.
 */

/** Parts of a subject are at least this many characters: one kanji or kana names nothing reliably. */
const minPartLength = 2;
/** A subject names a thing or two ("有志連合 首脳会合"), not a sentence. */
const maxParts = 3;

const hiraganaOnly = /^[\p{Script=Hiragana}ー]+$/u;
/** Particles at a stretch's ends (で合意, 国は) belong to the sentence, not to the name. */
const hiraganaEnds = /^[\p{Script=Hiragana}\s]+|[\p{Script=Hiragana}\s]+$/gu;
const latinOrDigit = /[\p{Script=Latin}\p{N}]/u;
/** Latin-script words too common to be a subject: they are in every English title and question. */
const englishStopwords = new Set(
  'a an and are as at be by did do does for from had has have how in into is it its of on or that the their this to was were what when where which who why will with'.split(' '),
);

function normalized(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/_/g, ' ');
}

/** Whether `text[from, to)` starts and ends at word boundaries where it has Latin letters or digits (so "the" is not found in "other"). */
function wordBounded(text: string, from: number, to: number): boolean {
  const inWord = (i: number) => i >= 0 && i < text.length && latinOrDigit.test(text[i]!);
  return !(inWord(from) && inWord(from - 1)) && !(inWord(to - 1) && inWord(to));
}

/** Whether some title holds `part` with word boundaries around its Latin ends. */
function inTitles(part: string, titles: readonly string[]): boolean {
  return titles.some((title) => {
    for (let at = title.indexOf(part); at >= 0; at = title.indexOf(part, at + 1)) if (wordBounded(title, at, at + part.length)) return true;
    return false;
  });
}

function meaningful(part: string): boolean {
  const trimmed = part.trim();
  return [...trimmed].length >= minPartLength && !hiraganaOnly.test(trimmed) && /[\p{L}\p{N}]/u.test(trimmed) && !englishStopwords.has(trimmed);
}

/** What may stand between two parts of one name as the question writes it: 有志連合の首脳会合, 日本と米国. */
const joiner = /^[のと・\s]{0,2}$/u;

/**
 * The longest stretches of `question` that some title holds, left to right, each a subject part; two
 * parts with only a joiner between them in the question are one ("有志連合の首脳会合", as it was asked).
 *
 * @example subjectParts('楽団員からはマーラーのどんな態度が嫌われたか', ['グスタフ・マーラー']) // ['マーラー']
 */
function subjectParts(question: string, titles: readonly string[]): string[] {
  const text = normalized(question);
  const spans: { from: number; to: number }[] = [];
  for (let from = 0; from < text.length; ) {
    let best = 0;
    for (let to = from + minPartLength; to <= text.length; to++) {
      const candidate = text.slice(from, to);
      if (!titles.some((title) => title.includes(candidate))) break;
      if (wordBounded(text, from, to) && inTitles(candidate, titles) && meaningful(candidate)) best = to - from;
    }
    const stretch = text.slice(from, from + best);
    const part = stretch.replace(hiraganaEnds, '');
    if (best > 0 && meaningful(part)) {
      const start = from + stretch.indexOf(part);
      const last = spans.at(-1);
      if (last && joiner.test(text.slice(last.to, start))) last.to = start + part.length;
      else spans.push({ from: start, to: start + part.length });
    }
    from += Math.max(1, best);
  }
  return spans.map(({ from, to }) => text.slice(from, to));
}

/**
 * The conversation's subject: the parts that the cited titles share with the newest earlier question
 * holding any (each once, none inside another, at most three). A question that itself `pointsBack`
 * was about the subject before it ("それは何で合意したのか" shares only 合意 with a title), so an older
 * one that names its subject comes first.
 *
 * @example conversationSubject(['コンゴ共和国の住民の内、何パーセントがコンゴ人か'], ['コンゴ共和国']) // ['コンゴ共和国']
 * @example conversationSubject(['Where was the coalition summit held?'], ['Coalition summit in Paris']) // ['coalition summit']
 */
export function conversationSubject(earlier: readonly string[], citedTitles: readonly string[], pointsBack: (question: string) => boolean = () => false): string[] {
  const titles = citedTitles.map(normalized).filter((title) => title.trim() !== '');
  if (titles.length === 0) return [];
  const newestFirst = earlier.toReversed();
  for (const question of [...newestFirst.filter((q) => !pointsBack(q)), ...newestFirst.filter(pointsBack)]) {
    const parts = [...new Set(subjectParts(question, titles))];
    const kept = parts.filter((part) => !parts.some((other) => other !== part && other.includes(part)));
    if (kept.length > 0) return kept.slice(0, maxParts);
  }
  return [];
}

/**
 * Japanese words that stand for something named before, longest first so 彼女 is not read as 彼.
 * Not それぞれ ("each"), その他 ("the others") or それとも ("or"), which point back at nothing.
 */
const japanesePointer = /(?!それぞれ|その他|それとも)(その|それ|この|これ|あの|あれ|そこ|彼女|彼ら|彼|同氏|同国|同社|同党|同省|同市)/u;

/**
 * `question` with `subject` in place of the word pointing back at it (その首都 -> コンゴ共和国の首都), or,
 * where there is no such word (English, or "米国は？"), with the subject after it. Parts of the subject
 * the question already holds are not added again; with none left, the question as asked.
 *
 * @example withSubject('その首都はどこか', ['コンゴ共和国']) // 'コンゴ共和国の首都はどこか'
 * @example withSubject('what did France say about it?', ['coalition summit']) // 'what did France say about it? coalition summit'
 */
export function withSubject(question: string, subject: readonly string[]): string {
  const asked = normalized(question);
  const missing = subject.filter((part) => !asked.includes(part));
  if (missing.length === 0) return question;
  const named = missing.join(' ');
  if (japanesePointer.test(question)) return question.replace(japanesePointer, (pointer) => (pointer.endsWith('の') ? `${named}の` : named));
  return `${question} ${named}`;
}
