/**
 * Wiring of the sources for a front end (the ingest command now; the bot's poller and /add, /feeds
 * later): one fetcher, the article store and the feed state of one articles folder, polls of a list
 * of feeds, and one-line descriptions of what happened.
 */
import { stat } from 'node:fs/promises';
import type { SourceSettings } from '../config/sources.js';
import { ErrorCodes, KijiError } from '../errors.js';
import { ArticleStore } from './article-store.js';
import { FeedStore, feedStatePath } from './feed-store.js';
import type { FeedConfig } from './feeds-file.js';
import { createFetcher, type Fetcher, type Resolver } from './fetch.js';
import { pollFeed, type FeedPollReport, type ItemOutcome } from './poll.js';
import type { ExtractOptions, WebArticle } from './page.js';
import type { ArticleChange } from '../index-types.js';

export function fetcherFromSettings(settings: SourceSettings, resolve?: Resolver): Fetcher {
  return createFetcher({
    allowPrivateNetwork: settings.allowPrivateNetwork,
    userAgent: settings.userAgent,
    timeoutMs: settings.timeoutSeconds * 1000,
    connectTimeoutMs: settings.connectTimeoutSeconds * 1000,
    maxBytes: settings.maxBytes,
    maxRedirects: settings.maxRedirects,
    hostConcurrency: settings.hostConcurrency,
    ...(resolve ? { resolve } : {}),
  });
}

export interface Sources {
  fetcher: Fetcher;
  articles: ArticleStore;
  feeds: FeedStore;
  extract?: ExtractOptions;
  /** Writes the changed article files, then the feed state (in that order: a crash between them re-reads items, never loses one). */
  save(): Promise<void>;
  close(): void;
}

/** Opens the article store and feed state of `articlesDir`, which must be a folder (fetched articles are files in it). */
export async function openSources(articlesDir: string, fetcher: Fetcher, options: { extract?: ExtractOptions } = {}): Promise<Sources> {
  const info = await stat(articlesDir).catch(() => undefined);
  if (info !== undefined && !info.isDirectory()) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `The articles setting names a file (${articlesDir}); fetched articles need a folder to be stored in.`, {
      hint: 'Point --articles or ARTICLES_PATH at a folder.',
    });
  }
  const articles = await ArticleStore.open(articlesDir);
  const feeds = await FeedStore.open(feedStatePath(articlesDir));
  // Saves run one after another: two overlapping ones could rename an older file over a newer one.
  let saving: Promise<void> = Promise.resolve();
  return {
    fetcher,
    articles,
    feeds,
    ...(options.extract ? { extract: options.extract } : {}),
    save() {
      saving = saving.catch(() => {}).then(async () => {
        await articles.save();
        await feeds.save();
      });
      return saving;
    },
    close: () => fetcher.close(),
  };
}

/** Polls every feed once (in parallel; the fetcher limits requests per host), then saves. */
export async function pollFeeds(feeds: readonly FeedConfig[], sources: Sources, now?: () => Date): Promise<FeedPollReport[]> {
  const pages = new Map<string, Promise<WebArticle>>();
  const reports = await Promise.all(
    feeds.map((feed) =>
      pollFeed(feed, { fetcher: sources.fetcher, articles: sources.articles, feeds: sources.feeds, pages, ...(now ? { now } : {}), ...(sources.extract ? { extract: sources.extract } : {}) }),
    ),
  );
  await sources.save();
  return reports;
}

/** Whether the articles changed, so the index needs an update. */
export function changedArticles(reports: readonly FeedPollReport[]): number {
  return reports.reduce((n, r) => n + r.items.filter((i) => i.outcome === 'added' || i.outcome === 'changed').length, 0);
}

/** What polls did to the articles, as `IndexUpdates.articlesChanged` takes it: the ids of the articles they added or changed. */
export function changeOfPolls(reports: readonly FeedPollReport[], articles: ArticleStore): ArticleChange {
  const change: ArticleChange = { added: [], changed: [], removed: [] };
  for (const item of reports.flatMap((r) => r.items)) {
    const article = item.outcome === 'added' || item.outcome === 'changed' ? articles.byUrl(item.url) : undefined;
    if (article) (item.outcome === 'added' ? change.added : change.changed).push(article.id);
  }
  return change;
}

/** Text from the web shown in a terminal: control characters (escape sequences) become spaces. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

const LABEL_WIDTH = 'unchanged'.length;

/**
 * One line per item and one per feed, e.g.
 * `added     https://news.example/a.html  函館港でサケの水揚げが過去10年で最多に` or
 * `skipped   https://news.example/list.html: ... holds no article (only 0 characters of text) ...`.
 */
export function describePoll(report: FeedPollReport): string[] {
  const feed = `${printable(report.source)} (${report.feed})`;
  if (report.status === 'error') return [`${'error'.padEnd(LABEL_WIDTH)} ${feed}: ${printable(report.error ?? 'unknown error')}`];
  if (report.status === 'not-modified') return [`${'feed'.padEnd(LABEL_WIDTH)} ${feed}: not modified since the last poll (HTTP 304), no page fetched`];
  const lines = report.items.map((item) => {
    const label = item.outcome.padEnd(LABEL_WIDTH);
    return item.reason !== undefined && item.outcome !== 'unchanged'
      ? `${label} ${printable(item.url)}: ${printable(item.reason)}`
      : `${label} ${printable(item.url)}  ${printable(item.title ?? '')}`.trimEnd();
  });
  const counts = new Map<ItemOutcome, number>();
  for (const item of report.items) counts.set(item.outcome, (counts.get(item.outcome) ?? 0) + 1);
  const summary = (['added', 'changed', 'unchanged', 'skipped', 'failed'] as const).map((o) => `${counts.get(o) ?? 0} ${o}`).join(', ');
  return [...lines, `${'feed'.padEnd(LABEL_WIDTH)} ${feed}: ${summary}; ${report.pagesFetched} page(s) fetched`];
}
