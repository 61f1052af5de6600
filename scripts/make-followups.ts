/**
 * Builds the follow-up benchmark data/eval/followups.jsonl from the JSQuAD validation set:
 *   npx tsx scripts/make-followups.ts [--from data/eval/jsquad-valid] [--out data/eval/followups.jsonl] [--per-article 20] [--min-spread 3]
 *
 * Each line is one conversation of two questions about the same Wikipedia article:
 *   {"id","articleId","first","second","original","gold"}
 * `first` is a JSQuAD question as written; `second` is another question about the same article with
 * its topic words taken out, as a reader would ask it next ("中国では梅雨を何という？" after a
 * question on 梅雨 becomes "中国ではそれを何という？"); `original` is that question before the
 * rewrite; `gold` the paragraph(s) answering `second` (JSQuAD's gold, so hits are judged as in
 * `npm run eval`). Searched alone, `second` lacks its subject; with `first` as context it has it.
 *
 * Method, in order:
 * 1. Each question belongs to the article whose body holds its gold paragraph (whitespace ignored).
 * 2. Topic words of an article: its title (`_` read as a space, parenthesized parts dropped) and the
 *    title's parts split at `・`, `_` and spaces, of two characters or more; and the words (ICU word
 *    segmentation, Intl.Segmenter 'ja') of two characters or more, not all hiragana, that the first
 *    question and the original second one share and that occur in the bodies of at most two
 *    articles (distinctive of this one).
 * 3. A second question must contain a title word; a first question must contain one too (so the
 *    context names the subject) and be about another paragraph than the second.
 * 4. Rewrite of the second question, longest topic word first, each occurrence: preceded by a kanji,
 *    katakana or Latin letter (the tail of another word, 引張応力) -> kept; followed by `の` -> `その`
 *    (the `の` taken; `のみ`, "only", is no genitive); followed by a kanji, katakana or Latin letter
 *    (the head of a compound) -> `その`; otherwise -> `それ`, or `彼` when the article is about a
 *    person (`people` below). A pair whose rewrite still holds a title word, or leaves fewer than 6
 *    other letters, is dropped.
 * 5. Alone, the rewritten question must not point at its article: every word of it (two characters
 *    or more, not all hiragana, pronouns aside) occurs in the bodies of at least `--min-spread` (3)
 *    articles, and so does every term the keyword index would match in it: each word (hiragana
 *    ones too, such as ひとまとまり) and each kanji/katakana bigram, pronouns and question words
 *    (何, どこ…) taken out as the search takes them out. JSQuAD questions reuse their paragraph's
 *    rare words, which would name the article without any context; such a question is no
 *    follow-up. Bigrams count because the index matches them: 公認通信社 or 世界文化遺産 name one
 *    article although each ICU word of them (公認, 通信, 社) is common.
 * 6. Follow-ups are short: at most 3 such words remain.
 * 7. Choice: articles in id order; per article up to `--per-article` second questions, in an order
 *    shuffled by mulberry32 seeded with 19 (this issue), each with a first question drawn by the same
 *    generator. No question is used twice as a second question.
 * The output is deterministic for the same input and the same ICU word segmentation (Node version).
 * License: the questions and paragraphs are JSQuAD's (CC BY-SA 4.0, JGLUE, Yahoo Japan Corporation
 * and Waseda University), and so is this derived file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/config/settings.js';
import { mulberry32 } from './lib/random.js';
import { evalDir, jsquadDir } from './lib/eval-data.js';
import { kanjiBigrams, normalizeText, segmenterWords, stripQuestionWords } from '../src/keywords/tokenize.js';

interface Article {
  id: string;
  title: string;
  body: string;
}

interface Question {
  id: string;
  question: string;
  gold: string[];
}

interface Located extends Question {
  article: Article;
  paragraph: number;
}

/** Articles about a person: their pronoun is 彼, not それ. */
const people = new Set(['グスタフ・マーラー', 'ヨハネス・グーテンベルク', 'アマルティア・セン']);
const seed = 19;
const minLettersLeft = 6;

/** Step 6: most words (not hiragana only) a rewritten question keeps: follow-ups are short. */
const maxContentWords = 3;
const pronoun = /^(その|それ|彼)$/;

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: jsquadDir },
    out: { type: 'string', default: path.join(evalDir, 'followups.jsonl') },
    'per-article': { type: 'string', default: '20' },
    'min-spread': { type: 'string', default: '3' },
  },
});
const perArticle = Number(values['per-article']);
/** Step 5: a term of the rewritten question found in fewer article bodies than this points at its article. */
const minSpread = Number(values['min-spread']);

function readJsonl<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

const squash = (text: string) => text.normalize('NFKC').replace(/\s+/g, '');
const words = new Intl.Segmenter('ja', { granularity: 'word' });
const wordsOf = (text: string) => [...words.segment(text)].filter((s) => s.isWordLike).map((s) => s.segment);
const allHiragana = /^[\p{Script=Hiragana}ー]+$/u;
const compoundNext = /^[\p{Script=Han}\p{Script=Katakana}\p{Script=Latin}\p{N}]/u;
const wordChar = /[\p{Script=Han}\p{Script=Katakana}\p{Script=Latin}\p{N}]/u;

