import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { describeProblem, loadArticles, sourceFingerprint, type SourceFingerprint } from '../articles/load.js';
import { toPassages, passageEmbeddingKey, passageEmbeddingText, chunkDefaults } from '../passages/chunk.js';
import type { Passage } from '../passages/passage.js';
import type { Embedder } from '../embeddings/embedder.js';
import { KeywordIndex } from '../keywords/bm25.js';
import { VectorStore, hnswDefaults, type HnswParams } from '../vectors/hnsw-store.js';
import type { BuildReport } from '../index-types.js';
import { ErrorCodes, describeError, describeWithoutHint, isKijiError } from '../errors.js';
import { writeBinaryFile } from '../binary-file.js';
import { INDEX_FORMAT_VERSION, checkedIndexFile, indexFiles, readIndexFile, readManifest, type Manifest } from './manifest.js';
import { PassageTable } from './passage-table.js';
import { abandonBuild, currentBuildDir, newBuildId, publishBuild, startBuild } from './index-dir.js';
import { loadDelta, readSegments, removeUnlistedDeltas, withSegmentsLock, writeSegments, type DeltaEntry } from './segments.js';
import { crc32, fileCrc32, manifestText } from './integrity.js';
import { checkBuild, findPreviousBuild, republish, repairLines, tableTrusted, vectorsTrusted, type CheckedBuild } from './repair.js';
import { keywordDocs, keywordIndexKey } from './keyword-docs.js';
import { KeywordThread, KeywordThreadFailed } from './keyword-thread.js';

export interface ModelKey {
  id: string;
  dtype: string;
}

export interface BuildOptions {
  articlesPath: string;
  /** Article files larger than this are reported and skipped (default `articleLimits.maxBytes`). */
  articleMaxBytes?: number;
  indexDir: string;
  /** Which model the vectors must come from; undefined builds a keyword-only index. */
  model?: ModelKey;
  /** Called only when something needs embedding, so an unchanged corpus never loads a model. */
  getEmbedder?: () => Promise<Embedder>;
  hnsw?: Partial<HnswParams>;
  /** Passages embedded per call to the embedder (and per progress report). */
  embedChunk?: number;
  log?: (line: string) => void;
  onProgress?: (done: number, total: number) => void;
  /**
   * Build the keyword index on a worker thread, on the second core while this thread inserts vectors
   * (same bytes either way). `'auto'` (the default) does so when the article files hold at least
   * `keywordThreadMinBytes`: below that the thread's start-up costs more than it saves.
   */
  keywordThread?: boolean | 'auto';
}

/**
 * Article bytes from which `keywordThread: 'auto'` builds the keyword index on a thread: a couple of
 * thousand passages of Japanese news. Smaller corpora (the tests' seed) stay on this thread: a new
 * thread costs CPU to start (tsx, the keyword code), and its first build also pays for compiling that
 * code and loading ICU's word dictionary, more than a small keyword index takes to build.
 */
export const keywordThreadMinBytes = 1 << 20;

interface PreviousBuild {
  dir: string;
  manifest: Manifest;
  table: PassageTable;
  /** Whether its graph passed its checksum (with the table labelling it): only then are vectors reused. */
  vectorsOk: boolean;
  /** Files that failed their checksums, rebuilt by this build. */
  damaged: CheckedBuild['damaged'];
}

/**
 * Articles folder -> passages -> keyword index + vectors, written as a new build and published
 * atomically. Only new or changed passages are embedded; an unchanged corpus writes nothing unless
 * the keyword index would now come out differently (`keywordIndexKey`), which rebuilds it and reuses every vector.
 */
