import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadArticles } from '../../src/articles/load.js';
import { toPassages, passageEmbeddingText } from '../../src/passages/chunk.js';
import { buildIndex } from '../../src/store/build.js';
import { loadEmbedder, embedderDefaults } from '../../src/embeddings/transformers.js';
import { readJsquad } from './synthetic.js';
import { benchModelDefaults } from '../make-bench-model.js';
import { median, round } from './stats.js';

export const benchModel = benchModelDefaults.outDir;

/** Why the e5-shaped bench model cannot be used, or undefined when it can. */
export function benchModelMissing(): string | undefined {
  const need = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
  const missing = need.filter((f) => !fs.existsSync(path.join(benchModel, f)));
  return missing.length === 0
    ? undefined
    : `skipped: the e5-shaped bench model is not in ${path.relative(process.cwd(), benchModel) || '.'} (missing ${missing.join(', ')}); build it with "npx tsx scripts/make-bench-model.ts" (see docs/benchmarks.md)`;
}

/** A JSONL file of the first `paragraphs` JSQuAD paragraphs (whole articles), for the embed rows. */
export function jsquadSubset(paragraphs: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-bench-embed-'));
  const file = path.join(dir, 'articles.jsonl');
  const lines: string[] = [];
  let count = 0;
  for (const a of readJsquad()) {
    if (count >= paragraphs) break;
    lines.push(JSON.stringify(a));
    count += a.body.split(/\n\n+/).length;
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

export interface EmbedResult {
  skipped?: string;
  passages?: number;
  rounds?: number;
  kijiMs?: number[];
  bareMs?: number[];
  kijiPerSecond?: number;
  barePerSecond?: number;
  /** kiji's share of the run beyond the bare pipeline: 1 - bare/kiji. */
  overhead?: number;
}

/**
 * A full embed run (buildIndex: parse, chunk, hash, embed, HNSW, keyword index, atomic publish)
 * against the bare transformers.js pipeline on the very same texts with the same batch size,
 * alternating the two; models loaded once before timing.
 */
export async function benchEmbedding(paragraphs: number, rounds: number, log: (l: string) => void): Promise<EmbedResult> {
  const skipped = benchModelMissing();
  if (skipped) return { skipped };
  const articlesPath = jsquadSubset(paragraphs);
  const { articles } = await loadArticles(articlesPath);
  const texts = articles.flatMap((a) => toPassages(a)).map((p) => embedderDefaults.passagePrefix + passageEmbeddingText(p));
  const batchSize = embedderDefaults.batchSize;
  const embedder = await loadEmbedder({ model: benchModel, allowRemote: false, dtype: 'q8', batchSize });
  const { pipeline } = await import('@huggingface/transformers');
  const extractor = (await pipeline('feature-extraction', benchModel, { dtype: 'q8', device: 'cpu', local_files_only: true })) as unknown as (
    texts: string[],
    o: { pooling: 'mean'; normalize: boolean },
  ) => Promise<unknown>;
  await extractor(texts.slice(0, batchSize), { pooling: 'mean', normalize: true });
  const kijiMs: number[] = [];
  const bareMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const indexDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-bench-embed-index-'));
    let t = performance.now();
    const report = await buildIndex({ articlesPath, indexDir, model: { id: benchModel, dtype: 'q8' }, getEmbedder: async () => embedder });
    kijiMs.push(performance.now() - t);
    fs.rmSync(indexDir, { recursive: true, force: true });
    t = performance.now();
    for (let i = 0; i < texts.length; i += batchSize) await extractor(texts.slice(i, i + batchSize), { pooling: 'mean', normalize: true });
    bareMs.push(performance.now() - t);
    log(`  embed round ${r + 1}/${rounds}: kiji ${Math.round(kijiMs.at(-1)!)} ms, bare ${Math.round(bareMs.at(-1)!)} ms (${report.embedded} passages)`);
  }
  await embedder.dispose?.();
  const kiji = median(kijiMs);
  const bare = median(bareMs);
  return {
    passages: texts.length,
    rounds,
    kijiMs: kijiMs.map((x) => round(x, 0)),
    bareMs: bareMs.map((x) => round(x, 0)),
    kijiPerSecond: round((texts.length / kiji) * 1000, 1),
    barePerSecond: round((texts.length / bare) * 1000, 1),
    overhead: round(1 - bare / kiji, 4),
  };
}
