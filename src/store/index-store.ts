/**
 * The index as the rest of kiji uses it, behind one interface: apply a change of articles, search its
 * keyword and vector halves with a filter, list its articles, get a passage, merge. `SegmentedFileStore`
 * implements it over an index folder (a build plus delta segments, segments.ts).
 *
 * How a PostgreSQL + pgvector store would implement the same operations:
 * - `apply`: one transaction that deletes the rows of the change's article ids and inserts the new
 *   passages (id, article id, hash, text, metadata, a `tsvector` or bigram column, a `vector` column),
 *   copying the vector of every passage whose id and hash already exist (an `INSERT ... SELECT` over
 *   the rows being deleted) and embedding the rest; the commit is the atomic publish.
 * - `keywordSearch`: a ranked full-text query (`ts_rank_cd`, or BM25 through an extension such as
 *   pg_search) with the filter as `WHERE` clauses on source, article id and date; statistics are
 *   index-wide by construction.
 * - `vectorSearch`: `ORDER BY embedding <=> $query LIMIT k` over an HNSW index with the same
 *   `WHERE` clauses (pgvector's iterative scans keep filtered results complete).
 * - `articles` / `passage`: `SELECT`s by article and passage id.
 * - `merge`: nothing to fold (deleted tuples are reclaimed by VACUUM); a `REINDEX CONCURRENTLY`
 *   when the graph degrades.
 * A snapshot is a transaction's view (REPEATABLE READ), so a search pinned to one finishes on it.
 */
import { passageEmbeddingKey, passageEmbeddingText, toPassages, type EmbeddingInput } from '../passages/chunk.js';
import type { Passage } from '../passages/passage.js';
import type { Embedder } from '../embeddings/embedder.js';
import type { ArticleSummary, BuildReport, IndexChange } from '../index-types.js';
import type { KeywordHit } from '../keywords/bm25.js';
import { segmentDefaults } from '../config/defaults.js';
import { currentBuildDir } from './index-dir.js';
import { loadIndex, withSegments, type LoadedIndex, type LoadOptions } from './load.js';
import { normalize, readSegments, withSegmentsLock, writeDelta, writeSegments, type LoadedDelta } from './segments.js';
import { rowsOfArticle, type RowFilter } from './segment-set.js';
import { keywordHalf, vectorHalf, type RowHit } from './segment-search.js';

export interface IndexStore<Snapshot> {
  /** The index as it is now, to search; a search keeps the snapshot it started on until it ends. */
  load(): Promise<Snapshot>;
  /** Applies a change of articles (chunked, only passages not held before embedded) and returns the snapshot that includes it. */
  apply(current: Snapshot, change: IndexChange, embedder: Embedder | undefined): Promise<{ snapshot: Snapshot; report: BuildReport }>;
  /** The keyword half: best `k` live passages for `text` that `filter` allows (rows of `snapshot`'s numbering). */
  keywordSearch(snapshot: Snapshot, text: string, k: number, filter: RowFilter | undefined): KeywordHit[];
  /** The vector half, likewise, for an embedded query. */
  vectorSearch(snapshot: Snapshot, query: Float32Array, k: number, filter: RowFilter | undefined): RowHit[];
  articles(snapshot: Snapshot): ArticleSummary[];
  passage(snapshot: Snapshot, id: string): Passage | undefined;
  /** Whether the snapshot's updates have grown enough that a merge is due. */
  needsMerge(snapshot: Snapshot): boolean;
}

/** See `segmentDefaults`. */
export interface MergeSettings {
  maxDeltas: number;
  maxDeltaShare: number;
  maxDeltaPassages: number;
  compactAbove: number;
  compactPassages: number;
}

/** The index folder's build with its delta segments. A merge is a full build (`buildIndex`), which folds the deltas in. */
export class SegmentedFileStore implements IndexStore<LoadedIndex> {
  /** Deltas loaded so far, by name (`loadOptions.deltaCache` when given): they never change once written, so each is read once. */
  private readonly deltas: Map<string, LoadedDelta>;

