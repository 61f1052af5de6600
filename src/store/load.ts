import path from 'node:path';
import { KeywordIndex } from '../keywords/bm25.js';
import { KEYWORD_FORMAT_VERSION } from '../keywords/index-file.js';
import { icuOfKeywordIndexKey, runningIcu } from './keyword-docs.js';
import { VectorStore } from '../vectors/hnsw-store.js';
import { BUILD_COMMAND, KijiError, ErrorCodes, Hints, describeWithoutHint } from '../errors.js';
import { corruptFile } from '../binary-file.js';
import { indexFiles, readIndexFile, readManifest, checkedIndexFile, expectedFileSize, type Manifest } from './manifest.js';
import { PassageTable } from './passage-table.js';
import { currentBuildDir } from './index-dir.js';
import type { ModelKey } from './build.js';
import { checkInBackground, checkLimits, leftOnDisk, verifyBeforeLoad, type BackgroundCheck } from './load-checks.js';
import { loadDelta, readSegments, SEGMENTS_FILE, type LoadedDelta, type SegmentsList } from './segments.js';
import { segmentSet, type SegmentSet } from './segment-set.js';

/** A built index in memory, ready to search. */
export interface LoadedIndex {
  dir: string;
  manifest: Manifest;
  table: PassageTable;
  keywords: KeywordIndex;
  /** Absent for a keyword-only index, or when semantic search is off. */
  vectors?: VectorStore;
  /** Passage row of each vector label (-1 for a free label). */
  rowOfLabel: Int32Array;
  /** Why the vector half is not in use, when it is not. */
  semanticOff?: string;
  /** The check of the files left on disk, running after the load (see load-checks.ts). */
  backgroundCheck?: BackgroundCheck;
  /**
   * The delta segments over this build (segments.ts), when its segments list names any; absent, the
   * build alone is the index and is searched exactly as it always was.
   */
  segments?: SegmentSet;
}

/**
 * `base` (a loaded build) with the deltas its segments list names now: deltas already loaded are
 * taken from `cache` (they never change once written), the others read and checked. A delta that
 * fails its checks, or a damaged list, is left out and reported in `segments.damaged`: the rest
 * answers, and a merge rebuilds what was lost. Shares the base's table, keywords and graph.
 */
export function withSegments(base: LoadedIndex, cache: Map<string, LoadedDelta> = new Map()): LoadedIndex {
  const { segments: _old, ...build } = base;
  const indexDir = path.dirname(base.dir);
  let list: SegmentsList;
  const damaged: SegmentSet['damaged'] = [];
  try {
    list = readSegments(base.dir);
  } catch (error) {
    list = { format: 'kiji-segments', base: base.manifest.buildId, next: 0, deltas: [] };
    damaged.push({ name: SEGMENTS_FILE, reason: describeWithoutHint(error) });
  }
  if (list.deltas.length === 0 && damaged.length === 0) return build;
  const deltas: LoadedDelta[] = [];
  const dimension = base.vectors?.dimension;
  for (const entry of list.deltas) {
    let delta = cache.get(entry.name);
    if (!delta) {
      try {
        delta = loadDelta(indexDir, entry);
        delta.keywords.maxPostings = base.keywords.maxPostings;
      } catch (error) {
        damaged.push({ name: entry.name, reason: describeWithoutHint(error) });
        continue;
      }
      cache.set(entry.name, delta);
    }
    // Vectors of another model's dimension are not comparable: that delta answers by keywords until a merge.
    if (delta.vectors && delta.manifest.dimension !== dimension) delta = { ...delta, vectors: undefined } as LoadedDelta;
    deltas.push(delta);
  }
  return { ...build, segments: segmentSet(base, list, deltas, damaged) };
}

/**
 * Frees what a loaded index holds outside the JS heap (the HNSW graph, the keyword index's file) now
 * instead of when it is collected; the index cannot be searched afterwards.
 */
export function releaseIndex(index: LoadedIndex): void {
  index.backgroundCheck?.cancel();
  index.keywords.close();
  index.vectors?.release();
}

