import type { Settings } from './config/settings.js';
import type { Embedder } from './embeddings/embedder.js';
import type { ModelKey } from './store/build.js';
import { buildInWorker } from './store/build-worker.js';
import { buildFromSettings, modelKey, openEmbedder, type Log } from './build-from-settings.js';
import { loadIndex, releaseIndex, type LoadedIndex } from './store/load.js';
import type { SearchTuning } from './retrieval/search.js';
import { markDamaged, searchWithFallback, type Damage } from './retrieval/fallback.js';
import { defaultMinSimilarity } from './retrieval/relevance.js';
import type { ArticleSummary, BuildReport, Library, SearchOptions, SearchResponse } from './retrieval/types.js';
import type { Passage } from './passages/passage.js';
import { ErrorCodes, describeError, describeWithoutHint, isKijiError } from './errors.js';

export { buildFromSettings, modelKey, openEmbedder, type Log } from './build-from-settings.js';

export interface OpenOptions {
  log?: Log;
  /** Build the index first when none exists (the CLI and the bot both want this). */
  buildIfMissing?: boolean;
  /** Rebuild from the articles when the index is unreadable instead of failing (the bot wants this). */
  rebuildIfUnreadable?: boolean;
  onProgress?: (done: number, total: number) => void;
  tuning?: SearchTuning;
  /** Files above this many bytes are checked after loading rather than before (`LoadOptions.backgroundCheckFrom`); for tests. */
  backgroundCheckFrom?: number;
}

class KijiLibrary implements Library {
  private rebuilding: Promise<BuildReport> | undefined;
  /** The rebuild that starts when the running one ends, for changes made while it runs. */
  private queued: Promise<BuildReport> | undefined;
  /** Loaded indexes whose damage started a rebuild: one each, not one per question. */
  private readonly repairing = new WeakSet<LoadedIndex>();
  /** Searches running on each index: one swapped out by a reindex is released when its last search ends. */
  private readonly searching = new Map<LoadedIndex, number>();

  constructor(
    private index: LoadedIndex,
    private readonly embedder: Embedder | undefined,
    private readonly settings: Settings,
    private readonly options: OpenOptions,
  ) {
    this.watch(index);
  }

  get buildId(): string {
    return this.index.manifest.buildId;
  }

  /** Why only keyword search is in use, if it is. */
  get semanticOff(): string | undefined {
    return this.embedder ? this.index.semanticOff : (this.index.semanticOff ?? 'no embedding model loaded');
  }

  get loaded(): LoadedIndex {
    return this.index;
  }

  async search(question: string, options: SearchOptions): Promise<SearchResponse> {
    // The index is pinned for the whole search: a reindex may swap it while the query is embedded.
    const index = this.index;
    this.searching.set(index, (this.searching.get(index) ?? 0) + 1);
    try {
      return await searchWithFallback(index, this.embedder, question, options, this.tuning, (damage) => this.onDamage(index, damage));
    } finally {
      const left = this.searching.get(index)! - 1;
      if (left > 0) {
        this.searching.set(index, left);
      } else {
        this.searching.delete(index);
        // Swapped out while this search ran (a reindex never swaps an index back in).
        if (index !== this.index) releaseIndex(index);
      }
    }
  }

  private swap(next: LoadedIndex): void {
    const old = this.index;
    this.index = next;
    this.watch(next);
    // With searches still on it, the last of them releases it.
    if (!this.searching.has(old)) releaseIndex(old);
  }

  private get tuning(): SearchTuning {
    const minSimilarity = this.settings.minSimilarity ?? defaultMinSimilarity(this.settings.model);
    return { ...this.options.tuning, relevance: { minSimilarity, ...this.options.tuning?.relevance } };
  }

  /** Hears of the background check of a loaded index's large files (load-checks.ts). */
  private watch(index: LoadedIndex): void {
    void index.backgroundCheck?.done.then(
      (found) => {
        for (const d of found) {
          const damage = { name: d.name, reason: `${d.file} ${d.reason}` };
          if (markDamaged(index, damage)) this.onDamage(index, damage);
        }
      },
      (error: unknown) => this.options.log?.(`The background check of ${index.dir} could not run: ${describeError(error)}`),
    );
  }

  /** Damage found in a loaded index: said once; the bot rebuilds in the background while the intact half answers. */
  private onDamage(index: LoadedIndex, damage: Damage): void {
    if (index !== this.index) return;
    const log = this.options.log ?? (() => {});
    const repairs = this.options.rebuildIfUnreadable === true && !this.repairing.has(index);
    log(
      `The index file ${damage.name} is damaged (${damage.reason}); answering from the rest of the index${repairs ? ' while it is rebuilt in the background' : ' until it is rebuilt with `npm run embed`'}.`,
    );
    if (!repairs) return;
    this.repairing.add(index);
    this.reindex().then(
      (report) => log(`Rebuilt the damaged index: ${report.passages} passages (${report.embedded} embedded); answering from the new build ${this.buildId}.`),
      (error: unknown) => log(`Rebuilding the damaged index failed: ${describeError(error)}`),
    );
  }

