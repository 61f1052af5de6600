import { describe, expect, it } from 'vitest';
import { TokenDictionary } from '../../src/keywords/token-dictionary.js';

describe('TokenDictionary', () => {
  it('gives back every id it was given, as a Map does, across one-, two- and longer-unit tokens', () => {
    let seed = 3;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    // Units from every range the tables split on: ASCII, kana and kanji, surrogates, the top of the BMP.
    const units = [0x61, 0x7a, 0x3042, 0x30a2, 0x4e00, 0x6771, 0x9fff, 0xd83d, 0xde00, 0xfffe, 0xffff];
    const unit = (): string => String.fromCharCode(random(2) === 0 ? units[random(units.length)]! : 1 + random(0xffff));
    const reference = new Map<string, number>();
    const dictionary = new TokenDictionary();
    // Far past the two-unit table's first size, so it grows several times.
    for (let i = 0; i < 60_000; i++) {
      const length = [1, 2, 2, 2, 3, 5][random(6)]!;
      const token = Array.from({ length }, unit).join('');
      const known = reference.get(token);
      expect(dictionary.get(token)).toBe(known ?? -1);
      if (known === undefined) {
        reference.set(token, reference.size);
        dictionary.set(token, reference.size - 1);
      }
    }
    for (const [token, id] of reference) expect(dictionary.get(token)).toBe(id);
    expect(dictionary.get('東')).toBe(reference.get('東') ?? -1);
    expect(dictionary.get('未知の語')).toBe(-1);
  });

  it('tells apart two-unit tokens that share a unit or swap their units', () => {
    const dictionary = new TokenDictionary();
    dictionary.set('東京', 0);
    dictionary.set('京東', 1);
    dictionary.set('東', 2);
    dictionary.set('\uD83D\uDE00', 3);
    expect([dictionary.get('東京'), dictionary.get('京東'), dictionary.get('東'), dictionary.get('京'), dictionary.get('\uD83D\uDE00'), dictionary.get('\uDE00\uD83D')]).toEqual([0, 1, 2, -1, 3, -1]);
  });
});