  constructor(
    readonly indexDir: string,
    private readonly loadOptions: LoadOptions = {},
    private readonly merge: MergeSettings = segmentDefaults,
  ) {
    this.deltas = loadOptions.deltaCache ?? new Map();
  }

  load(): Promise<LoadedIndex> {
    return loadIndex(this.indexDir, { ...this.loadOptions, deltaCache: this.deltas });
  }

  /** `current` with the deltas its build lists now, or the live build loaded anew when another one was published. */
  async refresh(current: LoadedIndex): Promise<LoadedIndex> {
    if (currentBuildDir(this.indexDir) !== current.dir) return this.load();
    const next = withSegments(current, this.deltas);
    const listed = new Set(next.segments?.list.deltas.map((d) => d.name));
    for (const name of this.deltas.keys()) if (!listed.has(name)) this.deltas.delete(name);
    return next;
  }

  async apply(current: LoadedIndex, change: IndexChange, embedder: Embedder | undefined): Promise<{ snapshot: LoadedIndex; report: BuildReport }> {
    const started = performance.now();
    const passages = change.articles.flatMap((article) => toPassages(article));
    const supersedes = [...new Set([...change.articles.map((a) => a.id), ...change.removed])];
    let embedded = 0;
    let vectors: Float32Array | undefined;
    const dimension = current.vectors?.dimension;
    if (dimension !== undefined && embedder !== undefined && embedder.dimension === dimension) {
      const placed = await placeDeltaVectors(current, passages, supersedes, embedder, dimension);
      vectors = placed.vectors;
      embedded = placed.embedded;
    }
    if (passages.length > 0 || supersedes.length > 0) {
      const delta = this.compacted(current, { passages, articles: change.articles.map((a) => a.id), supersedes, vectors }) ?? {
        passages,
        articles: change.articles.map((a) => a.id),
        supersedes,
        vectors,
        replaces: [],
      };
      const name = await writeDelta(this.indexDir, readSegments(current.dir).next, {
        passages: delta.passages,
        articles: new Set(delta.articles).size,
        ...(delta.vectors ? { vectors: delta.vectors, dimension: dimension! } : {}),
        ...(current.manifest.keywordAvgLengths ? { avgLengths: current.manifest.keywordAvgLengths } : {}),
      });
      // The commit, to the live build's list, whichever build that is by now (deletions by article id
      // hold over a build a merge just published). A compacted delta takes the place of the first of
      // the deltas it took in; its supersedes cover theirs, so deltas committed after them stay after it.
      withSegmentsLock(this.indexDir, () => {
        const live = currentBuildDir(this.indexDir) ?? current.dir;
        const list = readSegments(live);
        const entry = { name, supersedes: delta.supersedes, passages: delta.passages.length };
        const replaced = new Set(delta.replaces);
        const at = list.deltas.findIndex((d) => replaced.has(d.name));
        const kept = list.deltas.filter((d) => !replaced.has(d.name));
        const deltas = at < 0 ? [...kept, entry] : [...kept.slice(0, at), entry, ...kept.slice(at)];
        writeSegments(live, { ...list, next: list.next + 1, deltas });
      });
    }
    const snapshot = await this.refresh(current);
    const live = snapshot.segments ? snapshot.segments.articles() : snapshot.table.articleSummaries();
    const total = live.reduce((sum, a) => sum + a.passages, 0);
    return {
      snapshot,
      report: {
        articles: live.length,
        passages: total,
        embedded,
        // As a build reports it, over the whole index; without vectors the change's passages count as new.
        reused: total - (vectors === undefined ? passages.length : embedded),
        removed: change.removed.length,
        skipped: [],
        ...(vectors === undefined && current.vectors !== undefined ? { semanticOff: 'the new passages have no vectors until the next merge (no embedding model loaded)' } : {}),
        ms: Math.round(performance.now() - started),
      },
    };
  }