export async function buildIndex(options: BuildOptions): Promise<BuildReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const found = findPreviousBuild(options.indexDir, log);
  // Every file of the previous build is checked (on worker threads, while the articles are
  // fingerprinted here): a damaged build is rebuilt, never kept as unchanged.
  const checking = found ? checkBuild(found) : Promise.resolve(undefined);
  const source = await sourceFingerprint(options.articlesPath, { maxBytes: options.articleMaxBytes, known: found?.manifest.sourceFiles }).catch(
    async (error: unknown) => {
      await checking;
      throw error;
    },
  );
  const sourceKey = createHash('sha256')
    .update(source.fingerprint)
    .update(JSON.stringify(chunkDefaults))
    .digest('hex')
    .slice(0, 32);
  const checked = await checking;
  // Deltas over the live build are folded into this one (a merge): read before the articles, so a
  // delta committed after this point is carried over at publish rather than lost.
  const merging = checked ? liveDeltas(checked.dir) : [];
  const getEmbedder = options.getEmbedder ? once(options.getEmbedder) : undefined;
  const unchanged = checked && merging.length === 0 ? await unchangedSince(checked, sourceKey, options.model, getEmbedder, log) : undefined;
  if (unchanged) {
    // Files read again only because their stamps were fresh (or they were touched, not changed): the
    // next run knows them by their new stamps.
    if (source.worthRecording) recordStamps(checked!.dir, unchanged.manifest, source, log);
    republish(options.indexDir, checked!, log);
    const skipped = unchanged.manifest.skipped ?? [];
    for (const problem of skipped) log(describeProblem(problem));
    const semanticOff = unchanged.modelUnavailable ?? unchanged.manifest.semanticOff;
    return {
      articles: unchanged.manifest.articles,
      passages: unchanged.manifest.passages,
      embedded: 0,
      reused: unchanged.manifest.passages,
      removed: 0,
      skipped,
      ...(semanticOff ? { semanticOff } : {}),
      ms: Math.round(performance.now() - started),
    };
  }
  // Taken before parsing so a new thread's start-up overlaps it; released on every way out below.
  const wantsThread = options.keywordThread ?? 'auto';
  let thread: KeywordThread | undefined;
  if (wantsThread === true || (wantsThread === 'auto' && source.bytes >= keywordThreadMinBytes)) {
    try {
      thread = KeywordThread.take();
    } catch (error) {
      log(`The keyword index is built on this thread: ${describeError(error)}`);
    }
  }
  try {
    return await buildChanged({ ...options, ...(getEmbedder ? { getEmbedder } : {}) }, { started, log, source, sourceKey, thread, checked, merging });
  } finally {
    await thread?.release();
  }
}

interface BuildContext {
  started: number;
  log: (line: string) => void;
  source: SourceFingerprint;
  sourceKey: string;
  thread: KeywordThread | undefined;
  checked: CheckedBuild | undefined;
  /** Deltas listed over the previous build when this one started: their vectors are reused, and they are not carried over. */
  merging: DeltaEntry[];
}

