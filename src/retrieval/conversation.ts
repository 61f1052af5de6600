/**
 * A follow-up question searched with its conversation: "それは誰が提案したのか" says nothing of what
 * "それ" is, but the thread's earlier questions and the articles its answers cited do. This module
 * only describes that search (which texts, how much each counts, which articles to favour);
 * conversation-search.ts runs it. Pure: no I/O, no state.
 */
import { conversationSubject, withSubject } from './conversation-subject.js';

export interface ConversationInput {
  /** The new question. */
  question: string;
  /** The thread's earlier questions, oldest first (newest last). */
  earlier: readonly string[];
  /** Ids of the articles the thread's answers cited, most recent first (duplicates are fine). */
  citedArticles: readonly string[];
  /** Titles of those articles, in any order: with the earlier questions they name the conversation's subject. */
  citedTitles?: readonly string[];
}

export interface WeightedQuery {
  text: string;
  /** How much this text's scores count, relative to the new question's 1. */
  weight: number;
  /** Searched among these articles' passages only (the articles the conversation cited). */
  articleIds?: string[];
}

/** What to search for a question asked in a conversation. */
export interface ConversationSearch {
  /**
   * The new question first at weight 1; then the new question again among the cited articles only
   * (when there are any); then earlier questions, newest first, at decaying lower weights.
   */
  queries: WeightedQuery[];
  /** Articles whose passages get `weight` added to their normalized (0-1) fused score. */
  boost: { articleIds: string[]; weight: number };
  /** The question points back (a pronoun, "the same", or too short to stand alone), so context counts fully. */
  refersBack: boolean;
  /**
   * The question as searched when it points back and the conversation names its subject: "その首都は
   * どこか" after a question on コンゴ共和国 is searched as "コンゴ共和国の首都はどこか" (conversation-subject.ts).
   */
  rewritten?: string;
}

export const conversationDefaults = {
  /** Earlier questions used, newest first; older ones rarely help and dilute the search (0-10). */
  maxEarlier: 3,
  /** Weight of the newest earlier question when the new one refers back (0-1). */
  earlierWeight: 0.5,
  /** Each step further back multiplies the weight by this (0-1). */
  decay: 0.5,
  /**
   * Scales every context weight (earlier questions and the boost) when the new question seems to
   * stand alone: it may change the subject, so its own words should decide (0-1).
   */
  standaloneScale: 0.4,
  /**
   * Added to the normalized score of a passage of an already cited article (0-1). Chosen on one half
   * of data/eval/followups.jsonl (scripts/tune-followups.ts), measured on the other: a follow-up
   * usually stays with the articles already shown.
   */
  articleBoost: 0.5,
  /**
   * Weight of the new question searched among the cited articles' passages only (0-2). "その首都は"
   * names no country; among the articles already shown it finds the passage the whole index ranks
   * too low for the boost to reach. Chosen with the other weights on one half of the follow-up set.
   */
  citedSearchWeight: 1,
  /**
   * Scales the earlier questions' weights when the question is searched with the subject put back: the
   * subject is what they contributed, and their other words are about the paragraph they asked for,
   * not this one (0-1). Chosen on one half of the follow-up set with the weights above.
   */
  rewrittenEarlierScale: 0.5,
  /** Most recently cited articles boosted and searched within. */
  maxArticles: 10,
  /**
   * A question with fewer letters than this (after removing punctuation and spaces) is taken to lean
   * on context: "米国は？" names no subject. English needs more letters for as much meaning.
   */
  shortLetters: 8,
} as const;

export type ConversationOptions = { [K in keyof typeof conversationDefaults]: number };

/**
 * Words that point back to something said before. Japanese demonstratives and 同- words (同国, 同氏)
 * are matched anywhere (no spaces to bound them); English pronouns as whole words.
 */
const japaneseAnaphora = /それ|その|これ|この|あれ|あの|そこ|ここ|そちら|こちら|彼ら|彼女|彼|同氏|同国|同社|同党|同省|同市|同大統領|同首相|同様|当該|上記|前述/;
const englishAnaphora = /\b(it|its|they|them|their|theirs|he|him|his|she|her|hers|this|that|these|those|there|the same|above)\b|^\s*(and|also|what about|how about)\b/i;

/** Letters and digits only, for measuring how much a question says on its own. */
function letters(text: string): string {
  return text.normalize('NFKC').replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * Whether a question leans on what came before: it has an anaphor, or it is too short to name its
 * subject ("米国は？", "and France?").
 *
 * @example refersBack('それは誰が提案したのか') // true
 * @example refersBack('有志連合の首脳会合はどこで開かれたか') // false
 */
export function refersBack(question: string, shortLetters: number = conversationDefaults.shortLetters): boolean {
  const text = question.normalize('NFKC');
  const latin = /^[\p{Script=Latin}\p{N}\p{P}\p{S}\s]*$/u.test(text);
  return japaneseAnaphora.test(text) || englishAnaphora.test(text) || [...letters(text)].length < (latin ? 2 * shortLetters : shortLetters);
}

/**
 * The search for `question` in its conversation. Earlier questions identical to the new one (after
 * removing punctuation and case) are left out: asking again is not context.
 *
 * @example conversationSearch({ question: 'それは誰が提案したのか', earlier: ['パリの首脳会合はどこで開かれたか'], citedArticles: ['coalition'] })
 *   // { queries: [{ text: 'それは誰が提案したのか', weight: 1 }, { text: 'パリの首脳会合はどこで開かれたか', weight: 0.5 }],
 *   //   boost: { articleIds: ['coalition'], weight: 0.15 }, refersBack: true }
 */
export function conversationSearch(input: ConversationInput, options: Partial<ConversationOptions> = {}): ConversationSearch {
  const o = { ...conversationDefaults, ...options };
  const question = input.question.trim();
  const back = refersBack(question, o.shortLetters);
  const scale = back ? 1 : o.standaloneScale;
  const seen = new Set([letters(question).toLowerCase()]);
  const articleIds = [...new Set(input.citedArticles)].slice(0, o.maxArticles);
  const subject = back ? conversationSubject(input.earlier, input.citedTitles ?? [], (q) => refersBack(q, o.shortLetters)) : [];
  const rewritten = subject.length > 0 ? withSubject(question, subject) : question;
  const searched = rewritten === question ? undefined : rewritten;
  const queries: WeightedQuery[] = [{ text: rewritten, weight: 1 }];
  if (articleIds.length > 0 && o.citedSearchWeight > 0) queries.push({ text: rewritten, weight: o.citedSearchWeight * scale, articleIds });
  const earlier: WeightedQuery[] = [];
  for (let i = input.earlier.length - 1; i >= 0 && earlier.length < o.maxEarlier; i--) {
    const text = input.earlier[i]!.trim();
    const key = letters(text).toLowerCase();
    if (!key || seen.has(key)) continue;
    seen.add(key);
    earlier.push({ text, weight: o.earlierWeight * o.decay ** earlier.length * scale * (searched ? o.rewrittenEarlierScale : 1) });
  }
  return {
    queries: [...queries, ...earlier],
    boost: { articleIds, weight: articleIds.length > 0 ? o.articleBoost * scale : 0 },
    refersBack: back,
    ...(searched ? { rewritten: searched } : {}),
  };
}
