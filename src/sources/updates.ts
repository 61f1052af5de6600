/**
 * The bot's side of the sources: store an article (a page, an upload, a feed's items), then update
 * the index. Every change to the articles ends in `IndexUpdates.articlesChanged`: with a library that
 * applies changes (`IndexUpdates.segmented`), the changed articles become a delta segment (only their
 * new passages embedded, store/segments.ts); otherwise a rebuild through `Library.reindex`.
 */
import path from 'node:path';
import type { SourceSettings } from '../config/sources.js';
import { describeError, ErrorCodes, KijiError } from '../errors.js';
import type { BuildReport, Library } from '../retrieval/types.js';
import type { ArticleChange, IndexChange } from '../index-types.js';
import type { Article } from '../articles/article.js';
import { parseJsonl } from '../articles/jsonl.js';
import { FETCHED_FOLDER, sourceFileName } from './article-store.js';
import { UPLOADS_FOLDER } from './upload-store.js';
import type { PutOutcome, StoredArticle } from './article-store.js';
import type { FeedState } from './feed-store.js';
import { loadFeedsFile, type FeedConfig } from './feeds-file.js';
import { parseFeed } from './feeds.js';
import { writeFileAtomic } from './files.js';
import type { Sources } from './ingest.js';
import { changedArticles, fetcherFromSettings, openSources, pollFeeds } from './ingest.js';
import { fetchArticlePage } from './page.js';
import type { FeedPollReport } from './poll.js';
import { Poller, systemClock, type Clock } from './poller.js';
import { articleFromUpload, UPLOAD_EXTENSIONS } from './upload.js';
import { UploadStore, type UploadedArticle, type UploadOutcome } from './upload-store.js';

export type { ArticleChange } from '../index-types.js';

function emptyChange(): ArticleChange {
  return { added: [], changed: [], removed: [] };
}

/** An index that applies a change of articles without a rebuild (the Library, over delta segments). */
export interface ChangeApplier {
  applyChange(change: IndexChange): Promise<BuildReport>;
}


/**
 * Index updates after article changes, one at a time: a change that arrives while an update runs is
 * queued, and changes queued meanwhile share one further update. The promise a caller gets settles
 * once an update that includes its change is searchable.
 */
export class IndexUpdates {
  private running: Promise<BuildReport> | undefined;
  private queued: { change: ArticleChange; promise: Promise<BuildReport> } | undefined;

  /** `apply` makes the index match the articles folder, given what changed in it. */
  constructor(private readonly apply: (change: ArticleChange) => Promise<BuildReport>) {}

  /** An index without delta segments: a rebuild that reuses the vectors of unchanged passages. */
  static rebuilding(library: Pick<Library, 'reindex'>): IndexUpdates {
    return new IndexUpdates(() => library.reindex());
  }

  /**
   * Each change applied as a delta segment: its added and changed articles (from the change, or
   * `read` by id: just those, never the whole folder) and its removals. An id `read` no longer finds
   * was removed since, and is applied as removed.
   */
  static segmented(library: ChangeApplier, read: (ids: readonly string[]) => Article[]): IndexUpdates {
    return new IndexUpdates((change) => {
      const given = new Map((change.articles ?? []).map((a) => [a.id, a]));
      const wanted = [...new Set([...change.added, ...change.changed])];
      const found = new Map(read(wanted.filter((id) => !given.has(id))).map((a) => [a.id, a]));
      const articles = wanted.map((id) => given.get(id) ?? found.get(id)).filter((a): a is Article => a !== undefined);
      const gone = wanted.filter((id) => !given.has(id) && !found.has(id));
      return library.applyChange({ articles, removed: [...new Set([...change.removed, ...gone])] });
    });
  }