/** `buildIndex` once the articles may have changed: parse, compare with the previous build, build. */
async function buildChanged(options: BuildOptions, context: BuildContext): Promise<BuildReport> {
  const { started, log, source, sourceKey, thread, checked, merging } = context;
  const { articles, problems } = await loadArticles(options.articlesPath, { maxBytes: options.articleMaxBytes });
  for (const problem of problems) log(describeProblem(problem));
  const passages = articles.flatMap((article) => toPassages(article));
  const previous = readPrevious(checked, log);
  const docs = keywordDocs(passages);
  // The keyword index is needed unless the passages turn out unchanged below, which takes a previous
  // build: without one the thread starts on it now (the digest of a large corpus takes a while).
  let onThread = previous === undefined ? thread?.build(docs) : undefined;

  const reusable = previous !== undefined && previous.vectorsOk && sameModel(previous.manifest, options.model);
  const fromDeltas = reusable && previous.manifest.model !== null ? deltaVectors(options.indexDir, merging, previous.manifest.model.dimension, log) : new Map<string, DeltaVector>();
  /** The previous build's row of `p` when it held `p` unchanged. */
  const unchangedRow = (p: Passage): number | undefined => {
    const row = previous?.table.rowOf(p.id);
    return row !== undefined && previous!.table.hash(row) === p.hash ? row : undefined;
  };
  const held = options.model && reusable ? heldVectors(passages, previous, fromDeltas) : [];
  const toEmbed = options.model ? passages.filter((_, i) => held[i] === undefined) : [];
  const kept = new Set(passages.map((p) => p.id));
  const removed = previous ? countRemoved(previous.table, kept) : 0;

  // Without vectors nothing is embedded, yet only what the previous build held unchanged is reused.
  const unchangedSincePrevious = (): number => passages.filter((p) => unchangedRow(p) !== undefined).length;
  const report = (embedded: number, semanticOff?: string): BuildReport => ({
    articles: articles.length,
    passages: passages.length,
    embedded,
    reused: semanticOff === undefined ? passages.length - embedded : unchangedSincePrevious(),
    removed,
    skipped: problems,
    ...(semanticOff ? { semanticOff } : {}),
    ms: Math.round(performance.now() - started),
  });

  const unlabelled = PassageTable.fromPassages(passages, []);
  const digest = unlabelled.digest();
  const wantsKeywordOnly = options.model === undefined;
  if (
    previous &&
    previous.damaged.length === 0 &&
    previous.manifest.contentDigest === digest &&
    previous.manifest.keywordIndexKey === keywordIndexKey() &&
    toEmbed.length === 0 &&
    merging.length === 0 &&
    (wantsKeywordOnly || previous.manifest.model !== null)
  ) {
    // Same passages from different bytes (an edit that changed nothing kiji keeps, or an index from
    // before sourceKey): record the new key so the next run stops before parsing.
    if (previous.manifest.sourceKey !== sourceKey || source.worthRecording) {
      writeManifestAtomically(previous.dir, { ...previous.manifest, sourceKey, sourceFiles: source.stamps, skipped: problems });
    }
    if (checked) republish(options.indexDir, checked, log);
    return report(0, previous.manifest.semanticOff);
  }
  // From here on the keyword index is needed whatever happens to the vectors: on the thread, it is
  // built while the model loads and the vectors are placed. Whenever this thread has nothing else to
  // do it takes half of the documents the keyword thread has not begun (`help`), the analysing being
  // most of a keyword build: an update of an existing index usually embeds few passages, so it helps
  // at once; a fresh build helps once its vectors are placed.
  if (onThread === undefined && thread) {
    onThread = thread.build(docs);
    onThread.help();
  }
  let avgLengths: number[] | undefined;
  const keywordBytes = async (): Promise<Uint8Array> => {
    if (onThread) {
      onThread.help();
      try {
        const bytes = await onThread.bytes;
        avgLengths = await onThread.avgLengths;
        return bytes;
      } catch (error) {
        // The build's own errors (a bad passage id) are thrown as they would be here.
        if (!(error instanceof KeywordThreadFailed)) throw error;
        log(`${error.message} Building the keyword index on this thread instead.`);
      }
    }
    const built = KeywordIndex.build(docs);
    avgLengths = built.avgLengths;
    return built.serialize();
  };

  let embedder: Embedder | undefined;
  let semanticOff: string | undefined = wantsKeywordOnly ? 'semantic search is turned off (SEMANTIC_SEARCH=off)' : undefined;
  if (toEmbed.length > 0 && options.getEmbedder) {
    try {
      embedder = await options.getEmbedder();
    } catch (error) {
      if (!isKijiError(error, ErrorCodes.MODEL_UNAVAILABLE)) throw error;
      // Reported once by the caller from the report, not logged here as well.
      semanticOff = describeError(error);
    }
  } else if (toEmbed.length > 0) {
    semanticOff = 'no embedding model was given';
  }

  const buildId = newBuildId();
  const partialDir = startBuild(options.indexDir, buildId);
  let vectors: VectorStore | undefined;
  try {
    let labels: number[] = new Array<number>(passages.length).fill(-1);
    let embedded = 0;
    let model: Manifest['model'] = null;
    const canReuse = reusable && previous.manifest.model !== null && (embedder === undefined || previous.manifest.model.dimension === embedder.dimension);
    if (embedder || (canReuse && toEmbed.length === 0)) {
      const dimension = embedder?.dimension ?? previous!.manifest.model!.dimension;
      const result = await placeVectors({
        passages,
        previous: canReuse ? previous : undefined,
        held: canReuse ? held : [],
        dimension,
        embedder,
        hnsw: { ...hnswDefaults, ...options.hnsw },
        chunk: options.embedChunk ?? 256,
        onProgress: options.onProgress,
      });
      vectors = result.vectors;
      labels = result.labels;
      embedded = result.embedded;
      model = { id: options.model!.id, dtype: options.model!.dtype, dimension };
      semanticOff = undefined;
    }

    const table = PassageTable.fromPassages(passages, labels);
    const files: Record<string, number> = {};
    const checksums: Record<string, number> = {};
    const write = async (name: string, bytes: Uint8Array): Promise<void> => {
      let crc = 0;
      files[name] = await writeBinaryFile(path.join(partialDir, name), bytes, { update: (chunk) => (crc = crc32(chunk, crc)) });
      checksums[name] = crc;
    };
    // Files are written on libuv's pool, concurrently: the HNSW file (the largest) is written while
    // the keyword index is finished, instead of one after the other.
    const writes: Promise<void>[] = [];
    const vectorFile = path.join(partialDir, indexFiles.vectors);
    // hnswlib writes the graph itself: its checksum is taken by reading the file back (from the page cache).
    if (vectors) {
      writes.push(
        vectors.save(vectorFile).then(async (size) => {
          const { crc, bytes } = await fileCrc32(vectorFile);
          if (bytes !== size) throw new Error(`${vectorFile} changed while it was being written (${size} bytes written, ${bytes} read back)`);
          files[indexFiles.vectors] = size;
          checksums[indexFiles.vectors] = crc;
        }),
      );
    }
    try {
      const { columns, texts } = table.serialize();
      writes.push(write(indexFiles.passages, columns), write(indexFiles.texts, texts));
      // On the thread it has been building all along; here it is built now, while the files above are written.
      writes.push(write(indexFiles.keywords, await keywordBytes()));
    } finally {
      // Settled before any error propagates, so abandonBuild never races a write into the folder.
      const settled = await Promise.allSettled(writes);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
    const manifest: Manifest = {
      format: 'kiji-index',
      formatVersion: INDEX_FORMAT_VERSION,
      buildId,
      createdAt: new Date().toISOString(),
      model,
      ...(semanticOff ? { semanticOff } : {}),
      articles: articles.length,
      passages: passages.length,
      hnsw: vectors?.params ?? { ...hnswDefaults, ...options.hnsw },
      ...(vectors ? { vectorsUnordered: vectors.unordered } : {}),
      files,
      checksums,
      contentDigest: digest,
      keywordIndexKey: keywordIndexKey(),
      sourceKey,
      sourceFiles: source.stamps,
      skipped: problems,
      ...(avgLengths && avgLengths.length > 0 ? { keywordAvgLengths: avgLengths } : {}),
    };
    // The manifest goes last: a folder without one is never mistaken for a finished build.
    writeManifestAtomically(partialDir, manifest);
    publishMerged(options.indexDir, partialDir, merging, log);
    if (checked?.damaged.length) {
      const kept = passages.length - embedded;
      const fate = model === null ? `no vectors (${semanticOff})` : embedded === 0 ? `${kept} vectors reused` : `${embedded} passages embedded again, ${kept} vectors reused`;
      for (const line of repairLines(checked.damaged, fate)) log(line);
    }
    return report(embedded, semanticOff);
  } catch (error) {
    abandonBuild(partialDir);
    throw error;
  } finally {
    // Freed now rather than when collected (a large graph is gigabytes of native memory), and the previous
    // build's file, which a loaded graph holds open, let go of.
    vectors?.release();
  }
}

/**
 * The live build's manifest when it was made from exactly these article files with the same
 * chunking and keyword settings, every file passed its checksum, and its vectors are those of the
 * model asked for, or that model cannot be loaded: a model that fails to load is not a model change,
 * so the vectors (or the keyword-only index) of the previous build are kept rather than rebuilt.
 */
async function unchangedSince(
  checked: CheckedBuild,
  sourceKey: string,
  model: ModelKey | undefined,
  getEmbedder: (() => Promise<Embedder>) | undefined,
  log: (line: string) => void,
): Promise<{ manifest: Manifest; modelUnavailable?: string } | undefined> {
  const { manifest, damaged } = checked;
  if (damaged.length > 0 || manifest.sourceKey !== sourceKey || manifest.keywordIndexKey !== keywordIndexKey()) return undefined;
  if (model === undefined || sameModel(manifest, model)) return { manifest };
  // Another model (or none) made this index: only a model that loads changes anything.
  const modelUnavailable = await unavailableReason(getEmbedder);
  if (modelUnavailable === undefined) return undefined;
  log(`Index unchanged (model unavailable: ${manifest.model ? 'vectors kept from the previous build' : 'keyword search only, as before'}).`);
  return { manifest, modelUnavailable };
}

/** Why the model cannot be had, or undefined when it loads (kept by `once` for the build that follows). */
async function unavailableReason(getEmbedder: (() => Promise<Embedder>) | undefined): Promise<string | undefined> {
  if (!getEmbedder) return 'no embedding model was given';
  try {
    await getEmbedder();
    return undefined;
  } catch (error) {
    if (!isKijiError(error, ErrorCodes.MODEL_UNAVAILABLE)) throw error;
    return describeError(error);
  }
}

/** `load` called at most once: later calls share its outcome. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => (loading ??= load());
}

/** Only a saving for the next run: an index folder that cannot be written is still up to date. */
function recordStamps(dir: string, manifest: Manifest, source: SourceFingerprint, log: (line: string) => void): void {
  try {
    writeManifestAtomically(dir, { ...manifest, sourceFiles: source.stamps });
  } catch (error) {
    log(`Could not record the article files' stamps in ${dir} (${describeError(error)}); the next run reads them again.`);
  }
}

/** Write then rename, so a reader never sees half a manifest (it is also rewritten in a live build). */
function writeManifestAtomically(dir: string, manifest: Manifest): void {
  const file = path.join(dir, indexFiles.manifest);
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, manifestText(manifest));
  fs.renameSync(temporary, file);
}

