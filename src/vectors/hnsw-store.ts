import fs from 'node:fs';
import os from 'node:os';
import { KijiError, ErrorCodes, Hints } from '../errors.js';

/**
 * HNSW parameters. M=16 / efConstruction=200 is hnswlib's recommended quality point for
 * 384-dim text embeddings; ef (search breadth) is raised to at least k on every query.
 * Measured recall@10 against exact search is in the benchmark report (`npm run bench`).
 */
export const hnswDefaults = {
  /** Graph degree (4-64): more = better recall, more memory (M * 8 bytes per vector on level 0). */
  m: 16,
  /** Build-time candidate list (>= M, 100-500): more = better graph, slower build. */
  efConstruction: 200,
  /** Query-time candidate list (>= k, 10-1000): more = better recall, slower search. */
  efSearch: 96,
  /** Fixed so a graph built on one thread is the same on every rebuild (see `VectorStore.addMany`). */
  randomSeed: 100,
} as const;

/** Threads an insert batch uses: every core (a build runs in its own worker, away from the bot's loop). */
export function insertThreads(): number {
  return os.availableParallelism();
}

export type HnswParams = { m: number; efConstruction: number; efSearch: number; randomSeed: number };

/**
 * Search breadth for a loaded graph of `count` vectors: larger graphs need a wider search for the
 * same recall: at a million vectors the default breadth loses some exact neighbours that a wider
 * one keeps, for little more search time (`npm run bench`, docs/benchmarks.md).
 */
export function efSearchFor(count: number, base: number = hnswDefaults.efSearch): number {
  return count >= 500_000 ? Math.max(base, 200) : base;
}

/**
 * How a filtered search chooses between reading the allowed vectors exactly (`searchAmong`) and
 * walking the graph with the filter (`search` with a mask). Exact costs about `a` per allowed
 * vector; the walk visits elements until ef of them are allowed, about `b` per element for
 * ef x count / allowed elements. Exact is the cheaper below allowed = sqrt(b/a x ef x count).
 */
export const filteredSearchDefaults = {
  /** b/a: a graph step against an exact read, measured at 100k and 1M vectors (docs/hnswlib-patch.md). */
  graphStepCost: 8,
} as const;

/** The most allowed vectors a filtered search over `count` vectors at search breadth `ef` reads exactly. */
export function exactSearchLimit(count: number, ef: number, graphStepCost: number = filteredSearchDefaults.graphStepCost): number {
  return Math.floor(Math.sqrt(graphStepCost * ef * count));
}

type HnswModule = typeof import('hnswlib-node');
type HnswIndex = InstanceType<HnswModule['HierarchicalNSW']>;

let hnswModule: Promise<HnswModule> | undefined;

/**
 * hnswlib-node is native: load it lazily, explain a failed build instead of a raw dlopen error, and
 * refuse a build without kiji's patch (`checkPatched`).
 */
async function hnswlib(): Promise<HnswModule> {
  hnswModule ??= import('hnswlib-node')
    .then(
      (mod) => {
        const loaded = ((mod as { default?: HnswModule }).default ?? mod) as HnswModule;
        checkPatched(loaded);
        return loaded;
      },
      (cause: unknown) => {
        throw new KijiError(ErrorCodes.MODEL_UNAVAILABLE, 'The native module hnswlib-node could not be loaded.', {
          hint: 'Reinstall dependencies with `npm ci` (it builds hnswlib-node with node-gyp: needs python3, make and g++).',
          cause,
        });
      },
    )
    .catch((error: unknown) => {
      hnswModule = undefined;
      throw error;
    });
  return hnswModule;
}

/**
 * The level of patches/hnswlib-node+3.0.0.patch this code needs (the addon's `kijiPatch`): 2 is the
 * loader that checks every field, level, link and label of a graph file, 3 the filtered searches in
 * C++ (a byte mask in `searchKnn`, exact `searchAmong`) (docs/hnswlib-patch.md).
 */
export const KIJI_PATCH_LEVEL = 3;

