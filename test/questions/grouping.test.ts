import { describe, expect, it } from 'vitest';
import { groupingDefaults, groupSimilar, normalizeForGrouping, questionSimilarity } from '../../src/questionlog/grouping.js';

/**
 * Labelled pairs the threshold was chosen on: `same` when a reader would say they ask the same thing.
 * Paraphrases drop or add particles, verbs, politeness and punctuation; different questions share
 * a topic word or a question word.
 */
const labelled: [a: string, b: string, same: boolean][] = [
  ['パリの首脳会合はいつ？', 'パリ首脳会合はいつ開かれた', true],
  ['有志連合の首脳会合はどこで開かれたか', '有志連合の首脳会合はどこで開かれましたか？', true],
  ['有志連合の首脳会合はどこで開かれたか', '首脳会合はどこで開催された？', true],
  ['ベネズエラの大統領は誰？', 'ベネズエラ大統領は誰ですか', true],
  ['安全の保証とは何か', '「安全の保証」とは何ですか？', true],
  ['停戦の条件は何', '停戦の条件は何ですか', true],
  ['Where was the summit held?', 'where was the summit held', true],
  ['When was the Paris summit?', 'when was the paris summit held?', true],
  ['ＵＳＡの関与は？', 'USAの関与は', true],
  ['米国はどう関与するのか', '米国はどのように関与するのか', true],
  ['パリの首脳会合はいつ？', 'パリの首脳会合はどこで？', false],
  ['首脳会合はいつ開かれた', '首脳会合はどこで開かれた', false],
  ['ベネズエラの大統領は誰？', 'ベネズエラの石油生産量は？', false],
  ['パリの首脳会合はいつ？', '選挙の結果はどうなった？', false],
  ['有志連合の首脳会合はどこで開かれたか', '有志連合に参加した国はいくつか', false],
  ['停戦の条件は何', '停戦はいつ始まる', false],
  ['Where was the summit held?', 'Who attended the summit?', false],
  ['安全の保証とは何か', '安全保障理事会の決議は', false],
  ['ウクライナの首都はどこ', 'ウクライナの人口は何人', false],
  ['ベネズエラの大統領は誰？', 'ウクライナの大統領は誰？', false],
  ['パリの首脳会合はいつ', 'ロンドンの首脳会合はいつ', false],
  ['When was the Paris summit?', 'When was the London summit?', false],
  ['首脳会合の共同声明の内容', '共同声明に署名した国', false],
  ['停戦合意の内容は', '停戦監視の方法は', false],
  ['原油価格は上がったか', '原油の輸出先はどこか', false],
];

describe('questionSimilarity', () => {
  it.each(labelled)('%s / %s: same question %s', (a, b, same) => {
    const score = questionSimilarity(a, b);
    if (same) expect(score).toBeGreaterThanOrEqual(groupingDefaults.threshold);
    else expect(score).toBeLessThan(groupingDefaults.threshold);
  });

  it('is symmetric and 1 for the same question written differently', () => {
    expect(questionSimilarity('首脳会合は、いつ？', '首脳会合はいつ')).toBe(1);
    for (const [a, b] of labelled) expect(questionSimilarity(a, b)).toBe(questionSimilarity(b, a));
  });

  it('calls questions asking for different things (when / where) different, whatever else they share', () => {
    expect(questionSimilarity('首脳会合はいつ開かれたのか', '首脳会合はどこで開かれたのか')).toBe(0);
  });
});

describe('normalizeForGrouping', () => {
  it.each([
    ['パリの首脳会合は、いつ？ ', 'パリの首脳会合はいつ'],
    ['「安全の保証」とは？', '安全の保証とは'],
    ['Where was the SUMMIT held?', 'wherewasthesummitheld'],
    ['ＵＳＡ　１２３', 'usa123'],
  ])('%s -> %s', (input, output) => {
    expect(normalizeForGrouping(input)).toBe(output);
  });
});

describe('groupSimilar', () => {
  it('groups paraphrases under the first one given and keeps unrelated questions apart', () => {
    const groups = groupSimilar(
      ['パリの首脳会合はいつ？', '選挙の結果は？', 'パリ首脳会合はいつ開かれた', 'パリの首脳会合はどこで？', 'パリ首脳会合はいつ'],
      (text) => text,
    );
    expect(groups).toEqual([
      ['パリの首脳会合はいつ？', 'パリ首脳会合はいつ開かれた', 'パリ首脳会合はいつ'],
      ['選挙の結果は？'],
      ['パリの首脳会合はどこで？'],
    ]);
  });

  it('does not chain: a question is compared with each group leader, not with the last member', () => {
    // Each step is a paraphrase of the one before; the two ends are not.
    const chain = ['首脳会合の開催地と日程', '首脳会合の開催地と日程と議題', '会合の開催地と日程と議題と参加国', '開催地と日程と議題と参加国と声明'];
    for (let i = 1; i < chain.length; i++) expect(questionSimilarity(chain[i - 1]!, chain[i]!)).toBeGreaterThanOrEqual(groupingDefaults.threshold);
    expect(questionSimilarity(chain[0]!, chain[3]!)).toBeLessThan(groupingDefaults.threshold);
    expect(groupSimilar(chain, (text) => text)).toEqual([chain.slice(0, 3), [chain[3]]]);
  });

  it('keeps the items given, with their data, and handles an empty list and blank texts', () => {
    const items = [{ text: '首脳会合はいつ', n: 3 }, { text: '', n: 1 }, { text: '首脳会合はいつ？', n: 2 }];
    expect(groupSimilar(items, (item) => item.text)).toEqual([[items[0], items[2]], [items[1]]]);
    expect(groupSimilar([], (text: string) => text)).toEqual([]);
  });
});