function sameModel(manifest: Manifest, model: ModelKey | undefined): boolean {
  return model !== undefined && manifest.model !== null && manifest.model.id === model.id && manifest.model.dtype === model.dtype;
}

function countRemoved(table: PassageTable, kept: Set<string>): number {
  let removed = 0;
  for (let row = 0; row < table.size; row++) if (!kept.has(table.id(row))) removed++;
  return removed;
}

/**
 * The last good build's passage table, when its files can be trusted for reuse: without a readable
 * table (ids, hashes, vector labels) nothing can be reused and the build starts from scratch.
 */
function readPrevious(checked: CheckedBuild | undefined, log: (line: string) => void): PreviousBuild | undefined {
  if (!checked) return undefined;
  const { dir, manifest, damaged } = checked;
  if (!tableTrusted(checked)) {
    log(`The previous index cannot be reused (${damaged.map((d) => `${d.name} ${d.reason}`).join('; ')}); building from scratch.`);
    return undefined;
  }
  try {
    // Only ids, hashes and labels are compared: the texts stay on disk. A damaged texts.bin is never
    // read here (its texts are written anew from the articles), so a blank blob of its size stands in.
    const textsDamaged = damaged.some((d) => d.name === indexFiles.texts);
    const table = PassageTable.deserialize(
      readIndexFile(dir, manifest, indexFiles.passages),
      textsDamaged ? Buffer.alloc(manifest.files[indexFiles.texts] ?? 0) : checkedIndexFile(dir, manifest, indexFiles.texts),
      path.join(dir, indexFiles.passages),
    );
    return { dir, manifest, table, vectorsOk: vectorsTrusted(checked), damaged };
  } catch (error) {
    log(`The previous index cannot be reused (${describeWithoutHint(error)}); building from scratch.`);
    return undefined;
  }
}