/**
 * Throws HNSW_UNPATCHED unless `mod` is hnswlib-node built from kiji's patch at `KIJI_PATCH_LEVEL` or
 * later. Without it kiji would fail later and less clearly (`index.addPoints is not a function`),
 * or worse, load graph files through a loader that trusts them.
 */
export function checkPatched(mod: unknown): void {
  const { HierarchicalNSW, kijiPatch } = (mod ?? {}) as { HierarchicalNSW?: { prototype?: Record<string, unknown> }; kijiPatch?: unknown };
  const methods = ['addPoints', 'reorderForLocality'].filter((name) => typeof HierarchicalNSW?.prototype?.[name] !== 'function');
  let lacks: string | undefined;
  if (methods.length > 0) lacks = `it has no ${methods.join(' or ')}`;
  else if (typeof kijiPatch !== 'number') lacks = 'it was built from an older version of the patch, without a patch level';
  else if (kijiPatch < KIJI_PATCH_LEVEL) lacks = `it was built from patch level ${kijiPatch}, this kiji needs ${KIJI_PATCH_LEVEL}`;
  if (lacks === undefined) return;
  throw new KijiError(ErrorCodes.HNSW_UNPATCHED, `The installed hnswlib-node lacks kiji's patch (patches/hnswlib-node+3.0.0.patch): ${lacks}.`, {
    hint: 'Run `npm ci`: it re-applies the patch with patch-package and rebuilds hnswlib-node (needs python3, make and g++).',
  });
}

export interface VectorHit {
  label: number;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

/** Files written to replace the one a graph was loaded from (names unique within this process). */
let replacements = 0;

/** `renumber` renumbers once at least this share of the graph was inserted since it last did. */
export const RENUMBER_SHARE = 0.1;

/**
 * Cosine HNSW index over integer labels. Labels are owned by the passage store, so an
 * incremental build can delete changed passages and add new ones without re-embedding the rest.
 */
export class VectorStore {
  private released = false;
  /** Writes running on libuv's pool: the graph must outlive them, so a release waits for the last. */
  private saving = 0;
  /** Elements inserted since the graph was last renumbered (`load` is told how many a saved graph had). */
  private inserted = 0;

  private constructor(
    private readonly native: HnswIndex,
    readonly dimension: number,
    readonly params: HnswParams,
    /**
     * The file a loaded graph was read from, held open: until an insert copies the graph out of it,
     * the graph's bottom layer is that file's pages (docs/hnswlib-patch.md), so it must stay as it
     * was loaded.
     */
    private source?: LoadedFile,
  ) {}

  /** The native graph, once it is known to be usable: not released, and its file as it was loaded. */
  private get index(): HnswIndex {
    if (this.released) throw new Error('This VectorStore was released; a caller kept it past `release()`.');
    const source = this.source;
    if (source !== undefined) {
      // Reading a mapped page of a file shortened in place kills the process (SIGBUS), so a graph
      // whose file was overwritten (`cp` onto it) is refused instead. Checked at most every
      // FILE_CHECK_MS: an fstat on every search would be a noticeable share of a fast vector search,
      // and a human's file copy is caught as well at a hundred checks a second.
      const at = performance.now();
      if (!source.changed && at - source.checkedAt >= FILE_CHECK_MS) {
        const now = fs.fstatSync(source.fd);
        source.changed = now.size !== source.stats.size || now.mtimeMs !== source.stats.mtimeMs;
        source.checkedAt = at;
      }
      if (source.changed) {
        throw new KijiError(ErrorCodes.INDEX_CORRUPT, `The vector index ${source.file} was changed on disk after it was loaded; its graph is read from that file, so it is not used.`, {
          hint: 'Restart the bot or run /reindex (or `npm run embed`). Replace an index by building it or by moving a finished index folder into place, not by copying files over it.',
        });
      }
    }
    return this.native;
  }

