/**
 * One poll of one feed: a conditional request for the feed, then each item that is new or changed in
 * the feed becomes an article (its page fetched and extracted, or the feed's own text), stored with
 * dedupe. Items already handled are not fetched again; items that failed for a passing reason (a
 * timeout, a 5xx) are tried again at the next poll.
 */
import { createHash } from 'node:crypto';
import { describeError, ErrorCodes, isKijiError, KijiError } from '../errors.js';
import type { ArticleStore } from './article-store.js';
import type { FeedStore, ItemState } from './feed-store.js';
import type { FeedConfig } from './feeds-file.js';
import { parseFeed, type FeedItem } from './feeds.js';
import type { Fetcher } from './fetch.js';
import { fetchArticlePage, normalizeUrl, paragraphsFromHtml, type ExtractOptions, type WebArticle } from './page.js';

export type ItemOutcome = 'added' | 'changed' | 'unchanged' | 'skipped' | 'failed';

export interface ItemReport {
  outcome: ItemOutcome;
  /** The item's canonical URL once known, else its link (or id). */
  url: string;
  title?: string;
  /** Why it was skipped or failed, one line. */
  reason?: string;
}

export interface FeedPollReport {
  feed: string;
  source: string;
  /** not-modified: the feed answered 304; error: the feed itself could not be fetched or read. */
  status: 'ok' | 'not-modified' | 'error';
  error?: string;
  items: ItemReport[];
  /** Article pages requested in this poll. */
  pagesFetched: number;
}

export interface PollDeps {
  fetcher: Fetcher;
  articles: ArticleStore;
  feeds: FeedStore;
  now?: () => Date;
  extract?: ExtractOptions;
  /**
   * Pages being fetched in this round of polls, by normalized URL: a story that two feeds list is
   * fetched once when they are polled together.
   */
  pages?: Map<string, Promise<WebArticle>>;
}

/** The page at `link`, fetched once per round of polls however many feeds list it. */
function fetchShared(link: string, deps: PollDeps): Promise<WebArticle> {
  const key = normalizeUrl(link);
  let page = deps.pages?.get(key);
  if (!page) {
    page = fetchArticlePage(link, { fetcher: deps.fetcher, ...deps.extract });
    deps.pages?.set(key, page);
  }
  return page;
}

/** Errors that will not go away by trying again: remembered, so the page is not fetched at every poll. */
const PERMANENT: ReadonlySet<string> = new Set([ErrorCodes.NO_ARTICLE, ErrorCodes.FETCH_REFUSED]);

function fingerprint(item: FeedItem): string {
  return createHash('sha256')
    .update(JSON.stringify([item.title, item.published, item.updated, item.html]))
    .digest('hex')
    .slice(0, 16);
}

function itemKey(item: FeedItem): string | undefined {
  return item.link ? normalizeUrl(item.link) : item.guid;
}

/** The item's own text as an article, for feeds polled without fetching pages (or items without a page). */
function articleFromItem(item: FeedItem, key: string): WebArticle {
  const paragraphs = item.html ? paragraphsFromHtml(item.html) : [];
  if (!item.title || paragraphs.length === 0) {
    throw new KijiError(ErrorCodes.NO_ARTICLE, `${key} has no ${item.title ? 'text' : 'title'} in the feed, so nothing was indexed.`, {
      hint: 'Set "fetchFullText": true for this feed so its pages are read.',
    });
  }
  return {
    url: item.link ?? key,
    title: item.title,
    paragraphs,
    ...(item.published ? { published: item.published } : {}),
    ...(item.authors ? { authors: item.authors } : {}),
  };
}

type Prepared =
  | { kind: 'skip'; report: ItemReport; remember?: ItemState }
  | { kind: 'article'; key: string; print: string; article: WebArticle }
  | { kind: 'error'; key: string; print: string; error: unknown };

/**
 * Polls `feed` once and records the outcome in `deps.feeds` and `deps.articles` (in memory: the caller saves both).
 * Never throws for a feed or item problem: they come back in the report.
 */