/** A vector a passage can have without embedding it: a label of the previous build's graph, or a merged delta's vector. */
type HeldVector = { label: number } | { vector: Float32Array };

/**
 * For each passage, a vector already held for the same embedding input, or undefined when it must be
 * embedded. First by id and hash (the passage unchanged: it keeps its label); then, whatever the id,
 * by `passageEmbeddingKey`: ids are positional, so a paragraph inserted or removed near the top of an
 * article renumbers every later one, whose vectors are still good. Only texts some passage needs are
 * looked for, and only rows no passage holds by id are read back, so an update reads a few rows.
 */
function heldVectors(passages: readonly Passage[], previous: PreviousBuild, fromDeltas: Map<string, DeltaVector>): (HeldVector | undefined)[] {
  const { table } = previous;
  const held = new Array<HeldVector | undefined>(passages.length);
  /** Rows whose passage is held by id: their labels are taken, and their texts are a passage's own. */
  const heldRows = new Uint8Array(table.size);
  const missing: number[] = [];
  passages.forEach((p, i) => {
    const row = table.rowOf(p.id);
    if (row !== undefined && table.hash(row) === p.hash && table.label(row) >= 0) {
      held[i] = { label: table.label(row) };
      heldRows[row] = 1;
      return;
    }
    const inDelta = fromDeltas.get(p.id);
    if (inDelta !== undefined && inDelta.hash === p.hash) held[i] = { vector: inDelta.vector };
    else missing.push(i);
  });
  if (missing.length === 0) return held;

  const texts = new Set(missing.map((i) => passages[i]!.text));
  // Tested before `texts`: a set lookup hashes the whole string, which over every passage of a large
  // corpus costs more than the rest of this function.
  const lengths = new Set(missing.map((i) => passages[i]!.text.length));
  const wanted = new Set(missing.map((i) => passageEmbeddingKey(passages[i]!)));
  const byKey = new Map<string, HeldVector>();
  const offer = (key: string, vector: HeldVector): void => {
    if (wanted.has(key) && !byKey.has(key)) byKey.set(key, vector);
  };
  // Another passage held by id with the same input (two articles sharing a paragraph): its label is copied.
  passages.forEach((p, i) => {
    if (held[i] !== undefined && lengths.has(p.text.length) && texts.has(p.text)) offer(passageEmbeddingKey(p), held[i]!);
  });
  for (let row = 0; row < table.size; row++) {
    const label = table.label(row);
    if (label < 0 || heldRows[row] === 1) continue;
    const text = table.text(row);
    if (texts.has(text)) offer(passageEmbeddingKey({ title: table.article(row).title, section: table.section(row), text }), { label });
  }
  for (const inDelta of fromDeltas.values()) {
    const text = inDelta.table.text(inDelta.row);
    if (texts.has(text)) offer(passageEmbeddingKey({ title: inDelta.table.article(inDelta.row).title, section: inDelta.table.section(inDelta.row), text }), { vector: inDelta.vector });
  }
  if (byKey.size > 0) for (const i of missing) held[i] = byKey.get(passageEmbeddingKey(passages[i]!));
  return held;
}

