import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchModelOptions, makeBenchModel } from '../../scripts/make-bench-model.js';
import { loadEmbedder } from '../../src/embeddings/transformers.js';

// The bench model's code path at a size that builds in well under a second: same graph, quantizer
// and tokenizer as the full e5-small shape, fewer and narrower layers.
const SMALL: Partial<BenchModelOptions> = { layers: 2, hidden: 32, heads: 4, intermediate: 64, vocabSize: 1200, tokenizerSize: 1000, maxPositions: 128, passages: 5, queries: 3 };
const TEXTS = ['パリで首脳会合が開かれた。', '石油の価格が上がった。', '東京の天気は晴れです。'];

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kiji-bench-model-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('make-bench-model (reduced size)', () => {
  let model: string;
  let texts: string;
  beforeAll(async () => {
    model = await tempDir();
    texts = await tempDir();
    makeBenchModel(model, texts, SMALL);
  });

  it('writes a Hugging Face layout and the same bytes on every run', async () => {
    const files = await listFiles(model);
    expect(files).toEqual(['config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(await listFiles(texts)).toEqual(['passages.json', 'queries.json']);
    const [again, againTexts] = [await tempDir(), await tempDir()];
    makeBenchModel(again, againTexts, SMALL);
    for (const f of files) expect(Buffer.compare(await readFile(path.join(model, f)), await readFile(path.join(again, f))), f).toBe(0);

    const config = JSON.parse(await readFile(path.join(model, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'bert', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 1200 });
    const tokenizer = JSON.parse(await readFile(path.join(model, 'tokenizer.json'), 'utf8'));
    expect(tokenizer.model.type).toBe('Unigram');
    expect(tokenizer.model.vocab).toHaveLength(1000);
    expect(tokenizer.added_tokens.at(-1)).toMatchObject({ id: 999, content: '<mask>' });
    const passages = JSON.parse(await readFile(path.join(texts, 'passages.json'), 'utf8')) as string[];
    expect(passages).toHaveLength(5);
    for (const p of passages) expect(p).toMatch(/^passage: .{149}。$/u);
  });

  it('loads through loadEmbedder as fp32 and q8, with unit vectors the two agree on', async () => {
    const vectors: Record<string, Float32Array[]> = {};
    for (const dtype of ['fp32', 'q8'] as const) {
      const embedder = await loadEmbedder({ model, allowRemote: false, dtype });
      try {
        expect(embedder.dimension).toBe(32);
        vectors[dtype] = await embedder.embedPassages(TEXTS);
      } finally {
        await embedder.dispose?.();
      }
      for (const v of vectors[dtype]!) {
        expect(v.every(Number.isFinite)).toBe(true);
        expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      }
    }
    // int8 weights and activations approximate the fp32 graph: same direction, not the same numbers.
    TEXTS.forEach((_, i) => {
      const agreement = cosine(vectors.fp32![i]!, vectors.q8![i]!);
      expect(agreement).toBeGreaterThan(0.98);
      expect(agreement).toBeLessThan(1);
    });
    expect(cosine(vectors.fp32![0]!, vectors.fp32![1]!)).toBeLessThan(0.999);
  });

  it('masks padding: a short text padded beside a long one embeds as it does alone', async () => {
    const embedder = await loadEmbedder({ model, allowRemote: false, dtype: 'fp32' });
    try {
      const [alone] = await embedder.embedPassages([TEXTS[2]!]);
      const [padded] = await embedder.embedPassages([TEXTS[2]!, TEXTS[0]!.repeat(6)]);
      expect(cosine(alone!, padded!)).toBeGreaterThan(0.99999);
    } finally {
      await embedder.dispose?.();
    }
  });
});