  /**
   * The update's delta with every delta of `current` taken in (their live rows not superseded by the
   * update), when the update would make more than `compactAbove` deltas of at most `compactPassages`
   * live passages; undefined to add the update's delta alone.
   */
  private compacted(current: LoadedIndex, update: NewDelta): (NewDelta & { replaces: string[] }) | undefined {
    const segments = current.segments;
    if (!segments || segments.damaged.length > 0 || segments.list.deltas.length + 1 <= this.merge.compactAbove) return undefined;
    // Vectors are kept only if every delta has them, as the update does.
    if (segments.deltas.some((d) => (d.vectors !== undefined) !== (update.vectors !== undefined))) return undefined;
    const superseded = new Set(update.supersedes);
    const taken: { delta: LoadedDelta; row: number }[] = [];
    segments.deltas.forEach((delta, i) => {
      const at = segments.offsets[i]!;
      for (let row = 0; row < delta.table.size; row++) {
        if (segments.alive[at + row] === 1 && !superseded.has(delta.table.article(row).id)) taken.push({ delta, row });
      }
    });
    if (taken.length + update.passages.length > this.merge.compactPassages) return undefined;
    const dimension = current.vectors?.dimension ?? 0;
    let vectors: Float32Array | undefined;
    if (update.vectors) {
      vectors = new Float32Array((taken.length + update.passages.length) * dimension);
      taken.forEach(({ delta, row }, i) => vectors!.set(delta.vectors!.subarray(row * dimension, (row + 1) * dimension), i * dimension));
      vectors.set(update.vectors, taken.length * dimension);
    }
    return {
      passages: [...taken.map(({ delta, row }) => delta.table.passage(row)), ...update.passages],
      articles: [...taken.map(({ delta, row }) => delta.table.article(row).id), ...update.articles],
      supersedes: [...new Set([...segments.list.deltas.flatMap((d) => d.supersedes), ...update.supersedes])],
      vectors,
      replaces: segments.list.deltas.map((d) => d.name),
    };
  }

  keywordSearch(snapshot: LoadedIndex, text: string, k: number, filter: RowFilter | undefined): KeywordHit[] {
    return keywordHalf(snapshot, text, k, filter);
  }

  vectorSearch(snapshot: LoadedIndex, query: Float32Array, k: number, filter: RowFilter | undefined): RowHit[] {
    return snapshot.vectors ? vectorHalf(snapshot, query, k, filter) : [];
  }

  articles(snapshot: LoadedIndex): ArticleSummary[] {
    return snapshot.segments ? snapshot.segments.articles() : snapshot.table.articleSummaries();
  }

  passage(snapshot: LoadedIndex, id: string): Passage | undefined {
    const table = snapshot.segments?.table ?? snapshot.table;
    const row = table.rowOf(id);
    return row === undefined ? undefined : table.passage(row);
  }

  needsMerge(snapshot: LoadedIndex): boolean {
    const segments = snapshot.segments;
    if (!segments) return false;
    if (segments.damaged.length > 0 || segments.list.deltas.length > this.merge.maxDeltas) return true;
    return segments.size - segments.baseSize > Math.min(this.merge.maxDeltaShare * Math.max(1, segments.baseSize), this.merge.maxDeltaPassages);
  }
}

/** What a new delta holds, before it is written. */
interface NewDelta {
  passages: Passage[];
  /** Article id of each article in it (repeats allowed). */
  articles: string[];
  supersedes: string[];
  vectors: Float32Array | undefined;
}

/**
 * Vectors for a delta's passages: each passage whose id and hash the index holds already (the newest
 * delta first, then the build's graph) keeps its vector; then one whose embedding input a row of the
 * articles it supersedes holds, whatever that row's id (ids are positional: a paragraph inserted near
 * the top of a story renumbers the rest); only the others are embedded.
 */