export interface LoadOptions {
  /** The model queries will be embedded with; undefined loads no vectors (keyword-only). */
  model?: ModelKey;
  /** Filled with the milliseconds each part took (for benchmarks). */
  timings?: LoadTimings;
  /**
   * Postings a keyword search reads in full lists (`keywordBudgetDefaults`); Infinity for exact
   * keyword search. Default: `keywordBudgetDefaults.maxPostings`.
   */
  keywordMaxPostings?: number;
  /** Files above this many bytes are left on disk and checked after the load (default: see load-checks.ts); for tests. */
  backgroundCheckFrom?: number;
  /** Hears of trouble that does not fail the load (a keyword index built with another ICU). */
  log?: (line: string) => void;
  /** Deltas loaded before, by name, reused rather than read again (see `withSegments`). */
  deltaCache?: Map<string, LoadedDelta>;
}

/**
 * Milliseconds by part. The vectors are read on libuv's pool while the main thread loads the rest,
 * so `vectors` (from starting the read until the main thread takes the result) overlaps the others.
 */
export interface LoadTimings {
  passages?: number;
  keywords?: number;
  vectors?: number;
  /** Main thread waiting for the vectors once everything else was loaded. */
  vectorsWait?: number;
}

/**
 * Loads the live build of an index folder. Throws INDEX_MISSING when none was built,
 * INDEX_CORRUPT for damaged files, INDEX_MISMATCH for an index built with another model and
 * INDEX_OUTDATED for one written by a kiji with another format.
 */
export async function loadIndex(indexDir: string, options: LoadOptions = {}): Promise<LoadedIndex> {
  const dir = currentBuildDir(indexDir);
  if (!dir) {
    throw new KijiError(ErrorCodes.INDEX_MISSING, `No index has been built in ${indexDir} yet.`, {
      hint: Hints.buildIndex,
    });
  }
  const manifest = readManifest(dir);
  const limits = checkLimits(options.backgroundCheckFrom);
  const onDisk = leftOnDisk(manifest, limits, manifest.model !== null && options.model !== undefined);
  const timings = options.timings ?? {};
  const started = performance.now();

  // The HNSW read goes first: it is by far the longest part of a large index's load, and it runs
  // on libuv's pool, so the passage table and keyword index load on this thread meanwhile.
  let vectorsLoaded: Promise<VectorStore> | undefined;
  let semanticOff: string | undefined;
  if (!options.model) {
    semanticOff = 'semantic search is turned off';
  } else if (manifest.model === null) {
    semanticOff = `the index was built without vectors (${manifest.semanticOff ?? 'no model'}); run \`${BUILD_COMMAND}\` once the model can be loaded`;
  } else if (manifest.model.id !== options.model.id || manifest.model.dtype !== options.model.dtype) {
    throw new KijiError(
      ErrorCodes.INDEX_MISMATCH,
      `The index in ${indexDir} was built with the model ${manifest.model.id} (${manifest.model.dtype}, ${manifest.model.dimension} dimensions), but the model in use is ${options.model.id} (${options.model.dtype}).`,
      { hint: Hints.rebuildForModel },
    );
  } else {
    const { dimension } = manifest.model;
    // A graph checked first is checked on a worker while this thread reads the rest below.
    const checked = onDisk.includes(indexFiles.vectors) ? Promise.resolve() : verifyBeforeLoad(dir, manifest, indexFiles.vectors);
    const loaded = checked
      .then(() => VectorStore.startLoad(path.join(dir, indexFiles.vectors), dimension, manifest.hnsw, manifest.files[indexFiles.vectors] ?? -1))
      .then((started) => started.loaded);
    vectorsLoaded = loaded.finally(() => (timings.vectors = performance.now() - started));
    // Awaited below; until then a failed read must not count as an unhandled rejection.
    vectorsLoaded.catch(() => {});
  }

  let table: PassageTable;
  let keywords: KeywordIndex;
  let rowOfLabel: Int32Array;
  try {
    let t = performance.now();
    // Texts of a large index stay on disk until cited (see PassageTable.deserialize).
    table = PassageTable.deserialize(
      readIndexFile(dir, manifest, indexFiles.passages),
      onDisk.includes(indexFiles.texts) ? checkedIndexFile(dir, manifest, indexFiles.texts) : readIndexFile(dir, manifest, indexFiles.texts),
      path.join(dir, indexFiles.passages),
      limits.texts,
    );
    if (table.size !== manifest.passages) {
      throw corruptFile(path.join(dir, indexFiles.passages), `holds ${table.size} passages, the manifest says ${manifest.passages}`);
    }
    rowOfLabel = labelIndex(table);
    timings.passages = performance.now() - t;
    t = performance.now();
    keywords = openKeywords(dir, manifest, onDisk.includes(indexFiles.keywords));
    timings.keywords = performance.now() - t;
  } catch (error) {
    // The native read cannot be cancelled: let it finish (and be dropped) before reporting, so no
    // graph's worth of memory outlives a failed load.
    await vectorsLoaded?.catch(() => {});
    throw error;
  }

  let vectors: VectorStore | undefined;
  if (vectorsLoaded) {
    const t = performance.now();
    try {
      vectors = await vectorsLoaded;
    } catch (error) {
      keywords.close();
      throw error;
    }
    timings.vectorsWait = performance.now() - t;
  }
  const log = options.log ?? (() => {});
  // Not refused: the index still answers, only a word the two segmenters split differently misses.
  const builtIcu = icuOfKeywordIndexKey(manifest.keywordIndexKey);
  if (builtIcu !== undefined && builtIcu !== runningIcu()) {
    log(
      `The keyword index in ${dir} was built on a Node with ICU ${builtIcu}; this Node has ICU ${runningIcu()}, whose word segmenter may split some words differently. Rebuild it with \`${BUILD_COMMAND}\` (the vectors are reused).`,
    );
  }
  if (options.keywordMaxPostings !== undefined) keywords.maxPostings = options.keywordMaxPostings;
  const backgroundCheck = checkInBackground(dir, manifest, onDisk);
  const loaded: LoadedIndex = { dir, manifest, table, keywords, rowOfLabel, backgroundCheck, ...(vectors ? { vectors } : {}), ...(semanticOff ? { semanticOff } : {}) };
  return withSegments(loaded, options.deltaCache);
}