  /** The graph no longer reads its file (an insert copied it out, or it was freed): the file is let go. */
  private letGoOfSource(): void {
    if (this.source === undefined) return;
    fs.closeSync(this.source.fd);
    this.source = undefined;
  }

  /**
   * Frees the graph now rather than whenever V8 collects this wrapper: hnswlib-node does not tell V8
   * about its native memory (gigabytes for a large index), so after a reindex swap both graphs stayed
   * resident until a major GC happened to run. The store cannot be used afterwards.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.saving === 0) this.free();
  }

  private free(): void {
    // initIndex deletes the native graph it replaces; a one-slot graph is the least it can leave.
    this.native.initIndex(1);
    this.letGoOfSource();
  }

  static async create(dimension: number, capacity: number, params: Partial<HnswParams> = {}): Promise<VectorStore> {
    const { HierarchicalNSW } = await hnswlib();
    const merged = { ...hnswDefaults, ...params };
    const index = new HierarchicalNSW('cosine', dimension);
    index.initIndex({
      maxElements: Math.max(16, capacity),
      m: merged.m,
      efConstruction: merged.efConstruction,
      randomSeed: merged.randomSeed,
      allowReplaceDeleted: true,
    });
    index.setEf(merged.efSearch);
    return new VectorStore(index, dimension, merged);
  }

  /**
   * Reads an index written by `save`. `expectedBytes` comes from the manifest: hnswlib trusts the
   * file's own header, so a truncated file is caught here rather than inside native code.
   */
  static async load(
    file: string,
    dimension: number,
    params: Partial<HnswParams>,
    expectedBytes: number,
    /** Elements inserted after the graph was last renumbered (`unordered` when it was saved). */
    unordered = 0,
  ): Promise<VectorStore> {
    const store = await (await VectorStore.startLoad(file, dimension, params, expectedBytes)).loaded;
    store.inserted = unordered;
    return store;
  }

  /**
   * `load` in two steps: resolves once the native read is running on libuv's pool, with the promise
   * of the loaded store, so the caller can do other work on the main thread while the file is read
   * (a large index's read takes seconds). A rejection of `loaded` must be handled by the caller.
   */
  static async startLoad(
    file: string,
    dimension: number,
    params: Partial<HnswParams>,
    expectedBytes: number,
  ): Promise<{ loaded: Promise<VectorStore> }> {
    const { HierarchicalNSW } = await hnswlib();
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      throw new KijiError(ErrorCodes.INDEX_CORRUPT, `The vector index ${file} is missing.`, { hint: Hints.rebuildIndex });
    }
    const source: LoadedFile = { file, fd, stats: fs.fstatSync(fd), checkedAt: performance.now(), changed: false };
    if (source.stats.size !== expectedBytes) {
      fs.closeSync(fd);
      throw new KijiError(ErrorCodes.INDEX_CORRUPT, `The vector index ${file} is ${source.stats.size} bytes, expected ${expectedBytes}.`, {
        hint: Hints.rebuildIndex,
      });
    }
    const merged = { ...hnswDefaults, ...params };
    const index = new HierarchicalNSW('cosine', dimension);
    // The async read runs on libuv's pool: a large index's file is gigabytes, and reading it
    // synchronously after a /reindex would stall the bot for seconds.
    let reading: Promise<boolean>;
    try {
      reading = index.readIndex(file, true);
    } catch (cause) {
      reading = Promise.reject(cause);
    }
    const loaded = reading.then(
      () => {
        // The loader compared the file's vector size with this index's dimension (see the patch).
        const params = { ...merged, efSearch: efSearchFor(index.getCurrentCount(), merged.efSearch) };
        index.setEf(params.efSearch);
        return new VectorStore(index, dimension, params, source);
      },
      (cause: unknown) => {
        fs.closeSync(fd);
        // The patched loader says what it found wrong ("the graph file is damaged: element 12 links to ...").
        const detail = (cause instanceof Error ? cause.message : String(cause)).replace(/^Hnswlib Error: /, '');
        throw new KijiError(ErrorCodes.INDEX_CORRUPT, `The vector index ${file} could not be read: ${detail}.`, {
          hint: Hints.rebuildIndex,
          cause,
        });
      },
    );
    return { loaded };
  }