export async function pollFeed(feed: FeedConfig, deps: PollDeps): Promise<FeedPollReport> {
  const now = deps.now ?? (() => new Date());
  const state = deps.feeds.get(feed.url);
  const startedAt = now().toISOString();
  let source = feed.name ?? state.source ?? new URL(feed.url).host;
  let pagesFetched = 0;
  try {
    const response = await deps.fetcher.fetch(feed.url, {
      etag: state.etag,
      lastModified: state.lastModified,
      accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
    });
    if (response.notModified) {
      const next = { ...state, source, lastPollAt: startedAt, lastSuccessAt: startedAt, status: 'not-modified' as const, failures: 0, articleCount: deps.articles.countBySource(source) };
      delete next.error;
      deps.feeds.set(next);
      return { feed: feed.url, source, status: 'not-modified', items: [], pagesFetched };
    }
    const parsed = parseFeed(response.body, response.contentType, response.url);
    source = feed.name ?? parsed.title ?? source;

    const prepared = await Promise.all(
      parsed.items.map(async (item): Promise<Prepared> => {
        const key = itemKey(item);
        if (key === undefined) return { kind: 'skip', report: { outcome: 'skipped', url: item.title ?? '(untitled item)', reason: 'the item has neither a link nor an id' } };
        const print = item.link ?? key;
        const known = state.items[key];
        if (known?.fingerprint === fingerprint(item)) {
          if (known.outcome === 'rejected') return { kind: 'skip', report: { outcome: 'skipped', url: print, reason: `${known.reason ?? 'refused before'} (unchanged since)` } };
          const stored = deps.articles.find(key);
          if (stored) return { kind: 'skip', report: { outcome: 'unchanged', url: stored.url, title: stored.title, reason: 'already stored, unchanged in the feed' } };
        }
        // New to this feed but stored from another feed (or /add): that one keeps it up to date.
        const elsewhere = known ? undefined : deps.articles.find(key);
        if (elsewhere) {
          const report: ItemReport = { outcome: 'unchanged', url: elsewhere.url, title: elsewhere.title, reason: `already stored from ${elsewhere.source}` };
          return { kind: 'skip', report, remember: { fingerprint: fingerprint(item), outcome: 'stored' } };
        }
        try {
          if (feed.fetchFullText && item.link) {
            pagesFetched++;
            const page = await fetchShared(item.link, deps);
            // The feed's date and author fill what the page does not say.
            const article: WebArticle = { ...page };
            if (!article.published && item.published) article.published = item.published;
            if (!article.authors && item.authors) article.authors = item.authors;
            return { kind: 'article', key, print, article };
          }
          return { kind: 'article', key, print, article: articleFromItem(item, key) };
        } catch (error) {
          return { kind: 'error', key, print, error };
        }
      }),
    );

    // Stored in feed order, so which of two copies of a story is kept does not depend on timing.
    const items: ItemReport[] = [];
    const remembered: Record<string, ItemState> = {};
    let retryLater = false;
    parsed.items.forEach((item, i) => {
      const entry = prepared[i]!;
      if (entry.kind === 'skip') {
        items.push(entry.report);
        const key = itemKey(item);
        const kept = entry.remember ?? (key !== undefined ? state.items[key] : undefined);
        if (key !== undefined && kept) remembered[key] = kept;
        return;
      }
      const fp = fingerprint(item);
      if (entry.kind === 'error') {
        if (!isKijiError(entry.error)) throw entry.error;
        const permanent = PERMANENT.has(entry.error.code);
        items.push({ outcome: permanent ? 'skipped' : 'failed', url: entry.print, reason: describeError(entry.error) });
        if (permanent) remembered[entry.key] = { fingerprint: fp, outcome: 'rejected', reason: describeErrorShort(entry.error) };
        else retryLater = true;
        return;
      }
      const outcome = deps.articles.put(entry.article, { source, link: entry.print, now: now() });
      const { url, title } = outcome.article;
      if (outcome.kind === 'duplicate') {
        const reason = `same story as ${url}, already stored`;
        items.push({ outcome: 'skipped', url: normalizeUrl(entry.article.url), title: entry.article.title, reason });
        remembered[entry.key] = { fingerprint: fp, outcome: 'rejected', reason };
      } else {
        items.push({ outcome: outcome.kind, url, title, ...(outcome.kind === 'unchanged' ? { reason: 'fetched again, same text' } : {}) });
        remembered[entry.key] = { fingerprint: fp, outcome: 'stored' };
      }
    });

    const next: typeof state = {
      ...state,
      source,
      lastPollAt: startedAt,
      lastSuccessAt: startedAt,
      status: 'ok',
      failures: 0,
      articleCount: deps.articles.countBySource(source),
      items: remembered,
    };
    delete next.error;
    // Validators are kept only when every item was handled: after a passing failure, the next poll
    // must get the feed again (a 304 would hide the item), while handled items are still not re-fetched.
    delete next.etag;
    delete next.lastModified;
    if (!retryLater) {
      if (response.etag) next.etag = response.etag;
      if (response.lastModified) next.lastModified = response.lastModified;
    }
    deps.feeds.set(next);
    return { feed: feed.url, source, status: 'ok', items, pagesFetched };
  } catch (error) {
    if (!isKijiError(error)) throw error;
    const reason = describeError(error);
    deps.feeds.set({ ...state, source, lastPollAt: startedAt, status: 'error', error: reason, failures: state.failures + 1 });
    return { feed: feed.url, source, status: 'error', error: reason, items: [], pagesFetched };
  }
}

function describeErrorShort(error: KijiError): string {
  return error.message.replace(/[.,] so nothing was indexed\.?$/, '').replace(/\.$/, '');
}
