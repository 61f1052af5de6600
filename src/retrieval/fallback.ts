import type { Embedder } from '../embeddings/embedder.js';
import { ErrorCodes, KijiError, isKijiError } from '../errors.js';
import { searchIndex, type SearchTuning } from './search.js';
import type { SearchMode, SearchOptions, SearchResponse } from './types.js';
import { indexFiles } from '../store/manifest.js';
import type { LoadedIndex } from '../store/load.js';

/**
 * What is known to be damaged in a loaded index: found by its background check (load-checks.ts) or
 * by a search that failed on a file (a graph whose file changed on disk, a keyword or text file
 * that ended early). A damaged half is left out of searches; the other half answers until the index
 * is rebuilt and swapped.
 */
export interface Damage {
  /** The file's name in the build folder, or `search` when a search failed without naming one. */
  name: string;
  reason: string;
}

const damages = new WeakMap<LoadedIndex, Map<string, string>>();

function damageOf(index: LoadedIndex): Map<string, string> {
  let map = damages.get(index);
  if (!map) damages.set(index, (map = new Map()));
  return map;
}

/** Records damage; true when it is news (the caller then logs it and starts a repair). */
export function markDamaged(index: LoadedIndex, damage: Damage): boolean {
  const map = damageOf(index);
  if (map.has(damage.name)) return false;
  map.set(damage.name, damage.reason);
  return true;
}

/** Whether any damage is known. */
export function isDamaged(index: LoadedIndex): boolean {
  return (damages.get(index)?.size ?? 0) > 0;
}

type Half = 'keyword' | 'vector';

/** The halves a damaged file takes out of use; texts and the passage table take out both (no citation can be trusted). */
function halvesOf(name: string): Half[] {
  if (name === indexFiles.vectors) return ['vector'];
  if (name === indexFiles.keywords) return ['keyword'];
  return ['keyword', 'vector'];
}

function usable(index: LoadedIndex, embedder: Embedder | undefined, half: Half): boolean {
  for (const name of damages.get(index)?.keys() ?? []) if (halvesOf(name).includes(half)) return false;
  return half === 'keyword' || (index.vectors !== undefined && embedder !== undefined);
}

const halvesOfMode: Record<SearchMode, Half[]> = { hybrid: ['keyword', 'vector'], keyword: ['keyword'], vector: ['vector'] };

/**
 * `searchIndex`, answering with the half of the index that still works when the other is damaged:
 * the modes tried are the one asked for, then each half alone. A mode that fails on a damaged file
 * (INDEX_CORRUPT) while a later one answers marks the half only it used as damaged (`onDamage`
 * hears of it once). With no half left, INDEX_DAMAGED.
 */
export async function searchWithFallback(
  index: LoadedIndex,
  embedder: Embedder | undefined,
  question: string,
  options: SearchOptions,
  tuning: SearchTuning,
  onDamage: (damage: Damage) => void,
): Promise<SearchResponse> {
  const search = { index, embedder, question, options, tuning, onDamage };
  if (!isDamaged(index)) {
    try {
      return await searchIndex(index, embedder, question, options, tuning);
    } catch (error) {
      if (!isKijiError(error, ErrorCodes.INDEX_CORRUPT)) throw error;
      return fallBack(search, error);
    }
  }
  return fallBack(search, undefined);
}

interface Search {
  index: LoadedIndex;
  embedder: Embedder | undefined;
  question: string;
  options: SearchOptions;
  tuning: SearchTuning;
  onDamage: (damage: Damage) => void;
}

/** The modes left to try after the one asked for failed (`firstError`), or on an index already known to be damaged. */
async function fallBack(search: Search, firstError: KijiError | undefined): Promise<SearchResponse> {
  const { index, embedder, question, options, tuning, onDamage } = search;
  const requested = options.mode ?? 'hybrid';
  const failed: { halves: Half[]; error: KijiError }[] = firstError ? [{ halves: halvesOfMode[requested], error: firstError }] : [];
  const modes: SearchMode[] = [...(firstError ? [] : [requested]), ...(['keyword', 'vector'] as const).filter((m) => m !== requested)];
  for (const mode of modes) {
    const halves = halvesOfMode[mode];
    if (!halves.every((half) => usable(index, embedder, half))) continue;
    try {
      const response = await searchIndex(index, embedder, question, { ...options, mode }, tuning);
      for (const { halves: before, error } of failed) {
        for (const half of before.filter((h) => !halves.includes(h))) {
          const damage = { name: half === 'vector' ? indexFiles.vectors : indexFiles.keywords, reason: error.message };
          if (markDamaged(index, damage)) onDamage(damage);
        }
      }
      // Told like a search that could not use vectors: the answer is keyword search alone.
      return mode === 'keyword' && requested !== 'keyword' ? { ...response, semanticOff: true } : response;
    } catch (error) {
      if (!isKijiError(error, ErrorCodes.INDEX_CORRUPT)) throw error;
      failed.push({ halves, error });
    }
  }
  const cause = failed.at(-1)?.error;
  if (cause) {
    const damage = { name: 'search', reason: cause.message };
    if (markDamaged(index, damage)) onDamage(damage);
  }
  throw new KijiError(ErrorCodes.INDEX_DAMAGED, `The index in ${index.dir} is damaged (${[...damageOf(index).values()][0] ?? 'unknown'}); no part of it can answer until it is rebuilt.`, {
    hint: 'Rebuild it with `npm run embed` (the bot rebuilds it by itself; ask again in a moment).',
    ...(cause ? { cause } : {}),
  });
}