  articles(): ArticleSummary[] {
    return this.index.table.articleSummaries();
  }

  passage(id: string): Passage | undefined {
    const row = this.index.table.rowOf(id);
    return row === undefined ? undefined : this.index.table.passage(row);
  }

  /**
   * A rebuild that starts after this call, so it sees every article change made before it. One runs at
   * a time: a call during a rebuild queues one more after it, shared by every call made until that one
   * starts. The old index serves until each swap.
   */
  reindex(): Promise<BuildReport> {
    if (!this.rebuilding) return this.startRebuild();
    this.queued ??= this.rebuilding.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      this.queued = undefined;
      return this.startRebuild();
    });
    return this.queued;
  }

  private startRebuild(): Promise<BuildReport> {
    const rebuilding: Promise<BuildReport> = this.rebuild().finally(() => {
      if (this.rebuilding === rebuilding) this.rebuilding = undefined;
    });
    this.rebuilding = rebuilding;
    return rebuilding;
  }

  private async rebuild(): Promise<BuildReport> {
    // In a child process, so the bot keeps answering while the rebuild embeds and indexes.
    // The child loads its own copy of the model, and only if some passage changed.
    const report = await buildInWorker({
      settings: this.settings,
      ...(this.options.log ? { log: this.options.log } : {}),
      ...(this.embedder ? {} : { semanticOff: this.semanticOff ?? 'no embedding model loaded' }),
    });
    this.swap(await loadIndex(this.settings.indexDir, { ...this.modelForLoad(), ...keywordLoadOptions(this.settings, this.options), ...(this.options.log ? { log: this.options.log } : {}) }));
    return report;
  }

  modelForLoad(): { model?: ModelKey } {
    const model = this.embedder ? modelKey(this.settings) : undefined;
    return model ? { model } : {};
  }
}

/** The settings' keyword search budget as `loadIndex` takes it (0 in settings: no limit), and when files are checked. */
function keywordLoadOptions(settings: Settings, options: OpenOptions): { keywordMaxPostings: number; backgroundCheckFrom?: number } {
  const checks = options.backgroundCheckFrom === undefined ? {} : { backgroundCheckFrom: options.backgroundCheckFrom };
  return { keywordMaxPostings: settings.keywordMaxPostings === 0 ? Infinity : settings.keywordMaxPostings, ...checks };
}

/**
 * Everything a front end needs, loaded once: the embedding model (if it can be had) and the
 * index (built first when missing).
 */
export async function openLibrary(settings: Settings, options: OpenOptions = {}): Promise<Library & { semanticOff?: string; loaded: LoadedIndex }> {
  const log = options.log ?? (() => {});
  // The index loads beside the model (each can take seconds: a large index, a real embedding model),
  // for the model the settings name. Its outcome is awaited below, or dropped
  // (and freed) when that model does not load: then the index is loaded again without vectors.
  const wanted = modelKey(settings);
  const loading = loadIndex(settings.indexDir, { ...(wanted ? { model: wanted } : {}), ...keywordLoadOptions(settings, options), log });
  loading.catch(() => {});
  const { embedder, semanticOff } = await openEmbedder(settings, log);
  const model = embedder ? wanted : undefined;
  const load = () => loadIndex(settings.indexDir, { ...(model ? { model } : {}), ...keywordLoadOptions(settings, options), log });
  // Not searched by anyone: its graph (gigabytes for a large index) is freed as soon as it has loaded.
  if (model !== wanted) loading.then(releaseIndex, () => {});
  let index: LoadedIndex;
  try {
    index = model === wanted ? await loading : await load();
  } catch (error) {
    const missing = isKijiError(error, ErrorCodes.INDEX_MISSING) && options.buildIfMissing;
    const unreadable = isKijiError(error, ErrorCodes.INDEX_CORRUPT) && options.rebuildIfUnreadable;
    // An index from an older kiji is rebuilt like a missing one: after an upgrade, the README's
    // first command must still answer rather than send the user to `npm run embed`.
    const outdated = isKijiError(error, ErrorCodes.INDEX_OUTDATED) && (options.buildIfMissing || options.rebuildIfUnreadable);
    if (!missing && !unreadable && !outdated) throw error;
    log(missing ? `No index yet in ${settings.indexDir}: building it from ${settings.articlesPath}.` : `${describeWithoutHint(error)} Rebuilding it.`);
    const report = await buildFromSettings(settings, { log, ...(embedder ? { embedder } : {}), ...(semanticOff ? { semanticOff } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
    log(`Indexed ${report.passages} passages from ${report.articles} articles (${report.embedded} embedded) in ${report.ms} ms.`);
    index = await load();
  }
  return new KijiLibrary(index, embedder, settings, options);
}
