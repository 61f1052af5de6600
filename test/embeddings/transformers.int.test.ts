import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKijiError } from '../../src/errors.js';
import type { Embedder } from '../../src/embeddings/embedder.js';
import { loadEmbedder } from '../../src/embeddings/transformers.js';

// Committed output of scripts/make-test-model.ts: loaded through the real transformers.js pipeline.
const MODEL = path.resolve('test/fixtures/model/kiji-test-char');
const DIMENSION = 32;

// Paragraphs of the seed article (data/articles/reuters-2026-01-06.txt), copied so the test does not move with the data folder.
const PARIS = '有志連合はこの日、パリで首脳会合を開催。共同声明によると、安全の保証にはロシアが再び攻撃した場合にウクライナを支援する「拘束力のある約束」が含まれる。';
const DRONES = '具体的には、米国が主導する停戦監視・検証メカニズムに各国が参加することが盛り込まれた。当局者によると、米軍の派兵ではなく無人機(ドローン)や衛星などで監視する可能性が高いという。';
const OIL = '別のロシア筋は、ロシア政府は今回の軍事作戦をベネズエラの石油資源を掌握しようとする明確な試みだと見なしており、西側諸国の多くがその点を公然と批判していない点を指摘した。';
const MONROE = 'この高官が言及したのは、西半球における米国の支配を再確認し、同地域を米国の勢力圏と宣言した19世紀のモンロー主義を復活させようとするトランプ政権の意向のことだ。';
const ZELENSKY = 'ウクライナのゼレンスキー大統領は、今回の合意は「欧州と有志連合全体が真の安全保障のためにいかに真剣に取り組む用意があるかを示すものだ」と述べた。';
const PARAGRAPHS = [PARIS, DRONES, OIL, MONROE, ZELENSKY];

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let embedder: Embedder;
let passages: Float32Array[];

beforeAll(async () => {
  // No prefixes: 'query: ' would add the same ASCII letters to every question of this character model.
  embedder = await loadEmbedder({ model: MODEL, allowRemote: false, queryPrefix: '', passagePrefix: '' });
  passages = await embedder.embedPassages(PARAGRAPHS);
}, 60_000);

afterAll(async () => {
  await embedder?.dispose?.();
});

async function nearest(question: string): Promise<string> {
  const q = await embedder.embedQuery(question);
  const scores = passages.map((p) => dot(q, p));
  return PARAGRAPHS[scores.indexOf(Math.max(...scores))]!;
}

describe('loadEmbedder with the local test model', () => {
  it('discovers the dimension and returns unit vectors', () => {
    expect(embedder.dimension).toBe(DIMENSION);
    expect(embedder.modelId).toBe(MODEL);
    for (const v of passages) {
      expect(v).toHaveLength(DIMENSION);
      expect(dot(v, v)).toBeCloseTo(1, 4);
    }
  });

  it('is deterministic', async () => {
    const a = await embedder.embedQuery('ゼレンスキー大統領');
    const b = await embedder.embedQuery('ゼレンスキー大統領');
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('batches with progress, and padding in a batch does not change a vector', async () => {
    const small = await loadEmbedder({ model: MODEL, allowRemote: false, batchSize: 2, queryPrefix: '', passagePrefix: '' });
    const calls: [number, number][] = [];
    const batched = await small.embedPassages(PARAGRAPHS, (done, total) => calls.push([done, total]));
    await small.dispose?.();
    expect(calls).toEqual([[2, 5], [4, 5], [5, 5]]);
    const one = await embedder.embedPassages([PARAGRAPHS[1]!]);
    for (let i = 0; i < DIMENSION; i++) expect(batched[1]![i]).toBeCloseTo(one[0]![i]!, 5);
  });

  it.each([
    ['ベネズエラの石油資源', OIL, PARIS],
    ['有志連合の首脳会合はどこで開かれたか', PARIS, MONROE],
    ['無人機で停戦を監視する', DRONES, ZELENSKY],
    ['モンロー主義とトランプ政権', MONROE, DRONES],
    ['ゼレンスキー大統領は合意をどう評価したか', ZELENSKY, OIL],
  ])('a Japanese query %s shares more with the right paragraph than a wrong one', async (question, right, wrong) => {
    const q = await embedder.embedQuery(question);
    const score = (p: string) => dot(q, passages[PARAGRAPHS.indexOf(p)]!);
    expect(score(right)).toBeGreaterThan(score(wrong));
  });

  it.each([
    ['paris summit', PARIS],
    ['venezuela oil', OIL],
    ['drone', DRONES],
  ])('an English query %s reaches the Japanese paragraph through vectors alone', async (question, expected) => {
    expect(await nearest(question)).toBe(expected);
  });

  it('applies the query and passage prefixes', async () => {
    const prefixed = await loadEmbedder({ model: MODEL, allowRemote: false, queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    const q = await prefixed.embedQuery(PARIS);
    const [p] = await prefixed.embedPassages([PARIS]);
    await prefixed.dispose?.();
    expect(Array.from(q)).not.toEqual(Array.from(p!));
    expect(Array.from(await embedder.embedQuery(PARIS))).toEqual(Array.from(passages[0]!));
  });

  it('loads fp32 weights that agree with the q8 ones', async () => {
    const fp32 = await loadEmbedder({ model: MODEL, allowRemote: false, dtype: 'fp32', queryPrefix: '', passagePrefix: '' });
    const v = await fp32.embedQuery(PARIS);
    await fp32.dispose?.();
    expect(dot(v, passages[0]!)).toBeGreaterThan(0.99);
  });
});

describe('loadEmbedder failures', () => {
  it('reports MODEL_UNAVAILABLE without a network request when downloads are off', async () => {
    const { env } = await import('@huggingface/transformers');
    const realFetch = env.fetch;
    const requested: string[] = [];
    env.fetch = (async (url: string | URL | Request) => {
      requested.push(String(url));
      throw new Error('network disabled in test');
    }) as typeof env.fetch;
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'kiji-cache-'));
    try {
      const error = await loadEmbedder({ model: 'kiji-test/no-such-model', cacheDir, allowRemote: false }).catch((e: unknown) => e);
      expect(isKijiError(error, 'MODEL_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain('kiji-test/no-such-model');
      expect(isKijiError(error) && error.hint).toMatch(/keyword-only/);
      expect(requested).toEqual([]);
    } finally {
      env.fetch = realFetch;
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('reports MODEL_UNAVAILABLE for a local folder without model files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kiji-empty-model-'));
    try {
      const error = await loadEmbedder({ model: dir, allowRemote: true }).catch((e: unknown) => e);
      expect(isKijiError(error, 'MODEL_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a batch size out of range', async () => {
    const error = await loadEmbedder({ model: MODEL, batchSize: 0 }).catch((e: unknown) => e);
    expect(isKijiError(error, 'BAD_ARGUMENT')).toBe(true);
  });
});