async function placeDeltaVectors(
  index: LoadedIndex,
  passages: readonly Passage[],
  supersedes: readonly string[],
  embedder: Embedder,
  dimension: number,
): Promise<{ vectors: Float32Array; embedded: number }> {
  const vectors = new Float32Array(passages.length * dimension);
  let missing: number[] = [];
  const deltas = index.segments?.deltas ?? [];
  passages.forEach((p, i) => {
    const found = heldVector(index, deltas, p, dimension);
    if (found) vectors.set(found, i * dimension);
    else missing.push(i);
  });
  if (missing.length > 0) {
    const byKey = heldByEmbeddingKey(index, deltas, supersedes, missing.map((i) => passages[i]!), dimension);
    missing = missing.filter((i) => {
      const found = byKey.get(passageEmbeddingKey(passages[i]!));
      if (found) vectors.set(found, i * dimension);
      return found === undefined;
    });
  }
  for (let start = 0; start < missing.length; start += 256) {
    const batch = missing.slice(start, start + 256);
    const embedded = await embedder.embedPassages(batch.map((i) => passageEmbeddingText(passages[i]!)));
    batch.forEach((i, j) => vectors.set(normalize(Float32Array.from(embedded[j]!)), i * dimension));
  }
  return { vectors, embedded: missing.length };
}

/**
 * Vectors by `passageEmbeddingKey` that the rows of the `articles` hold (a newer delta's over an older
 * one's, a delta's over the build's), for the keys of `wanted`. Only rows whose text some wanted
 * passage has are read further.
 */
function heldByEmbeddingKey(
  index: LoadedIndex,
  deltas: readonly LoadedDelta[],
  articles: readonly string[],
  wanted: readonly Passage[],
  dimension: number,
): Map<string, Float32Array> {
  const texts = new Set(wanted.map((p) => p.text));
  const keys = new Set(wanted.map((p) => passageEmbeddingKey(p)));
  const found = new Map<string, Float32Array>();
  const offer = (input: EmbeddingInput, vector: () => Float32Array | undefined): void => {
    const key = passageEmbeddingKey(input);
    if (!keys.has(key) || found.has(key)) return;
    const v = vector();
    if (v) found.set(key, v);
  };
  for (let d = deltas.length - 1; d >= 0; d--) {
    const delta = deltas[d]!;
    if (!delta.vectors) continue;
    for (const id of articles) {
      for (const row of rowsOfArticle(delta.table, id)) {
        const text = delta.table.text(row);
        if (texts.has(text)) offer({ title: delta.table.article(row).title, section: delta.table.section(row), text }, () => delta.vectors!.subarray(row * dimension, (row + 1) * dimension));
      }
    }
  }
  const { table, vectors } = index;
  if (vectors) {
    for (const id of articles) {
      for (const row of rowsOfArticle(table, id)) {
        const text = table.text(row);
        const label = table.label(row);
        // hnswlib keeps cosine vectors normalized.
        if (label >= 0 && texts.has(text)) offer({ title: table.article(row).title, section: table.section(row), text }, () => vectors.vector(label));
      }
    }
  }
  return found;
}

function heldVector(index: LoadedIndex, deltas: readonly LoadedDelta[], p: Passage, dimension: number): Float32Array | undefined {
  for (let i = deltas.length - 1; i >= 0; i--) {
    const delta = deltas[i]!;
    const row = delta.table.rowOf(p.id);
    if (row !== undefined && delta.vectors && delta.table.hash(row) === p.hash) return delta.vectors.subarray(row * dimension, (row + 1) * dimension);
  }
  const row = rowsOfArticle(index.table, p.articleId).find((r) => index.table.id(r) === p.id);
  if (row === undefined || index.table.hash(row) !== p.hash) return undefined;
  const label = index.table.label(row);
  // hnswlib keeps cosine vectors normalized.
  return label >= 0 && index.vectors ? index.vectors.vector(label) : undefined;
}
