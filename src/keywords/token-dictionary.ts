/**
 * One channel's dictionary while a keyword index is built: token -> term id.
 *
 * Nearly every token is one or two UTF-16 units (character bigrams, single kanji, most words): those
 * are looked up by their units, a one-unit token in a direct table and a two-unit one as a 32-bit key
 * in an open-addressing table, without hashing a string. Longer tokens go to a Map. Written here
 * rather than taken from a library: it is ~60 lines, and a general hash map would hash the string
 * again, which is the cost it removes.
 */
export class TokenDictionary {
  private readonly single = new Int32Array(65536).fill(-1);
  private keys = new Uint32Array(1 << 12);
  private values = new Int32Array(1 << 12).fill(-1);
  private pairs = 0;
  /** 32 - log2 of the table size: the product bits that index it. */
  private shift = 20;
  private readonly long = new Map<string, number>();

  /** The id of `token`, or -1 when it has none. */
  get(token: string): number {
    if (token.length === 1) return this.single[token.charCodeAt(0)] as number;
    if (token.length === 2) {
      const key = ((token.charCodeAt(0) << 16) | token.charCodeAt(1)) >>> 0;
      return this.values[this.slot(key)] as number;
    }
    return this.long.get(token) ?? -1;
  }

  /** Gives `token` (which has no id yet) the id `id`. */
  set(token: string, id: number): void {
    if (token.length === 1) {
      this.single[token.charCodeAt(0)] = id;
    } else if (token.length === 2) {
      if (2 * (this.pairs + 1) > this.keys.length) this.grow();
      const key = ((token.charCodeAt(0) << 16) | token.charCodeAt(1)) >>> 0;
      const at = this.slot(key);
      this.keys[at] = key;
      this.values[at] = id;
      this.pairs++;
    } else {
      this.long.set(token, id);
    }
  }

  /** Where `key` is, or the empty slot where it would go (linear probing; the table is at most half full). */
  private slot(key: number): number {
    const mask = this.keys.length - 1;
    // The product's high bits: its low ones depend only on the key's low bits (a bigram's second unit).
    let at = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while ((this.values[at] as number) >= 0 && this.keys[at] !== key) at = (at + 1) & mask;
    return at;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.values = new Int32Array(values.length * 2).fill(-1);
    this.shift--;
    for (let i = 0; i < keys.length; i++) {
      const id = values[i] as number;
      if (id < 0) continue;
      const at = this.slot(keys[i] as number);
      this.keys[at] = keys[i] as number;
      this.values[at] = id;
    }
  }
}