  articlesChanged(change: ArticleChange): Promise<BuildReport> {
    if (this.queued) {
      for (const key of ['added', 'changed', 'removed'] as const) this.queued.change[key].push(...change[key]);
      if (change.articles) (this.queued.change.articles ??= []).push(...change.articles);
      return this.queued.promise;
    }
    if (!this.running) return this.run(change);
    const copy: ArticleChange = { added: [...change.added], changed: [...change.changed], removed: [...change.removed], ...(change.articles ? { articles: [...change.articles] } : {}) };
    const queued = { change: copy, promise: Promise.resolve() as unknown as Promise<BuildReport> };
    queued.promise = this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.run(queued.change);
      });
    this.queued = queued;
    return queued.promise;
  }

  /** Resolves when no update runs or waits (for shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.queued) await (this.queued?.promise ?? this.running)!.catch(() => {});
  }

  private run(change: ArticleChange): Promise<BuildReport> {
    const update: Promise<BuildReport> = this.apply(change).finally(() => {
      if (this.running === update) this.running = undefined;
    });
    this.running = update;
    return update;
  }
}

/** What `/add` did with one article. */
export interface AddedArticle {
  outcome: PutOutcome['kind'];
  title: string;
  published?: string;
  url?: string;
  paragraphs: number;
  /** Titles of articles uploaded earlier from a file of the same name, kept beside this one (a new upload only). */
  namesakes?: string[];
}

/** A stored article `/remove` can remove: kiji's own (fetched or uploaded), never a file placed by hand. */
export interface RemovableArticle {
  id: string;
  title: string;
  kind: 'fetched' | 'uploaded';
}

export interface FeedListing {
  feed: FeedConfig;
  state: FeedState;
}

export interface ArticleUpdatesOptions {
  sources: Sources;
  uploads: UploadStore;
  index: IndexUpdates;
  /** The feeds file `/feeds add` and `/feeds remove` edit, and the poller reads. */
  feedsFile: string;
  /** Largest upload accepted (bytes). */
  maxUploadBytes: number;
  log?: (entry: Record<string, unknown>) => void;
}

export interface PollingOptions {
  clock?: Clock;
  /** New articles of a poll, once the index update that includes them is searchable. */
  onNewArticles?: (articles: readonly StoredArticle[]) => void | Promise<void>;
}

const paragraphCount = (body: string): number => body.split(/\n\n+/).filter((p) => p.trim() !== '').length;

function stored(article: StoredArticle | UploadedArticle, outcome: PutOutcome['kind']): AddedArticle {
  return {
    outcome,
    title: article.title,
    paragraphs: paragraphCount(article.body),
    ...(article.published ? { published: article.published } : {}),
    ...(article.url ? { url: article.url } : {}),
  };
}

function changeOf(outcome: PutOutcome | UploadOutcome, change: ArticleChange): void {
  if (outcome.kind === 'added') change.added.push(outcome.article.id);
  else if (outcome.kind === 'changed') change.changed.push(outcome.article.id);
}

/**
 * The operations of `/add`, `/remove` and `/feeds`, and the bot's feed poller, over one articles
 * folder. Stores and feeds-file edits run one at a time, so two members adding at once cannot
 * overwrite each other's file.
 */
