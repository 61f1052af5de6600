import type { Embedder } from './embedder.js';

export const fakeEmbedderDefaults = {
  /** Any positive integer; small values make collisions (and so false similarity) more likely. */
  dimension: 64,
  modelId: 'fake-trigram',
} as const;

/**
 * A deterministic stand-in for a real model, for unit tests of modules that need vectors:
 * each character trigram (of the text padded with spaces) adds ±1 at a hashed position, and the
 * sum is L2-normalized. Texts sharing trigrams are close; no model, no native code.
 *
 * @example
 * const e = new FakeEmbedder({ dimension: 8 });
 * await e.embedQuery('パリで会合'); // Float32Array(8), length 1 (or all zeros for '')
 */
export class FakeEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  /** How many texts were embedded, so tests can check that unchanged passages are not re-embedded. */
  embedded = 0;

  constructor(options: { dimension?: number; modelId?: string } = {}) {
    const { dimension, modelId } = { ...fakeEmbedderDefaults, ...options };
    if (!Number.isInteger(dimension) || dimension < 1) {
      throw new RangeError(`FakeEmbedder dimension must be a positive integer, got ${dimension}.`);
    }
    this.dimension = dimension;
    this.modelId = modelId;
  }

  async embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]> {
    const vectors = texts.map((t) => this.vector(t));
    onProgress?.(texts.length, texts.length);
    return vectors;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.vector(text);
  }

  private vector(text: string): Float32Array {
    this.embedded++;
    const v = new Float32Array(this.dimension);
    const chars = [...` ${text.normalize('NFKC').toLowerCase()} `];
    for (let i = 0; i + 3 <= chars.length; i++) {
      const h = fnv1a(chars.slice(i, i + 3).join(''));
      // The top bit picks the sign, so unrelated trigrams cancel out on average instead of piling up.
      v[h % this.dimension]! += h & 0x80000000 ? -1 : 1;
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
    return v;
  }
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable, good enough spread for a fake. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