function titleWords(title: string): string[] {
  const plain = title.replace(/_/g, ' ').replace(/[（(][^）)]*[）)]/g, '').trim();
  const parts = plain.split(/[・\s]+/).filter((part) => [...part].length >= 2);
  return [...new Set([plain, plain.replace(/・/g, ''), ...parts])];
}

/** The rewrite of step 4: every occurrence of `terms` (longest first) turned into a pronoun. */
function rewrite(question: string, terms: readonly string[], person: boolean): string {
  const sorted = [...terms].sort((a, b) => b.length - a.length || a.localeCompare(b));
  let text = question;
  for (const term of sorted) {
    let out = '';
    let at = 0;
    for (let found = text.indexOf(term); found >= 0; found = text.indexOf(term, at)) {
      out += text.slice(at, found);
      const rest = text.slice(found + term.length);
      if (found > 0 && wordChar.test(text[found - 1]!)) {
        // The tail of another word (引張応力): not a mention of the topic, kept as written.
        out += term;
        at = found + term.length;
      } else if (rest.startsWith('の') && !rest.startsWith('のみ')) {
        out += 'その';
        at = found + term.length + 1;
      } else {
        out += compoundNext.test(rest) ? 'その' : person ? '彼' : 'それ';
        at = found + term.length;
      }
    }
    text = out + text.slice(at);
  }
  // Two topic words side by side ("グスタフ・マーラーの" after a part was replaced) leave one pronoun.
  return text.replace(/(その|それ|彼)・?(その|それ|彼)/g, '$2');
}

/**
 * Step 5's terms: the words and bigrams the keyword index would match (its `word` and `contentBigram`
 * analyzers), with pronouns and question words (何, どこ…) taken out as the search takes them out.
 */
function searchTerms(text: string): string[] {
  const plain = stripQuestionWords(text.replace(/その|それ|彼/g, ' '));
  return [...new Set([...segmenterWords(plain), ...kanjiBigrams(plain)])].filter((term) => [...term].length >= 2 && /[\p{L}\p{N}]/u.test(term));
}

function lettersLeft(text: string): number {
  return [...text.replace(/その|それ|彼/g, '').replace(/[^\p{L}\p{N}]/gu, '')].length;
}

const articles = readJsonl<Article>(path.join(values.from, 'articles.jsonl')).sort((a, b) => a.id.localeCompare(b.id));
const questions = readJsonl<Question>(path.join(values.from, 'questions.jsonl'));

// Step 1.
const paragraphOf = new Map<string, { article: Article; paragraph: number }>();
for (const article of articles) article.body.split('\n\n').forEach((text, paragraph) => paragraphOf.set(squash(text), { article, paragraph }));
const located: Located[] = questions.flatMap((q) => {
  const where = q.gold[0] === undefined ? undefined : paragraphOf.get(squash(q.gold[0]));
  return where ? [{ ...q, ...where }] : [];
});

// Step 2: in how many article bodies each word occurs.
const articleFrequency = new Map<string, number>();
for (const article of articles) for (const word of new Set(wordsOf(article.body))) articleFrequency.set(word, (articleFrequency.get(word) ?? 0) + 1);
const normalizedBodies = articles.map((article) => normalizeText(article.body));
const bodySpread = (term: string) => normalizedBodies.filter((body) => body.includes(term)).length;
const distinctive = (word: string) => [...word].length >= 2 && !allHiragana.test(word) && (articleFrequency.get(word) ?? 0) <= 2;

const random = mulberry32(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

const lines: string[] = [];
for (const article of articles) {
  const titled = titleWords(article.title);
  const mentions = (q: Located) => titled.some((word) => q.question.includes(word));
  const own = located.filter((q) => q.article === article && mentions(q)).sort((a, b) => a.id.localeCompare(b.id));
  let made = 0;
  for (const second of shuffled(own)) {
    if (made >= perArticle) break;
    const firsts = own.filter((q) => q.paragraph !== second.paragraph);
    if (firsts.length === 0) continue;
    const first = pick(firsts);
    const shared = wordsOf(second.question).filter((word) => distinctive(word) && first.question.includes(word) && article.body.includes(word));
    const text = rewrite(second.question, [...titled, ...shared], people.has(article.title));
    if (text === second.question || lettersLeft(text) < minLettersLeft || titled.some((word) => text.includes(word))) continue;
    // Steps 5 and 6.
    const content = wordsOf(text).filter((word) => !pronoun.test(word) && !allHiragana.test(word));
    if (content.some((word) => (articleFrequency.get(word) ?? 0) < minSpread) || content.length > maxContentWords) continue;
    if (searchTerms(text).some((term) => bodySpread(term) < minSpread)) continue;
    lines.push(
      JSON.stringify({ id: `${first.id}+${second.id}`, articleId: article.id, first: first.question, second: text, original: second.question, gold: second.gold }),
    );
    made++;
  }
}

fs.mkdirSync(path.dirname(values.out), { recursive: true });
fs.writeFileSync(values.out, `${lines.join('\n')}\n`);
process.stderr.write(`Wrote ${lines.length} pairs from ${articles.length} articles to ${values.out}\n`);