export class ArticleUpdates {
  private poller: Poller | undefined;
  private feeds: FeedConfig[] = [];
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ArticleUpdatesOptions) {}

  get index(): IndexUpdates {
    return this.options.index;
  }

  /** Runs `task` after the ones before it, whatever they ended in. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.turn.catch(() => {}).then(task);
    this.turn = next;
    return next;
  }

  /**
   * Fetches one page, stores its article under its site's name (or host), and updates the index.
   * Throws FETCH_REFUSED / FETCH_FAILED / NO_ARTICLE with a one-line reason; nothing is stored then.
   */
  async addUrl(url: string): Promise<AddedArticle> {
    const { sources } = this.options;
    const page = await fetchArticlePage(url, { fetcher: sources.fetcher, ...sources.extract });
    const change = emptyChange();
    const outcome = await this.serial(async () => {
      const put = sources.articles.put(page, { source: page.siteName ?? new URL(page.url).host, link: url });
      changeOf(put, change);
      if (put.kind === 'added' || put.kind === 'changed') await sources.save();
      return put;
    });
    if (change.added.length + change.changed.length > 0) await this.index.articlesChanged(change);
    return stored(outcome.article, outcome.kind);
  }

  /** Stores the articles of one uploaded file and updates the index. Throws FETCH_REFUSED / ARTICLE_PARSE / NO_ARTICLE; nothing is stored then. */
  async addUpload(name: string, bytes: Uint8Array): Promise<AddedArticle[]> {
    const articles = articleFromUpload(name, bytes, { maxBytes: this.options.maxUploadBytes });
    if (articles.length === 0) {
      throw new KijiError(ErrorCodes.NO_ARTICLE, `${name} holds no readable article, so nothing was indexed.`, {
        hint: 'A .md file starts with a "# Title" line; a .txt file with the title on its first line; .jsonl has {"title", "body"} a line.',
      });
    }
    const change = emptyChange();
    const outcomes = await this.serial(async () => {
      const results = articles.map((article) => this.options.uploads.put(article, name));
      for (const outcome of results) changeOf(outcome, change);
      await this.options.uploads.save();
      return results;
    });
    if (change.added.length + change.changed.length > 0) await this.index.articlesChanged(change);
    return outcomes.map((o) => ({ ...stored(o.article, o.kind), ...(o.kind === 'added' && o.namesakes.length > 0 ? { namesakes: o.namesakes.map((n) => n.title) } : {}) }));
  }

  /**
   * An uploaded file at `url` (Discord's CDN) of `size` bytes: refused before the download when its
   * type or size is wrong, else downloaded through the same fetcher as pages, then stored as `addUpload`.
   */
  async addAttachment(name: string, url: string, size: number): Promise<AddedArticle[]> {
    this.checkAttachment(name, size);
    const response = await this.options.sources.fetcher.fetch(url);
    return this.addUpload(name, response.body);
  }

  /** Throws FETCH_REFUSED for a file kiji does not read or one over the size limit. */
  checkAttachment(name: string, size: number): void {
    const max = this.options.maxUploadBytes;
    if (!(UPLOAD_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase())) {
      throw new KijiError(ErrorCodes.FETCH_REFUSED, `${name} is not a file kiji reads.`, { hint: `Upload one of ${UPLOAD_EXTENSIONS.join(', ')}.` });
    }
    if (size > max) {
      throw new KijiError(ErrorCodes.FETCH_REFUSED, `${name} is ${Math.ceil(size / 1024)} KB, larger than the ${Math.round(max / 1024)} KB limit.`, { hint: 'Split it, or raise INGEST_MAX_BYTES.' });
    }
  }

  /** kiji's own articles, for `/remove`'s autocomplete. */
  removable(): RemovableArticle[] {
    return [
      ...this.options.sources.articles.all().map((a) => ({ id: a.id, title: a.title, kind: 'fetched' as const })),
      ...this.options.uploads.all().map((a) => ({ id: a.id, title: a.title, kind: 'uploaded' as const })),
    ];
  }

  /** Removes one of kiji's own articles, by id or exact title; undefined when none matches. */
  async remove(idOrTitle: string): Promise<RemovableArticle | undefined> {
    const { sources, uploads } = this.options;
    const removed = await this.serial(async () => {
      const target = this.removable().find((a) => a.id === idOrTitle) ?? this.removable().find((a) => a.title === idOrTitle.trim());
      if (!target) return undefined;
      if (target.kind === 'uploaded') {
        uploads.remove(target.id);
        await uploads.save();
      } else {
        const record = sources.articles.remove(sources.articles.all().find((a) => a.id === target.id)!.url)!;
        forgetFeedItem(sources, record);
        await sources.save();
      }
      return target;
    });
    if (removed) await this.index.articlesChanged({ added: [], changed: [], removed: [removed.id] });
    return removed;
  }

  /** What the last polls of `url` found. */
  feedState(url: string): FeedState {
    return this.options.sources.feeds.get(url);
  }

  /** The feeds of the feeds file with what the last polls found. */
  async listFeeds(): Promise<FeedListing[]> {
    const feeds = await loadFeedsFile(this.options.feedsFile, { required: false });
    return feeds.map((feed) => ({ feed, state: this.feedState(feed.url) }));
  }

  /**
   * Checks that `feed.url` is a feed (one fetch and parse), then adds it to the feeds file and to the
   * poller. Throws NOT_A_FEED / FETCH_* or BAD_ARGUMENT (a name or URL already listed).
   */
  async addFeed(feed: FeedConfig): Promise<{ items: number; title?: string }> {
    const response = await this.options.sources.fetcher.fetch(feed.url, { accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5' });
    const parsed = parseFeed(response.body, response.contentType, response.url);
    await this.serial(async () => {
      const feeds = await loadFeedsFile(this.options.feedsFile, { required: false });
      const clash = feeds.find((f) => f.url === feed.url || (feed.name !== undefined && f.name === feed.name));
      if (clash) {
        throw new KijiError(ErrorCodes.BAD_ARGUMENT, `${clash.url === feed.url ? feed.url : `The name ${feed.name}`} is already in the feeds list.`, {
          hint: 'Remove it first with /feeds remove, or pick another name.',
        });
      }
      await this.writeFeeds([...feeds, feed]);
    });
    return { items: parsed.items.length, ...(parsed.title ? { title: parsed.title } : {}) };
  }

  /** Removes a feed by its name (or URL) from the feeds file and the poller; its articles stay. Undefined when none matches. */
  async removeFeed(nameOrUrl: string): Promise<FeedConfig | undefined> {
    return this.serial(async () => {
      const feeds = await loadFeedsFile(this.options.feedsFile, { required: false });
      const target = feeds.find((f) => f.name === nameOrUrl) ?? feeds.find((f) => f.url === nameOrUrl);
      if (!target) return undefined;
      await this.writeFeeds(feeds.filter((f) => f !== target));
      return target;
    });
  }

  private async writeFeeds(feeds: FeedConfig[]): Promise<void> {
    await writeFileAtomic(this.options.feedsFile, `${JSON.stringify(feeds, null, 2)}\n`);
    this.feeds = feeds;
    this.poller?.setFeeds(feeds);
  }

  /**
   * Polls the feeds of the feeds file, each on its interval (a restart waits out the interval since
   * the last poll); feeds added or removed later with /feeds take effect at once. After a poll that added or changed articles, updates the index, then hands the new
   * ones to `onNewArticles`. One log entry per poll.
   */
  async startPolling(options: PollingOptions = {}): Promise<void> {
    const { sources } = this.options;
    const clock = options.clock ?? systemClock;
    const log = this.options.log ?? (() => {});
    this.feeds = await loadFeedsFile(this.options.feedsFile, { required: false });
    this.poller = new Poller({
      clock,
      // Not queued behind /add: a poll fetches pages for seconds, and the sources already write their files one at a time.
      poll: async (feed) => {
        const [report] = await pollFeeds([feed], sources, () => new Date(clock.now()));
        return report!;
      },
      onReport: (report) => this.afterPoll(report, log, options.onNewArticles),
      onError: (feed, error) => log({ event: 'feed_poll_error', feed: feed.url, error: describeError(error) }),
      firstDelay: (feed) => {
        const last = sources.feeds.get(feed.url).lastPollAt;
        return last === undefined ? 0 : Date.parse(last) + feed.intervalMinutes * 60_000 - clock.now();
      },
    });
    this.poller.setFeeds(this.feeds);
    log({ event: 'feeds_polling', feeds: this.feeds.length, file: this.options.feedsFile });
  }

  private async afterPoll(report: FeedPollReport, log: (entry: Record<string, unknown>) => void, onNew: PollingOptions['onNewArticles']): Promise<void> {
    const counts: Record<string, number> = {};
    for (const item of report.items) counts[item.outcome] = (counts[item.outcome] ?? 0) + 1;
    log({ event: 'feed_poll', feed: report.feed, source: report.source, status: report.status, ...(report.error ? { error: report.error } : {}), ...counts, pagesFetched: report.pagesFetched });
    if (changedArticles([report]) === 0) return;
    const change = emptyChange();
    const fresh: StoredArticle[] = [];
    for (const item of report.items) {
      const article = item.outcome === 'added' || item.outcome === 'changed' ? this.options.sources.articles.byUrl(item.url) : undefined;
      if (!article) continue;
      (item.outcome === 'added' ? change.added : change.changed).push(article.id);
      if (item.outcome === 'added') fresh.push(article);
    }
    // Not awaited: the next poll of this feed need not wait for the index; the update itself is coalesced.
    void this.index.articlesChanged(change).then(
      async (built) => {
        log({ event: 'index_updated', feed: report.feed, passages: built.passages, embedded: built.embedded });
        if (fresh.length > 0) await onNew?.(fresh);
      },
      (error: unknown) => log({ event: 'index_update_error', feed: report.feed, error: describeError(error) }),
    ).catch((error: unknown) => log({ event: 'news_post_error', error: describeError(error) }));
  }

  /** Stops polling (waiting for the polls in flight) and for the index updates they started, then closes the fetcher. */
  async stop(): Promise<void> {
    await this.poller?.stop();
    await this.index.idle();
    this.options.sources.close();
  }
}

/** A removed article stays removed: the feed item it came from counts as refused, so the next poll does not fetch it again. */
function forgetFeedItem(sources: Sources, record: StoredArticle): void {
  for (const state of sources.feeds.list()) {
    const items = { ...state.items };
    let touched = false;
    for (const key of [record.link, record.url]) {
      const item = key === undefined ? undefined : items[key];
      if (!item || !key) continue;
      items[key] = { ...item, outcome: 'rejected', reason: 'removed with /remove' };
      touched = true;
    }
    if (touched) sources.feeds.set({ ...state, items });
  }
}

/**
 * kiji's own articles (fetched or uploaded) of these ids, parsed from their stored lines as a build
 * parses the files they are saved in: an update reads only what changed.
 */
export function storedArticles(sources: Pick<Sources, 'articles'>, uploads: UploadStore | undefined, ids: readonly string[]): Article[] {
  const wanted = new Set(ids);
  const out: Article[] = [];
  for (const record of sources.articles.all()) {
    if (wanted.has(record.id)) out.push(...parseJsonl(JSON.stringify(record), path.join(FETCHED_FOLDER, sourceFileName(record.source))));
  }
  if (uploads) {
    for (const record of uploads.all()) {
      if (wanted.has(record.id)) out.push(...parseJsonl(JSON.stringify(record), path.join(UPLOADS_FOLDER, path.basename(uploads.file))));
    }
  }
  return out;
}

/**
 * How `library`'s index takes article changes: as delta segments when it applies changes (reading the
 * changed articles by id with `read`), else by rebuilds.
 */
export function indexUpdatesFor(library: Pick<Library, 'reindex'> & Partial<ChangeApplier>, read: (ids: readonly string[]) => Article[]): IndexUpdates {
  return library.applyChange ? IndexUpdates.segmented({ applyChange: library.applyChange.bind(library) }, read) : IndexUpdates.rebuilding(library);
}

/**
 * The bot's updates of `articlesDir`, fetching within `sourceSettings`, updating `library`'s index:
 * as delta segments when the library applies changes, else by rebuilds.
 */
export async function openArticleUpdates(
  articlesDir: string,
  sourceSettings: SourceSettings,
  library: Pick<Library, 'reindex'> & Partial<ChangeApplier>,
  log?: (entry: Record<string, unknown>) => void,
): Promise<ArticleUpdates> {
  const sources = await openSources(articlesDir, fetcherFromSettings(sourceSettings));
  const uploads = await UploadStore.open(articlesDir);
  return new ArticleUpdates({
    sources,
    uploads,
    index: indexUpdatesFor(library, (ids) => storedArticles(sources, uploads, ids)),
    feedsFile: sourceSettings.feedsFile,
    maxUploadBytes: sourceSettings.maxBytes,
    ...(log ? { log } : {}),
  });
}
