import { describe, expect, it } from 'vitest';
import { KEYWORD_FORMAT_VERSION, KeywordIndex, RELEVANT_COVERAGE, keywordDefaults, type KeywordDoc } from '../../src/keywords/bm25.js';
import { isKijiError } from '../../src/errors.js';

const docs: KeywordDoc[] = [
  { id: 'ukr#1', title: 'ウクライナ有志連合', text: '有志連合はこの日、パリで首脳会合を開催した。' },
  { id: 'ukr#2', title: 'ウクライナ有志連合', text: 'フランスと英国は停戦合意後の多国籍軍派遣に関する宣言に署名した。' },
  { id: 'ven#1', title: 'ベネズエラを失うロシア', text: 'ロシアは中南米で同盟国を失った。ベネズエラの石油資源を掌握しようとする試みだ。' },
  { id: 'ven#2', title: 'ベネズエラを失うロシア', section: '背景', text: 'プーチン氏は旧ソ連諸国でロシアの勢力圏を確立しようとした。' },
  { id: 'rain#1', title: '梅雨', text: '梅雨は北海道と小笠原諸島を除く日本でみられる雨季の一種である。' },
];

function corruptCode(bytes: Uint8Array): string | undefined {
  try {
    KeywordIndex.deserialize(bytes);
    return undefined;
  } catch (error) {
    return isKijiError(error) ? error.code : `raw ${String(error)}`;
  }
}

/** What searching a loadable index fails with, undefined when it answers. */
function searchCode(bytes: Uint8Array): string | undefined {
  try {
    KeywordIndex.deserialize(bytes).search('有志連合の首脳会合', 5);
    return undefined;
  } catch (error) {
    return isKijiError(error) ? error.code : `raw ${String(error)}`;
  }
}

describe('KeywordIndex search', () => {
  const index = KeywordIndex.build(docs);

  it.each([
    ['有志連合の首脳会合はどこで開かれたか', 'ukr#1'],
    ['フランスとイギリスが署名した宣言の内容は', 'ukr#2'],
    ['ロシアは米国のベネズエラ作戦を石油目的と見ているか', 'ven#1'],
    ['プーチンは旧ソ連諸国で何をしようとしたか', 'ven#2'],
    ['日本で梅雨がないのは北海道とどこか。', 'rain#1'],
  ])('%s -> %s', (question, expected) => {
    expect(index.search(question, 3)[0]?.id).toBe(expected);
  });

  it('returns at most k results, sorted, all with a positive score and coverage in 0-1', () => {
    const results = index.search('ロシアとウクライナの有志連合', 3);
    expect(results.length).toBeGreaterThan(0);
    expect(results.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < results.length; i++) {
      expect(results[i - 1]!.score).toBeGreaterThanOrEqual(results[i]!.score);
    }
    for (const r of results) {
      expect(r.score).toBeGreaterThan(0);
      expect(r.coverage).toBeGreaterThan(0);
      expect(r.coverage).toBeLessThanOrEqual(1 + 1e-6);
    }
  });

  it('finds nothing for text it has never seen, and nothing for k = 0', () => {
    expect(index.search('sourdough', 5)).toEqual([]);
    expect(index.search('', 5)).toEqual([]);
    expect(index.search('有志連合', 0)).toEqual([]);
  });

  it('gives unanswerable questions low coverage and answerable ones high', () => {
    const answerable = index.search('有志連合の首脳会合はどこで開かれたか', 1)[0]!;
    const unanswerable = index.search('今日の株価はいくらですか', 1)[0];
    expect(answerable.coverage).toBeGreaterThanOrEqual(RELEVANT_COVERAGE);
    expect(unanswerable?.coverage ?? 0).toBeLessThan(RELEVANT_COVERAGE);
    expect(index.search('How do I bake sourdough bread?', 1)).toEqual([]);
  });

  it('searches the section and the title', () => {
    expect(index.search('背景', 1)[0]?.id).toBe('ven#2');
    expect(index.search('梅雨', 1)[0]?.id).toBe('rain#1');
  });

  it('finds every term of a dictionary where terms are prefixes of one another', () => {
    // The term lookup is a binary search over the sorted term bytes; a key that is a prefix of its
    // neighbour (x < xy < xyz) is where a wrong comparison of lengths goes astray.
    const words = ['x', 'xy', 'xyz', 'xyza', 'xz', 'y', 'yx', '東', '東京', '東京都', '京', '京都'];
    const prefixed = KeywordIndex.build(words.map((w, i) => ({ id: `w${i}`, text: `${w} ${'q'.repeat(i + 1)}` })));
    for (const [i, w] of words.entries()) expect(prefixed.search(`${w} ${'q'.repeat(i + 1)}`, 1)[0]?.id, w).toBe(`w${i}`);
  });

  it('reports its size and works empty', () => {
    expect(index.size).toBe(docs.length);
    const empty = KeywordIndex.build([]);
    expect(empty.size).toBe(0);
    expect(empty.search('有志連合', 5)).toEqual([]);
    expect(KeywordIndex.deserialize(empty.serialize()).size).toBe(0);
  });

  it('rejects bad options and ids with BAD_ARGUMENT', () => {
    for (const options of [{ k1: 5 }, { b: -1 }, { channels: [] }, { channels: [{ field: 'text' as const, analyzer: 'nope' as 'bigram', weight: 1 }] }]) {
      try {
        KeywordIndex.build(docs, options);
        expect.unreachable();
      } catch (error) {
        expect(isKijiError(error, 'BAD_ARGUMENT')).toBe(true);
      }
    }
    expect(() => KeywordIndex.build([{ id: 'a\0b', text: 'x' }])).toThrow();
    expect(() => index.search('x', -1)).toThrow();
  });
});