/** keywords.bin: read whole and checked against its checksum, or (`onDisk`) opened to be read per query. */
function openKeywords(dir: string, manifest: Manifest, onDisk: boolean): KeywordIndex {
  const file = path.join(dir, indexFiles.keywords);
  // Read and checked outside the try: a failed checksum is damage, whatever format the manifest names.
  const bytes = onDisk ? undefined : readIndexFile(dir, manifest, indexFiles.keywords);
  try {
    const keywords = bytes ? KeywordIndex.deserialize(bytes) : KeywordIndex.open(file, 0);
    const expected = expectedFileSize(dir, manifest, indexFiles.keywords);
    if (keywords.byteSize !== expected) {
      keywords.close();
      throw corruptFile(file, `is ${keywords.byteSize} bytes, expected ${expected} (truncated?)`);
    }
    return keywords;
  } catch (error) {
    const writtenBy = manifest.keywordIndexKey?.split(':')[0];
    if (writtenBy !== undefined && writtenBy !== String(KEYWORD_FORMAT_VERSION)) {
      throw new KijiError(ErrorCodes.INDEX_OUTDATED, `The keyword index ${file} has format version ${writtenBy}; this kiji reads version ${KEYWORD_FORMAT_VERSION}.`, {
        hint: Hints.rebuildIndex,
        cause: error,
      });
    }
    throw corruptFile(file, `cannot be read (${describeWithoutHint(error)})`, error);
  }
}

function labelIndex(table: PassageTable): Int32Array {
  const labels = table.labels();
  let max = -1;
  for (let row = 0; row < labels.length; row++) if (labels[row]! > max) max = labels[row]!;
  const rows = new Int32Array(max + 1).fill(-1);
  for (let row = 0; row < labels.length; row++) {
    const label = labels[row]!;
    if (label >= 0) rows[label] = row;
  }
  return rows;
}
