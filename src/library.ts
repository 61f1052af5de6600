import type { Settings } from './config/settings.js';
import type { Embedder } from './embeddings/embedder.js';
import type { ModelKey } from './store/build.js';
import { buildInWorker } from './store/build-worker.js';
import { buildFromSettings, modelKey, openEmbedder, type Log } from './build-from-settings.js';
import { loadIndex, releaseIndex, type LoadedIndex } from './store/load.js';
import { SegmentedFileStore, type MergeSettings } from './store/index-store.js';
import type { LoadedDelta } from './store/segments.js';
import type { IndexChange } from './index-types.js';
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
  /** When delta segments are merged into a new build (default `segmentDefaults`). */
  merge?: MergeSettings;
}

class KijiLibrary implements Library {
  private rebuilding: Promise<BuildReport> | undefined;
  /** The rebuild that starts when the running one ends, for changes made while it runs. */
  private queued: Promise<BuildReport> | undefined;
  /** Loaded indexes whose damage started a rebuild: one each, not one per question. */
  private readonly repairing = new WeakSet<LoadedIndex>();
  /** Searches running on each index: one swapped out by a reindex is released when its last search ends. */
  private readonly searching = new Map<LoadedIndex, number>();
  /** Article changes are applied one at a time, each on the index the one before it left. */
  private applying: Promise<unknown> = Promise.resolve();

  constructor(
    private index: LoadedIndex,
    private readonly embedder: Embedder | undefined,
    private readonly settings: Settings,
    private readonly options: OpenOptions,
    private readonly store: SegmentedFileStore,
  ) {
    this.watch(index);
    this.checkSegments(index);
  }

  /** The build's id, and with delta segments the number of updates applied to it: a new id for every change of content. */
  get buildId(): string {
    const segments = this.index.segments;
    return segments ? `${this.index.manifest.buildId}+${segments.list.next}` : this.index.manifest.buildId;
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
        if (index !== this.index) this.release(index);
      }
    }
  }

  private swap(next: LoadedIndex): void {
    const old = this.index;
    this.index = next;
    // A snapshot with new deltas shares its build (and that build's background check) with the one before.
    if (next.backgroundCheck !== old.backgroundCheck) this.watch(next);
    this.checkSegments(next);
    // With searches still on it, the last of them releases it.
    if (!this.searching.has(old)) this.release(old);
  }

  /** Frees an index swapped out, unless its build lives on in the current index or one a search still runs on. */
  private release(old: LoadedIndex): void {
    const shares = (other: LoadedIndex): boolean => other.keywords === old.keywords;
    if (shares(this.index) || [...this.searching.keys()].some(shares)) return;
    releaseIndex(old);
  }

  /** Deltas that failed to load are said once per set, and a merge (when the bot repairs) brings their articles back. */
  private checkSegments(index: LoadedIndex): void {
    const damaged = index.segments?.damaged ?? [];
    if (damaged.length === 0) return;
    const log = this.options.log ?? (() => {});
    for (const d of damaged) log(`The delta segment ${d.name} is damaged (${d.reason}); it is left out until the index is merged.`);
    if (this.options.rebuildIfUnreadable === true) this.mergeInBackground();
  }

  /** Folds the deltas into a new build in the background (a rebuild that embeds nothing they hold). */
  private mergeInBackground(): void {
    if (this.rebuilding) return;
    const log = this.options.log ?? (() => {});
    this.reindex().then(
      (report) => log(`Merged the index updates into build ${this.buildId}: ${report.passages} passages (${report.embedded} embedded).`),
      (error: unknown) => log(`Merging the index updates failed: ${describeError(error)}`),
    );
  }

  /**
   * Applies a change of articles as a delta segment (store/segments.ts): only its passages are chunked,
   * only those the index does not hold already are embedded, and the index that includes them is
   * swapped in before this resolves. When the deltas have grown past the merge settings, a merge
   * starts in the background.
   */
  applyChange(change: IndexChange): Promise<BuildReport> {
    const run = this.applying.catch(() => {}).then(async () => {
      const { snapshot, report } = await this.store.apply(this.index, change, this.embedder);
      this.swap(snapshot);
      if (this.store.needsMerge(snapshot)) this.mergeInBackground();
      return report;
    });
    this.applying = run;
    return run;
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
    return this.store.articles(this.index);
  }

  passage(id: string): Passage | undefined {
    return this.store.passage(this.index, id);
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

  /**
   * Resolves once no change is being applied and no rebuild or merge runs or waits, whatever their
   * outcome: for whoever removes the index folder next (tests), since a merge writes to it in the background.
   */
  async settled(): Promise<void> {
    while (this.rebuilding || this.queued) await (this.queued ?? this.rebuilding)!.catch(() => {});
    await this.applying.catch(() => {});
    if (this.rebuilding || this.queued) return this.settled();
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
    // Updates applied while the build ran were carried over into its segments list: they come with it.
    // Loaded and swapped in turn with the updates, so an update's snapshot is never replaced by an older load.
    const swapped = this.applying.catch(() => {}).then(async () => this.swap(await this.store.load()));
    this.applying = swapped;
    await swapped;
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
export async function openLibrary(
  settings: Settings,
  options: OpenOptions = {},
): Promise<Library & { semanticOff?: string; loaded: LoadedIndex; applyChange(change: IndexChange): Promise<BuildReport>; settled(): Promise<void> }> {
  const log = options.log ?? (() => {});
  // The index loads beside the model (each can take seconds: a large index, a real embedding model),
  // for the model the settings name. Its outcome is awaited below, or dropped
  // (and freed) when that model does not load: then the index is loaded again without vectors.
  const wanted = modelKey(settings);
  const deltaCache = new Map<string, LoadedDelta>();
  const loading = loadIndex(settings.indexDir, { ...(wanted ? { model: wanted } : {}), ...keywordLoadOptions(settings, options), log, deltaCache });
  loading.catch(() => {});
  const { embedder, semanticOff } = await openEmbedder(settings, log);
  const model = embedder ? wanted : undefined;
  const store = new SegmentedFileStore(settings.indexDir, { ...(model ? { model } : {}), ...keywordLoadOptions(settings, options), log, deltaCache }, options.merge);
  const load = () => store.load();
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
  return new KijiLibrary(index, embedder, settings, options, store);
}
