import { describe, expect, it } from 'vitest';
import { conversationSubject, withSubject } from '../../src/retrieval/conversation-subject.js';

describe('conversationSubject', () => {
  it('is what the earlier question shares with the cited titles, longest stretches only', () => {
    expect(conversationSubject(['コンゴ共和国の住民の内、何パーセントがコンゴ人か'], ['コンゴ共和国'])).toEqual(['コンゴ共和国']);
    expect(conversationSubject(['楽団員からはマーラーのどんな態度が嫌われたか'], ['グスタフ・マーラー'])).toEqual(['マーラー']);
    // Two parts with only の between them in the question are one name, as asked.
    expect(conversationSubject(['有志連合の首脳会合はどこで開かれたか'], ['ウクライナ有志連合、パリで首脳会合', '原油相場'])).toEqual(['有志連合の首脳会合']);
    expect(conversationSubject(['有志連合はパリの首脳会合で何を決めたか'], ['ウクライナ有志連合、パリで首脳会合'])).toEqual(['有志連合', 'パリの首脳会合']);
  });

  it('leaves out kana-only and one-letter overlaps, and parts inside a longer part', () => {
    // の, は, か and が are in the title too; they name nothing.
    expect(conversationSubject(['日本のウィキデータはいつ始まったか、そのデータは'], ['ウィキデータのはか'])).toEqual(['ウィキデータ']);
    expect(conversationSubject(['それはいつか'], ['それはいつかの話'])).toEqual([]);
  });

  it('matches English words whole, case- and width-insensitively, without stop words', () => {
    expect(conversationSubject(['Where was the Coalition summit held?'], ['Coalition summit in Paris'])).toEqual(['coalition summit']);
    // "other" holds "the"; "heldout" holds "held": neither is a word of the title.
    expect(conversationSubject(['Where was it held?'], ['The other heldout story'])).toEqual([]);
    expect(conversationSubject(['ＮＡＴＯの会合は'], ['NATO首脳会議'])).toEqual(['nato']);
  });

  it('comes from the newest earlier question that names one, one that points back itself last', () => {
    expect(conversationSubject(['ポルトガルの首都は', 'それはいつか'], ['ポルトガル', 'リズム'])).toEqual(['ポルトガル']);
    expect(conversationSubject(['ポルトガルの首都は', 'リズムとは何か'], ['ポルトガル', 'リズム'])).toEqual(['リズム']);
    const title = 'ウクライナ有志連合、「安全の保証」で合意';
    const pointsBack = (q: string) => q.startsWith('それ');
    expect(conversationSubject(['有志連合の会合はどこか', 'それは何で合意したのか'], [title], pointsBack)).toEqual(['有志連合']);
    // Without an older one, what it shares (its particle dropped) is all there is.
    expect(conversationSubject(['それは何で合意したのか'], [title], pointsBack)).toEqual(['合意']);
  });

  it('is nothing without titles or earlier questions', () => {
    expect(conversationSubject(['コンゴ共和国の首都は'], [])).toEqual([]);
    expect(conversationSubject([], ['コンゴ共和国'])).toEqual([]);
  });
});

describe('withSubject', () => {
  it('puts the subject where the question points back at it', () => {
    expect(withSubject('その首都はどこか', ['コンゴ共和国'])).toBe('コンゴ共和国の首都はどこか');
    expect(withSubject('それはいつ建国が宣言されたか', ['ルガンスク人民共和国'])).toBe('ルガンスク人民共和国はいつ建国が宣言されたか');
    expect(withSubject('彼女は何を述べたか', ['首相'])).toBe('首相は何を述べたか');
    expect(withSubject('同国の大統領は', ['フランス'])).toBe('フランスの大統領は');
  });

  it('adds it after a question with no such word, and not when the question names it already', () => {
    expect(withSubject('what did France say about it?', ['coalition summit'])).toBe('what did France say about it? coalition summit');
    expect(withSubject('米国は？', ['有志連合', '首脳会合'])).toBe('米国は？ 有志連合 首脳会合');
    expect(withSubject('有志連合のそれは', ['有志連合'])).toBe('有志連合のそれは');
  });

  it('does not read それぞれ or その他 as pointing back', () => {
    expect(withSubject('それぞれの国は', ['NATO'])).toBe('それぞれの国は NATO');
    expect(withSubject('その他の国は', ['NATO'])).toBe('その他の国は NATO');
  });
});
