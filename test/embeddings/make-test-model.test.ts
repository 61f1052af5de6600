import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTestModel, testModelDefaults } from '../../scripts/make-test-model.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('make-test-model', () => {
  it('writes the same bytes on every run', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => mkdtemp(path.join(tmpdir(), 'kiji-model-'))));
    dirs.push(a!, b!);
    makeTestModel(a);
    makeTestModel(b);
    const files = await listFiles(a!);
    expect(files).toEqual(['config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect(await listFiles(b!)).toEqual(files);
    for (const f of files) {
      expect(Buffer.compare(await readFile(path.join(a!, f)), await readFile(path.join(b!, f))), f).toBe(0);
    }
  });

  it('writes the committed fixture, byte for byte, from the files in the repository', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kiji-model-'));
    dirs.push(dir);
    const { sources } = makeTestModel(dir);
    expect(sources).toEqual(['data/articles/reuters-2026-01-06.txt', 'data/eval/seed-dev.jsonl']);
    const files = await listFiles(dir);
    expect(await listFiles(testModelDefaults.outDir)).toEqual(files);
    for (const f of files) {
      expect(Buffer.compare(await readFile(path.join(dir, f)), await readFile(path.join(testModelDefaults.outDir, f))), f).toBe(0);
    }
  });

  it('stays small enough to commit and matches its config', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kiji-model-'));
    dirs.push(dir);
    const { vocabSize, bytes } = makeTestModel(dir);
    expect(bytes).toBeLessThan(200 * 1024);
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'bert', hidden_size: testModelDefaults.dimension, vocab_size: vocabSize });
    const vocab = JSON.parse(await readFile(path.join(dir, 'tokenizer.json'), 'utf8')).model.vocab as Record<string, number>;
    expect(Object.keys(vocab)).toHaveLength(vocabSize);
    for (const token of ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'パ', 'リ', '首', 'paris', 'summit', 'a', '##a', '7']) {
      expect(vocab, token).toHaveProperty([token]);
    }
  });
});
