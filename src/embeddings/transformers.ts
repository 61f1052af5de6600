import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { KijiError } from '../errors.js';
import { modelDefaults, type EmbedderDtype } from '../config/defaults.js';
import type { Embedder } from './embedder.js';

export interface EmbedderOptions {
  /** Hugging Face id (e.g. 'Xenova/multilingual-e5-small') or a path to a local model folder. */
  model: string;
  /** Where downloaded models are kept; reused offline once filled. */
  cacheDir: string;
  /** false: never touch the network; the model must be cached or local. */
  allowRemote: boolean;
  /** ONNX weights to load; 'q8' picks onnx/model_quantized.onnx (4x smaller and faster on CPU than fp32). */
  dtype: EmbedderDtype;
  /** Texts per model call, 1-256; larger batches pad more and use more memory. */
  batchSize: number;
  /** Prepended to questions; E5 models were trained with 'query: '. */
  queryPrefix: string;
  /** Prepended to passages; E5 models were trained with 'passage: '. */
  passagePrefix: string;
}

export const embedderDefaults: EmbedderOptions = {
  ...modelDefaults,
  allowRemote: true,
  batchSize: 16,
  queryPrefix: 'query: ',
  passagePrefix: 'passage: ',
};

/** The slice of the transformers.js pipeline kiji uses; its full types are large and not needed here. */
interface FeatureExtractor {
  (texts: string[], options: { pooling: 'mean'; normalize: boolean }): Promise<{ dims: number[]; data: Float32Array }>;
  dispose(): Promise<void>;
}

/**
 * Loads a sentence-embedding model through transformers.js (ONNX Runtime on CPU). The library
 * is imported here, on first use, so keyword-only runs never load onnxruntime.
 *
 * @example
 * const e = await loadEmbedder({ model: 'test/fixtures/model/kiji-test-char', allowRemote: false });
 * e.dimension;                       // 32
 * await e.embedQuery('パリの首脳会合'); // Float32Array(32), L2 norm 1
 *
 * @throws KijiError MODEL_UNAVAILABLE when the library or the model cannot be loaded.
 */
export async function loadEmbedder(options: Partial<EmbedderOptions> = {}): Promise<Embedder> {
  const o: EmbedderOptions = { ...embedderDefaults, ...options };
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 256) {
    throw new KijiError('BAD_ARGUMENT', `Embedding batch size must be an integer from 1 to 256, got ${o.batchSize}.`);
  }
  const localDir = asLocalFolder(o.model);
  // An absolute path never looks like an HF id to transformers.js, so it is read from disk as is
  // and never requested from the Hub (a relative 'a/b' would be taken for a repo id).
  const modelRef = localDir ?? o.model;
  const unavailable = (cause: unknown) => modelUnavailable(o, localDir, cause);
  // Known without importing transformers.js (seconds of start-up): a re-run offline can tell at once.
  if (!localDir && !o.allowRemote && !existsSync(path.join(o.cacheDir, o.model, 'config.json'))) {
    throw unavailable(new Error(`${path.join(o.cacheDir, o.model)} holds no config.json`));
  }

  let transformers: typeof import('@huggingface/transformers');
  try {
    transformers = await import('@huggingface/transformers');
  } catch (cause) {
    throw new KijiError('MODEL_UNAVAILABLE', `Could not load the transformers.js library (${shortCause(cause)}).`, {
      hint: 'Run `npm ci` to reinstall it (onnxruntime-node ships its CPU binaries inside the package), or run keyword-only.',
      cause,
    });
  }
  // env is process-wide in transformers.js: two loads with different settings must not run concurrently.
  const { env } = transformers;
  env.cacheDir = o.cacheDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = o.allowRemote;

  let extractor: FeatureExtractor;
  try {
    extractor = (await transformers.pipeline('feature-extraction', modelRef, {
      dtype: o.dtype,
      device: 'cpu',
      cache_dir: o.cacheDir,
      local_files_only: localDir !== undefined || !o.allowRemote,
    })) as unknown as FeatureExtractor;
  } catch (cause) {
    throw unavailable(cause);
  }

  const run = async (texts: string[]): Promise<Float32Array[]> => {
    const out = await extractor(texts, { pooling: 'mean', normalize: true });
    const [rows, dim] = out.dims;
    if (out.dims.length !== 2 || rows !== texts.length || dim === undefined) {
      throw new KijiError('DIMENSION_MISMATCH', `Model ${o.model} returned shape [${out.dims}] for ${texts.length} texts; expected [${texts.length}, dim].`, {
        hint: 'The model must be a sentence-embedding model whose output is last_hidden_state [batch, seq, dim].',
      });
    }
    return Array.from({ length: rows }, (_, i) => out.data.slice(i * dim, (i + 1) * dim));
  };

  // One probe call fixes the dimension and proves the model runs before anything is indexed with it.
  let dimension: number;
  try {
    const [probe] = await run([o.queryPrefix + 'probe']);
    dimension = probe!.length;
  } catch (cause) {
    await extractor.dispose().catch(() => undefined);
    throw cause instanceof KijiError ? cause : unavailable(cause);
  }

  const checked = async (texts: string[]): Promise<Float32Array[]> => {
    const vectors = await run(texts);
    for (const v of vectors) {
      if (v.length !== dimension) {
        throw new KijiError('DIMENSION_MISMATCH', `Model ${o.model} returned a ${v.length}-dimensional vector after ${dimension}-dimensional ones.`, {
          hint: 'Reload the model; if it persists, the model files are inconsistent: delete them from the cache and download again.',
        });
      }
    }
    return vectors;
  };

  return {
    modelId: o.model,
    dimension,
    async embedPassages(texts, onProgress) {
      // A batch is padded to its longest text, so batching texts of similar length wastes
      // far less compute on padding; results go back in input order.
      const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
      const vectors = new Array<Float32Array>(texts.length);
      let done = 0;
      for (let start = 0; start < order.length; start += o.batchSize) {
        const indices = order.slice(start, start + o.batchSize);
        const batch = await checked(indices.map((i) => o.passagePrefix + texts[i]!));
        indices.forEach((i, j) => (vectors[i] = batch[j]!));
        done += indices.length;
        onProgress?.(done, texts.length);
      }
      return vectors;
    },
    async embedQuery(text) {
      const [vector] = await checked([o.queryPrefix + text]);
      return vector!;
    },
    async dispose() {
      await extractor.dispose();
    },
  };
}

/** The absolute path when `model` names an existing folder, else undefined (then it is an HF id). */
function asLocalFolder(model: string): string | undefined {
  const resolved = path.resolve(model);
  return existsSync(resolved) && statSync(resolved).isDirectory() ? resolved : undefined;
}

function modelUnavailable(o: EmbedderOptions, localDir: string | undefined, cause: unknown): KijiError {
  const where = localDir ? `from the folder ${localDir}` : o.allowRemote ? `(cache ${o.cacheDir})` : `from the cache ${o.cacheDir} (downloads are off)`;
  const hint = localDir
    ? 'Check that the folder holds config.json, tokenizer.json, tokenizer_config.json and onnx/model_quantized.onnx (for dtype q8), or run keyword-only.'
    : `Connect to the internet once with downloads allowed to fill ${o.cacheDir}, or set EMBEDDING_MODEL to a local model folder, or run keyword-only.`;
  return new KijiError('MODEL_UNAVAILABLE', `Could not load embedding model ${o.model} ${where}: ${shortCause(cause)}.`, { hint, cause });
}

function shortCause(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const line = text.split('\n')[0]!.trim().replace(/\.$/, '');
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
