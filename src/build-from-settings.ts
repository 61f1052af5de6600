/**
 * The settings turned into an embedder and an index build: what the library (library.ts) and the
 * build's child process (store/build-worker.ts) both need, in a module neither of them is.
 */
import type { Settings } from './config/settings.js';
import type { Embedder } from './embeddings/embedder.js';
import { loadEmbedder } from './embeddings/transformers.js';
import { buildIndex, type ModelKey } from './store/build.js';
import type { BuildReport } from './index-types.js';
import { ErrorCodes, KijiError, describeError, isKijiError } from './errors.js';

export type Log = (line: string) => void;

/** The model the settings ask for, or undefined when semantic search is turned off. */
export function modelKey(settings: Settings): ModelKey | undefined {
  return settings.semantic === 'off' ? undefined : { id: settings.model, dtype: settings.modelDtype };
}

/**
 * Loads the embedding model once; on failure semantic search is off for the process and the
 * reason is logged once, with what to do about it.
 */
export async function openEmbedder(settings: Settings, log: Log): Promise<{ embedder?: Embedder; semanticOff?: string }> {
  if (settings.semantic === 'off') return { semanticOff: 'SEMANTIC_SEARCH=off' };
  try {
    return { embedder: await embedderLoader(settings)() };
  } catch (error) {
    if (!isKijiError(error, ErrorCodes.MODEL_UNAVAILABLE)) throw error;
    const reason = describeError(error);
    log(`Semantic search is off, keyword search only: ${reason}`);
    return { semanticOff: reason };
  }
}

/** The loader the settings describe (without loading anything yet). */
function embedderLoader(settings: Settings): () => Promise<Embedder> {
  return () =>
    loadEmbedder({
      model: settings.model,
      cacheDir: settings.modelCacheDir,
      allowRemote: settings.allowRemoteModels,
      dtype: settings.modelDtype,
    });
}

/**
 * Build (or incrementally update) the index the settings name. The model is loaded only when
 * something needs embedding; pass `embedder` to reuse a loaded one, or `semanticOff` when it is
 * already known not to load. The reason semantic search is off comes back in the report.
 */
export async function buildFromSettings(
  settings: Settings,
  options: { log?: Log; onProgress?: (done: number, total: number) => void; embedder?: Embedder; semanticOff?: string } = {},
): Promise<BuildReport> {
  const model = modelKey(settings);
  const { embedder, semanticOff } = options;
  return buildIndex({
    articlesPath: settings.articlesPath,
    articleMaxBytes: settings.articleMaxBytes,
    indexDir: settings.indexDir,
    ...(model ? { model } : {}),
    getEmbedder: embedder
      ? async () => embedder
      : semanticOff
        ? async () => Promise.reject(new KijiError(ErrorCodes.MODEL_UNAVAILABLE, semanticOff))
        : embedderLoader(settings),
    ...(options.log ? { log: options.log } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}
