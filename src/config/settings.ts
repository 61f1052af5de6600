import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { KijiError, ErrorCodes, Hints } from '../errors.js';
import { withoutUndefined } from '../util.js';
import { embedderDtypes, keywordBudgetDefaults, modelDefaults, articleLimits, type EmbedderDtype } from './defaults.js';

/** The project root, so relative defaults work from any working directory. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Settings {
  articlesPath: string;
  indexDir: string;
  model: string;
  modelCacheDir: string;
  allowRemoteModels: boolean;
  modelDtype: EmbedderDtype;
  semantic: 'auto' | 'off';
  k: number;
  /** Cosine similarity floor for a vector-only match; undefined: the model's default. */
  minSimilarity: number | undefined;
  /** Postings a keyword search reads in full lists (see `keywordBudgetDefaults`); 0: no limit, exact search. */
  keywordMaxPostings: number;
  /** Article files larger than this many bytes are reported and skipped (1 to `articleLimits.maxBytesCeiling`). */
  articleMaxBytes: number;
}

/**
 * Every setting of the retrieval core with its default and range. `.env` / the environment
 * override these (names in `envNames`); CLI flags override the environment.
 */
export const settingsDefaults: Readonly<Settings> = {
  /** Folder (or file) of articles: .txt (plain or digest), .md, .jsonl. */
  articlesPath: path.join(projectRoot, 'data', 'articles'),
  /** Folder holding the built index (manifest, passages, keyword and vector index). */
  indexDir: path.join(projectRoot, 'data', 'index'),
  /** Hugging Face model id, or a local folder laid out like one. */
  model: modelDefaults.model,
  /** Where downloaded models are cached. */
  modelCacheDir: modelDefaults.cacheDir,
  /** false: never download; use the cache or a local folder only. */
  allowRemoteModels: true,
  /** ONNX weights variant; q8 is the quantized model (v3+ would otherwise pick fp32 on Node). */
  modelDtype: modelDefaults.dtype,
  /** auto: semantic search when the model loads, keyword-only otherwise. off: keyword-only. */
  semantic: 'auto',
  /** Passages a search returns by default (1-25). */
  k: 5,
  minSimilarity: undefined,
  keywordMaxPostings: keywordBudgetDefaults.maxPostings,
  articleMaxBytes: articleLimits.maxBytes,
};

/** Environment variable for each setting (documented in .env.example). */
export const envNames = {
  articlesPath: 'ARTICLES_PATH',
  indexDir: 'INDEX_DIR',
  model: 'EMBEDDING_MODEL',
  modelCacheDir: 'MODEL_CACHE_DIR',
  allowRemoteModels: 'ALLOW_REMOTE_MODELS',
  modelDtype: 'EMBEDDING_DTYPE',
  semantic: 'SEMANTIC_SEARCH',
  k: 'DEFAULT_K',
  minSimilarity: 'MIN_SIMILARITY',
  keywordMaxPostings: 'KEYWORD_MAX_POSTINGS',
  articleMaxBytes: 'ARTICLE_MAX_BYTES',
} as const satisfies Record<keyof Settings, string>;

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const envSchema = z.object({
  articlesPath: z.string().min(1).optional(),
  indexDir: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  modelCacheDir: z.string().min(1).optional(),
  allowRemoteModels: booleanText.optional(),
  modelDtype: z.enum(embedderDtypes).optional(),
  semantic: z.enum(['auto', 'off']).optional(),
  k: z.coerce.number().int().min(1).max(25).optional(),
  minSimilarity: z.coerce.number().min(-1).max(1).optional(),
  keywordMaxPostings: z.coerce.number().int().min(0).optional(),
  articleMaxBytes: z.coerce.number().int().min(1).max(articleLimits.maxBytesCeiling).optional(),
});

/** A relative path in a setting is taken from the project root, as the README's examples assume. */
function resolvePath(value: string): string {
  return path.isAbsolute(value) ? value : path.resolve(projectRoot, value);
}

/**
 * Reads settings from an environment (default `process.env`, after `.env` was loaded by the entry point)
 * merged over `settingsDefaults`, then `overrides` (CLI flags). The only reader of the environment
 * for the retrieval core.
 */
export function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Settings> = {},
): Settings {
  const raw: Record<string, string | undefined> = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name]?.trim();
    if (value) raw[key] = value;
  }
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]) as keyof Settings;
    throw new KijiError(
      ErrorCodes.CONFIG_INVALID,
      `${envNames[key]}=${JSON.stringify(raw[key])} is not valid: ${issue.message}.`,
      { hint: Hints.fixEnv },
    );
  }
  const merged = { ...settingsDefaults, ...withoutUndefined(parsed.data), ...withoutUndefined(overrides) } as Settings;
  merged.articlesPath = resolvePath(merged.articlesPath);
  merged.indexDir = resolvePath(merged.indexDir);
  merged.modelCacheDir = resolvePath(merged.modelCacheDir);
  // A model given as a relative path that exists locally is a folder, not a hub id.
  if (merged.model.startsWith('.') || merged.model.startsWith('/')) merged.model = resolvePath(merged.model);
  return merged;
}