interface PlaceVectorsInput {
  passages: Passage[];
  previous: PreviousBuild | undefined;
  /** Per passage, the vector it keeps (`heldVectors`); undefined: embedded. Labels only with `previous`. */
  held: readonly (HeldVector | undefined)[];
  dimension: number;
  embedder: Embedder | undefined;
  hnsw: HnswParams;
  chunk: number;
  onProgress: ((done: number, total: number) => void) | undefined;
}

/**
 * Starts from the previous vector index (or an empty one), keeps the labels passages still hold,
 * deletes the rest, and embeds what nothing held. Freed labels are reused so the index does not grow
 * with every edit.
 */
async function placeVectors(input: PlaceVectorsInput): Promise<{ vectors: VectorStore; labels: number[]; embedded: number }> {
  const { passages, previous, held } = input;
  let vectors: VectorStore;
  const labels = new Array<number>(passages.length).fill(-1);
  const freeLabels: number[] = [];
  let nextLabel = 0;
  /** Vectors placed as they are, under new labels: a merged delta's, or a copy of a label another passage holds. */
  const carried: { i: number; vector: Float32Array }[] = [];
  if (previous) {
    const { manifest, dir, table } = previous;
    vectors = await VectorStore.load(
      path.join(dir, indexFiles.vectors),
      input.dimension,
      { ...manifest.hnsw, efSearch: input.hnsw.efSearch },
      manifest.files[indexFiles.vectors] ?? -1,
      manifest.vectorsUnordered ?? 0,
    );
    // A label stays with the passage of its own id, else goes to the first passage that holds it (the
    // graph is left as it is); any other passage with the same embedding input gets a copy of its
    // vector under a label of its own.
    const taken = new Set<number>();
    const ownLabel = (i: number): number | undefined => {
      const row = table.rowOf(passages[i]!.id);
      return row === undefined ? undefined : table.label(row);
    };
    const byLabel = held.flatMap((h, i) => (h !== undefined && 'label' in h ? [{ i, label: h.label }] : []));
    for (const { i, label } of byLabel) {
      if (ownLabel(i) !== label) continue;
      taken.add(label);
      labels[i] = label;
    }
    for (const { i, label } of byLabel) {
      if (labels[i] !== -1) continue;
      if (taken.has(label)) {
        carried.push({ i, vector: vectors.vector(label) });
      } else {
        taken.add(label);
        labels[i] = label;
      }
    }
    for (let row = 0; row < table.size; row++) {
      const label = table.label(row);
      if (label < 0) continue;
      nextLabel = Math.max(nextLabel, label + 1);
      if (!taken.has(label)) {
        vectors.remove(label);
        freeLabels.push(label);
      }
    }
  } else {
    if (held.some((h) => h !== undefined && 'label' in h)) throw new Error('placeVectors: labels held without a previous build');
    vectors = await VectorStore.create(input.dimension, passages.length, input.hnsw);
  }

  held.forEach((h, i) => {
    if (h !== undefined && 'vector' in h) carried.push({ i, vector: h.vector });
  });
  if (carried.length > 0) {
    vectors.addMany(
      carried.map(({ i }) => (labels[i] = freeLabels.pop() ?? nextLabel++)),
      carried.map((c) => c.vector),
    );
  }
  const pending = passages.map((p, i) => ({ p, i })).filter(({ i }) => held[i] === undefined);
  if (pending.length > 0 && !input.embedder) throw new Error('placeVectors: passages need embedding but no embedder was loaded');
  let done = 0;
  input.onProgress?.(0, pending.length);
  for (let start = 0; start < pending.length; start += input.chunk) {
    const batch = pending.slice(start, start + input.chunk);
    const embeddings = await input.embedder!.embedPassages(batch.map(({ p }) => passageEmbeddingText(p)));
    const batchLabels = batch.map(({ i }) => (labels[i] = freeLabels.pop() ?? nextLabel++));
    vectors.addMany(batchLabels, embeddings);
    done += batch.length;
    input.onProgress?.(done, pending.length);
  }
  // Once, after the last insert: graph neighbours placed together make every later search faster.
  vectors.renumber();
  return { vectors, labels, embedded: pending.length };
}