describe('KeywordIndex serialize', () => {
  const index = KeywordIndex.build(docs, { ...keywordDefaults, k1: 0.9 });
  const bytes = index.serialize();

  it('round-trips to an index that answers the same', () => {
    const copy = KeywordIndex.deserialize(bytes);
    expect(copy.size).toBe(index.size);
    expect(copy.settings).toEqual(index.settings);
    for (const question of ['有志連合の首脳会合', 'ロシアの勢力圏', '梅雨', 'ベネズエラ 石油']) {
      expect(copy.search(question, 5)).toEqual(index.search(question, 5));
    }
  });

  it('reads from an unaligned view inside a larger buffer', () => {
    const padded = new Uint8Array(bytes.byteLength + 3);
    padded.set(bytes, 1);
    const copy = KeywordIndex.deserialize(padded.subarray(1, 1 + bytes.byteLength));
    expect(copy.search('梅雨', 1)).toEqual(index.search('梅雨', 1));
  });

  it('throws INDEX_CORRUPT for every truncation, never a raw error', () => {
    for (let length = 0; length < bytes.byteLength; length++) {
      expect(corruptCode(bytes.subarray(0, length)), `truncated to ${length}`).toBe('INDEX_CORRUPT');
    }
  });

  it('throws INDEX_CORRUPT for trailing bytes, bad magic and another version', () => {
    const longer = new Uint8Array(bytes.byteLength + 4);
    longer.set(bytes);
    expect(corruptCode(longer)).toBe('INDEX_CORRUPT');
    const badMagic = bytes.slice();
    badMagic[0] = 0;
    expect(corruptCode(badMagic)).toBe('INDEX_CORRUPT');
    const otherVersion = bytes.slice();
    new DataView(otherVersion.buffer).setUint32(4, KEYWORD_FORMAT_VERSION + 1, true);
    expect(corruptCode(otherVersion)).toBe('INDEX_CORRUPT');
  });

  it('never fails with a raw error when any single byte is damaged, loading or searching', () => {
    for (let at = 0; at < bytes.byteLength; at++) {
      const damaged = bytes.slice();
      damaged[at] = (damaged[at]! + 0x5b) & 0xff;
      const code = corruptCode(damaged);
      // Some bytes (an impact, a doc id) change results without breaking structure; those may load, and
      // damage in a posting block is found when a search decodes it.
      expect([undefined, 'INDEX_CORRUPT']).toContain(code);
      if (code === undefined) expect(searchCode(damaged)).toBeOneOf([undefined, 'INDEX_CORRUPT']);
    }
  });
});

describe('KeywordIndex term frequencies', () => {
  it('counts term frequencies up to 65,535', () => {
    // Frequencies past 32,767 fill the high bit of the 16 a build keeps. Settings keep the frequencies
    // short of saturation, so 40,000 and 32,767 score apart: a cap at 32,767 would tie, a lost bit reverse.
    const often = 'パリ'.repeat(40_000);
    const filler: KeywordDoc[] = Array.from({ length: 1000 }, (_, i) => ({ id: `f${i}`, text: 'ロンドン' }));
    // Same length, so b = 1 scales both alike; the filler keeps the average length far below theirs.
    const body = KeywordIndex.build(
      [{ id: 'fewer', text: 'パリ'.repeat(32_767) + 'ー'.repeat(2 * (40_000 - 32_767)) }, { id: 'more', text: often }, ...filler],
      { channels: [{ field: 'text', analyzer: 'bigram', weight: 1 }], k1: 3, b: 1 },
    );
    const bodyHits = body.search('パリ', 2);
    expect(bodyHits.map((h) => h.id)).toEqual(['more', 'fewer']);
    expect(bodyHits[0]!.score / bodyHits[1]!.score).toBeGreaterThan(1.003);
  });
});
