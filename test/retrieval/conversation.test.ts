import { describe, expect, it } from 'vitest';
import { conversationDefaults, conversationSearch, refersBack } from '../../src/retrieval/conversation.js';

const { earlierWeight, decay, standaloneScale, articleBoost, citedSearchWeight, rewrittenEarlierScale } = conversationDefaults;

describe('refersBack', () => {
  it.each([
    ['それは誰が提案したのか', true],
    ['その会合に米国は参加したか', true],
    ['彼らは何を求めているのか', true],
    ['同国の大統領は何と述べたか', true],
    ['米国は？', true],
    ['what did France say about it?', true],
    ['And Germany?', true],
    ['Germany, then?', true],
    ['有志連合の首脳会合はどこで開かれたか', false],
    ['米国はどう関与するのか', false],
    ['Where was the coalition summit held?', false],
  ])('%s -> %s', (question, expected) => {
    expect(refersBack(question)).toBe(expected);
  });
});

describe('conversationSearch', () => {
  it('searches a follow-up with the earlier question at a lower weight and boosts the cited articles', () => {
    const search = conversationSearch({
      question: 'それは誰が提案したのか',
      earlier: ['パリの首脳会合はどこで開かれたか'],
      citedArticles: ['reuters-coalition', 'reuters-coalition', 'reuters-venezuela'],
    });
    expect(search).toEqual({
      queries: [
        { text: 'それは誰が提案したのか', weight: 1 },
        { text: 'それは誰が提案したのか', weight: citedSearchWeight, articleIds: ['reuters-coalition', 'reuters-venezuela'] },
        { text: 'パリの首脳会合はどこで開かれたか', weight: earlierWeight },
      ],
      boost: { articleIds: ['reuters-coalition', 'reuters-venezuela'], weight: articleBoost },
      refersBack: true,
    });
  });

  it('weighs earlier questions less the further back they are, newest first, and keeps the last few only', () => {
    const earlier = ['一つ目の質問は何か', '二つ目の質問は何か', '三つ目の質問は何か', '四つ目の質問は何か'];
    const search = conversationSearch({ question: 'それはいつか', earlier, citedArticles: [] });
    expect(search.queries).toEqual([
      { text: 'それはいつか', weight: 1 },
      { text: '四つ目の質問は何か', weight: earlierWeight },
      { text: '三つ目の質問は何か', weight: earlierWeight * decay },
      { text: '二つ目の質問は何か', weight: earlierWeight * decay * decay },
    ]);
    expect(search.queries.slice(1).every((q, i, all) => i === 0 || q.weight < all[i - 1]!.weight)).toBe(true);
    expect(search.boost).toEqual({ articleIds: [], weight: 0 });
  });

  it('gives the context less say when the new question stands alone (it may change the subject)', () => {
    const search = conversationSearch({
      question: 'ベネズエラの石油生産量はどれくらいか',
      earlier: ['パリの首脳会合はどこで開かれたか'],
      citedArticles: ['reuters-coalition'],
    });
    expect(search.refersBack).toBe(false);
    expect(search.queries[1]).toEqual({ text: 'ベネズエラの石油生産量はどれくらいか', weight: citedSearchWeight * standaloneScale, articleIds: ['reuters-coalition'] });
    expect(search.queries[2]!.weight).toBeCloseTo(earlierWeight * standaloneScale);
    expect(search.boost.weight).toBeCloseTo(articleBoost * standaloneScale);
  });

  it('leaves out earlier questions that are the new one asked again, and blank ones', () => {
    const search = conversationSearch({
      question: '首脳会合はどこで開かれたか',
      earlier: ['首脳会合は、どこで開かれたか？', '  ', 'パリの首脳会合'],
      citedArticles: [],
    });
    expect(search.queries.map((q) => q.text)).toEqual(['首脳会合はどこで開かれたか', 'パリの首脳会合']);
  });

  it('is the question alone at the start of a conversation', () => {
    expect(conversationSearch({ question: ' 有志連合の首脳会合はどこで開かれたか ', earlier: [], citedArticles: [] })).toEqual({
      queries: [{ text: '有志連合の首脳会合はどこで開かれたか', weight: 1 }],
      boost: { articleIds: [], weight: 0 },
      refersBack: false,
    });
  });

  it('takes its limits from options', () => {
    const search = conversationSearch(
      { question: 'それは？', earlier: ['a question one', 'a question two'], citedArticles: ['a', 'b', 'c'] },
      { maxEarlier: 1, maxArticles: 2, articleBoost: 0.3 },
    );
    expect(search.queries.map((q) => q.text)).toEqual(['それは？', 'それは？', 'a question two']);
    expect(search.queries[1]!.articleIds).toEqual(['a', 'b']);
    expect(search.boost).toEqual({ articleIds: ['a', 'b'], weight: 0.3 });
    const unrestricted = conversationSearch({ question: 'それは？', earlier: [], citedArticles: ['a'] }, { citedSearchWeight: 0 });
    expect(unrestricted.queries).toEqual([{ text: 'それは？', weight: 1 }]);
  });

  it('searches a question that points back with the subject the earlier question and the cited titles share', () => {
    const search = conversationSearch({
      question: 'その首都はどこか',
      earlier: ['コンゴ共和国の住民の内、何パーセントがコンゴ人か'],
      citedArticles: ['congo'],
      citedTitles: ['コンゴ共和国'],
    });
    expect(search).toEqual({
      queries: [
        { text: 'コンゴ共和国の首都はどこか', weight: 1 },
        { text: 'コンゴ共和国の首都はどこか', weight: citedSearchWeight, articleIds: ['congo'] },
        { text: 'コンゴ共和国の住民の内、何パーセントがコンゴ人か', weight: earlierWeight * rewrittenEarlierScale },
      ],
      boost: { articleIds: ['congo'], weight: articleBoost },
      refersBack: true,
      rewritten: 'コンゴ共和国の首都はどこか',
    });
  });

  it('rewrites nothing when the question stands alone or nothing names the subject', () => {
    const alone = conversationSearch({ question: 'ベネズエラの石油生産量はどれくらいか', earlier: ['コンゴ共和国の首都は'], citedArticles: ['congo'], citedTitles: ['コンゴ共和国'] });
    expect(alone.rewritten).toBeUndefined();
    expect(alone.queries[0]!.text).toBe('ベネズエラの石油生産量はどれくらいか');
    const unnamed = conversationSearch({ question: 'その首都はどこか', earlier: ['首都はどこか'], citedArticles: ['congo'], citedTitles: ['コンゴ共和国'] });
    expect(unnamed.rewritten).toBeUndefined();
    expect(unnamed.queries[2]).toEqual({ text: '首都はどこか', weight: earlierWeight });
  });
});