/** The deltas listed over the build in `buildDir` (none when its list is damaged: it is then rebuilt from the articles). */
function liveDeltas(buildDir: string): DeltaEntry[] {
  try {
    return readSegments(buildDir).deltas;
  } catch {
    return [];
  }
}

interface DeltaVector {
  hash: string;
  vector: Float32Array;
  /** The delta's table and row, read only when another passage looks for the same embedding input. */
  table: PassageTable;
  row: number;
}

/**
 * The vectors of the deltas being merged, by passage id (a later delta's over an earlier one's), when
 * they have `dimension`. A delta that fails its checks gives none: its passages are embedded again.
 */
function deltaVectors(indexDir: string, deltas: readonly DeltaEntry[], dimension: number, log: (line: string) => void): Map<string, DeltaVector> {
  const found = new Map<string, DeltaVector>();
  for (const entry of deltas) {
    try {
      const delta = loadDelta(indexDir, entry);
      if (!delta.vectors || delta.manifest.dimension !== dimension) continue;
      for (let row = 0; row < delta.table.size; row++) {
        found.set(delta.table.id(row), { hash: delta.table.hash(row), vector: delta.vectors.subarray(row * dimension, (row + 1) * dimension), table: delta.table, row });
      }
      delta.keywords.close();
    } catch (error) {
      log(`The delta ${entry.name} cannot be reused (${describeWithoutHint(error)}); its passages are embedded again.`);
    }
  }
  return found;
}

/**
 * Publishes a finished build over the deltas it merged: under the segments lock, deltas committed to
 * the live build's list since `merged` was read are carried over into the new build's list (their
 * deletions are by article id, so they hold over the new build), then CURRENT flips. Deltas no list
 * names any longer are removed.
 */
function publishMerged(indexDir: string, partialDir: string, merged: readonly DeltaEntry[], log: (line: string) => void): void {
  withSegmentsLock(indexDir, () => {
    const live = currentBuildDir(indexDir);
    const done = new Set(merged.map((d) => d.name));
    let carried: DeltaEntry[] = [];
    let next = 0;
    if (live !== undefined) {
      try {
        const list = readSegments(live);
        carried = list.deltas.filter((d) => !done.has(d.name));
        next = list.next;
      } catch {
        // A damaged list carries nothing: its deltas' articles are in the folder this build read.
      }
    }
    const buildId = path.basename(partialDir).replace(/^build-/, '').replace(/\.partial$/, '');
    if (carried.length > 0) {
      writeSegments(partialDir, { format: 'kiji-segments', base: buildId, next, deltas: carried });
      log(`Carried over ${carried.length} delta segment(s) made while this build ran.`);
    }
    publishBuild(indexDir, partialDir);
    removeUnlistedDeltas(indexDir, new Set(carried.map((d) => d.name)), log);
  });
}