  add(label: number, vector: Float32Array): void {
    this.addMany([label], [vector], 1);
  }

  /**
   * Adds vectors in one native call (kiji's patch to hnswlib-node, docs/hnswlib-patch.md), inserted on
   * `threads` threads at once: hnswlib's inserts are safe to run concurrently, and two threads build
   * about twice as fast as a loop of `addPoint`, with the same recall.
   * With more than one thread the graph depends on which insert ran first, so a rebuild over the same
   * vectors is no longer byte for byte the same; `threads` 1 keeps it so.
   */
  addMany(labels: readonly number[], vectors: readonly Float32Array[], threads: number = insertThreads()): void {
    if (labels.length !== vectors.length) throw new Error(`addMany: ${labels.length} labels for ${vectors.length} vectors`);
    if (labels.length === 0) return;
    const points = new Float32Array(vectors.length * this.dimension);
    vectors.forEach((vector, i) => {
      this.checkDimension(vector);
      points.set(vector, i * this.dimension);
    });
    const index = this.index;
    // Room for all of them even if none reuses a deleted slot: a resize cannot run during the inserts.
    const needed = index.getCurrentCount() + labels.length;
    if (needed > index.getMaxElements()) {
      index.resizeIndex(Math.max(needed, Math.ceil(index.getMaxElements() * 1.5) + 16));
      // A loaded graph's capacity is its count, so this is where it is copied out of its file.
      this.letGoOfSource();
    }
    // replaceDeleted reuses the slots of passages an incremental build removed.
    index.addPoints(points, Uint32Array.from(labels), threads, true);
    this.inserted += labels.length;
  }

  /**
   * Elements inserted since the graph was last renumbered: a build records it with the index, so
   * that updates too small to renumber on their own add up across builds.
   */
  get unordered(): number {
    return this.inserted;
  }

  /**
   * Renumbers the graph's elements so that graph neighbours sit near each other in memory (kiji's
   * patch, docs/hnswlib-patch.md): a search then touches fewer pages and is faster, with identical
   * results, for a renumbering that costs far less than a build. Labels are unchanged; only hnswlib's
   * internal ids move. Done when at least `RENUMBER_SHARE` of the graph was inserted since the last
   * time (a new build, not a few passages added to a large index, whose renumbering would move every
   * element of a large graph); builds call it once their vectors are in. Returns whether it renumbered.
   */
  renumber(): boolean {
    const index = this.index;
    // Not while a write of this graph is reading it on libuv's pool.
    if (this.saving > 0 || this.inserted === 0 || this.inserted < RENUMBER_SHARE * index.getCurrentCount()) return false;
    index.reorderForLocality();
    this.inserted = 0;
    return true;
  }

  remove(label: number): void {
    this.index.markDelete(label);
  }

  vector(label: number): Float32Array {
    return Float32Array.from(this.index.getPoint(label));
  }

  /**
   * Nearest neighbours by cosine similarity; `k` is clamped to the live count and ef raised to k.
   * With `allowed` (a byte per label, 1 allowed; labels past its end are not), only labels it
   * allows: hnswlib keeps walking the graph until it holds k of them (or has seen every element it
   * can reach), so a filter never costs results. The mask is tested in C++ (kiji's patch), not by a
   * JavaScript call per element visited.
   */
  search(query: Float32Array, k: number, allowed?: Uint8Array): VectorHit[] {
    this.checkDimension(query);
    const index = this.index;
    // Deleted slots still count here; hnswlib then simply returns fewer neighbours.
    const n = Math.min(k, index.getCurrentCount());
    if (n <= 0) return [];
    if (index.getEf() < n) index.setEf(n);
    const { neighbors, distances } = allowed === undefined ? index.searchKnn(query, n) : index.searchKnn(query, n, allowed);
    if (index.getEf() !== this.params.efSearch && this.params.efSearch >= n) index.setEf(this.params.efSearch);
    return hits(neighbors, distances);
  }

  /**
   * The `k` nearest of `labels` by exact cosine similarity (ties to the lower label; unknown and
   * deleted labels skipped): for a filter that allows few passages, where a filtered graph search
   * would walk most of the graph to find them. One native call (kiji's patch) reads the vectors in
   * memory order with hnswlib's own distance, so the similarities equal the graph search's.
   */
  searchAmong(query: Float32Array, k: number, labels: Uint32Array): VectorHit[] {
    this.checkDimension(query);
    if (k <= 0 || labels.length === 0) return [];
    const { neighbors, distances } = this.index.searchAmong(query, k, labels);
    return hits(neighbors, distances);
  }

  /**
   * The `k` nearest of `labels` (the labels a filter allows, no repeats), the cheaper way: exactly
   * over their vectors when there are at most `exactLimit` of them (by default `exactSearchLimit` of
   * this graph), else through the graph with them as a mask. Either way k results when k of the
   * labels are live.
   */
  searchFiltered(query: Float32Array, k: number, labels: Uint32Array, exactLimit?: number): VectorHit[] {
    const index = this.index;
    const limit = exactLimit ?? exactSearchLimit(index.getCurrentCount(), Math.max(this.params.efSearch, k));
    if (labels.length <= limit) return this.searchAmong(query, k, labels);
    let top = 0;
    for (let i = 0; i < labels.length; i++) if ((labels[i] as number) > top) top = labels[i] as number;
    const mask = new Uint8Array(top + 1);
    for (let i = 0; i < labels.length; i++) mask[labels[i] as number] = 1;
    return this.search(query, k, mask);
  }

  /** Writes the graph to `file` (as it is: see `renumber`); returns the file's size. */
  async save(file: string): Promise<number> {
    const index = this.index;
    // Writing over the file this graph was loaded from would truncate the pages the write reads
    // (a crash, SIGBUS): that file is replaced by a new one instead.
    const target = this.readsFrom(file) ? `${file}.${process.pid}.${++replacements}.tmp` : file;
    // On libuv's pool like readIndex: a write of gigabytes must not stall the bot's event loop.
    const writing = index.writeIndex(target);
    this.saving++;
    try {
      await writing;
    } catch (error) {
      if (target !== file) fs.rmSync(target, { force: true });
      throw error;
    } finally {
      if (--this.saving === 0 && this.released) this.free();
    }
    if (target !== file) await fs.promises.rename(target, file);
    return fileStats(file)?.size ?? 0;
  }

  /** Whether `file` is the file this graph still reads its pages from. */
  private readsFrom(file: string): boolean {
    const source = this.source;
    if (source === undefined) return false;
    const stats = fileStats(file);
    return stats !== undefined && stats.ino === source.stats.ino && stats.dev === source.stats.dev;
  }

  private checkDimension(vector: Float32Array): void {
    if (vector.length !== this.dimension) {
      throw new KijiError(
        ErrorCodes.DIMENSION_MISMATCH,
        `A ${vector.length}-dim vector was given to a ${this.dimension}-dim index.`,
        { hint: 'The embedding model changed: rebuild the index with `npm run embed`.' },
      );
    }
  }
}

/** The file a graph was loaded from: its path, an open descriptor, its stats at load and the last check. */
interface LoadedFile {
  file: string;
  fd: number;
  stats: fs.Stats;
  checkedAt: number;
  changed: boolean;
}

/** How often a loaded graph's file is checked for changes, at most (see `VectorStore.index`). */
export const FILE_CHECK_MS = 10;

function fileStats(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** hnswlib's neighbours and cosine distances as hits, nearest first (as hnswlib computes it: one minus a float32 distance). */
function hits(neighbors: number[], distances: number[]): VectorHit[] {
  return neighbors.map((label, i) => ({ label, similarity: 1 - (distances[i] ?? 1) }));
}
