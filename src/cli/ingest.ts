import type { SourceSettings } from '../config/sources.js';
import { loadSourceSettings } from '../config/sources.js';
import type { Settings } from '../config/settings.js';
import { countProblems } from '../articles/load.js';
import { ErrorCodes, KijiError, describeError } from '../errors.js';
import { openLibrary } from '../library.js';
import type { BuildReport, Library } from '../retrieval/types.js';
import { currentBuildDir } from '../store/index-dir.js';
import { feedFromUrl, loadFeedsFile, type FeedConfig } from '../sources/feeds-file.js';
import { changedArticles, changeOfPolls, describePoll, fetcherFromSettings, openSources, pollFeeds, type Sources } from '../sources/ingest.js';
import { indexUpdatesFor, storedArticles, type ArticleChange, type IndexUpdates } from '../sources/updates.js';
import { Poller } from '../sources/poller.js';
import type { FeedPollReport } from '../sources/poll.js';
import { log, parseFlags, runMain, settingsFromFlags } from './run.js';

const usage = 'npm run ingest -- [--feed URL]... [--once] [--articles DIR] [--index DIR]';

const flagsConfig = {
  feed: { type: 'string', multiple: true },
  once: { type: 'boolean' },
  articles: { type: 'string' },
  index: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Polls the feeds of the feeds file plus each --feed, stores new and changed articles under
 * `<articles>/feeds/`, and updates the index. With --once: one poll of every feed, then exit;
 * without: keeps polling each feed on its interval until interrupted.
 */
runMain(async () => {
  const flags = parseFlags(flagsConfig, usage);
  if (flags.help) return void console.log(usage);
  const settings = settingsFromFlags(flags);
  const sourceSettings = loadSourceSettings();
  const feeds = await feedList(sourceSettings, flags.feed ?? []);
  const sources = await openSources(settings.articlesPath, fetcherFromSettings(sourceSettings));
  try {
    if (flags.once) await once(feeds, sources, settings);
    else await keepPolling(feeds, sources, settings);
  } finally {
    sources.close();
  }
});

async function feedList(sourceSettings: SourceSettings, urls: readonly string[]): Promise<FeedConfig[]> {
  const listed = await loadFeedsFile(sourceSettings.feedsFile, { required: sourceSettings.feedsFileNamed });
  const feeds = [...listed];
  for (const url of urls) {
    let feed: FeedConfig;
    try {
      feed = feedFromUrl(url);
    } catch {
      throw new KijiError(ErrorCodes.BAD_ARGUMENT, `--feed ${url} is not an http:// or https:// address.`, { hint: `Usage: ${usage}` });
    }
    if (!feeds.some((f) => f.url === feed.url)) feeds.push(feed);
  }
  if (feeds.length === 0) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `No feeds to poll: ${sourceSettings.feedsFile} does not exist and no --feed was given.`, {
      hint: `Give one with --feed URL, or list feeds in that file: [{"url": "https://...", "name": "source", "intervalMinutes": 30, "fetchFullText": true}]. Usage: ${usage}`,
    });
  }
  return feeds;
}

function print(reports: readonly FeedPollReport[]): void {
  for (const report of reports) for (const line of describePoll(report)) console.log(line);
}

/**
 * The index, opened as the bot opens it (built when missing, rebuilt when unreadable) and changed
 * through the same seam, `IndexUpdates.articlesChanged`. Opened on the first change only: a poll
 * that changes nothing loads no model and no index, and bad input leaves no index behind.
 */
function indexOf(settings: Settings, sources: Sources): (change: ArticleChange) => Promise<string> {
  let opened: Promise<{ library: Library; updates: IndexUpdates }> | undefined;
  return async (change) => {
    if (opened === undefined) {
      // A new index is built from the articles folder as it is now, so it holds this change already.
      const created = currentBuildDir(settings.indexDir) === undefined;
      log(`${created ? 'Creating' : 'Updating'} the index in ${settings.indexDir}`);
      opened = openLibrary(settings, { log, buildIfMissing: true, rebuildIfUnreadable: true }).then((library) => ({ library, updates: indexUpdatesFor(library, (ids) => storedArticles(sources, undefined, ids)) }));
      if (created) {
        const articles = (await opened).library.articles();
        return `index     created: ${articles.length} articles, ${articles.reduce((n, a) => n + a.passages, 0)} passages`;
      }
    }
    const { updates } = await opened;
    return summarize(await updates.articlesChanged(change));
  };
}

async function once(feeds: readonly FeedConfig[], sources: Sources, settings: Settings): Promise<void> {
  const reports = await pollFeeds(feeds, sources);
  print(reports);
  if (changedArticles(reports) > 0) console.log(await indexOf(settings, sources)(changeOfPolls(reports, sources.articles)));
  else console.log('index     unchanged: no article added or changed');
  if (reports.every((r) => r.status === 'error')) process.exitCode = 1;
}

async function keepPolling(feeds: readonly FeedConfig[], sources: Sources, settings: Settings): Promise<void> {
  const update = indexOf(settings, sources);
  // IndexUpdates runs one update at a time and folds the changes that arrive meanwhile into the next.
  const updating = new Set<Promise<void>>();
  const now = Date.now();
  const poller = new Poller({
    poll: async (feed) => {
      const [report] = await pollFeeds([feed], sources);
      return report!;
    },
    onReport: (report) => {
      print([report]);
      if (changedArticles([report]) === 0) return;
      const done = update(changeOfPolls([report], sources.articles)).then(
        (line) => console.log(line),
        (error: unknown) => log(`Index update failed: ${describeError(error)}`),
      );
      updating.add(done);
      void done.finally(() => updating.delete(done));
    },
    onError: (feed, error) => log(`Polling ${feed.url} failed: ${describeError(error)}`),
    // A restart does not poll a feed before its interval since the last poll is over.
    firstDelay: (feed) => {
      const last = sources.feeds.get(feed.url).lastPollAt;
      return last === undefined ? 0 : Date.parse(last) + feed.intervalMinutes * 60_000 - now;
    },
  });
  log(`Polling ${feeds.length} feed(s); Ctrl-C stops.`);
  poller.setFeeds(feeds);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      log('Stopping after the polls and index updates in flight.');
      void poller.stop().then(async () => {
        await Promise.all(updating);
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function summarize(r: BuildReport): string {
  const { file, article } = countProblems(r.skipped);
  const skipped = file + article > 0 ? `, ${file} file(s) and ${article} article(s) skipped` : '';
  // Without vectors, new passages are neither embedded nor unchanged: say why the counts do not add up.
  const keywordOnly = r.semanticOff === undefined ? '' : ', keyword index only (semantic search is off)';
  return `index     updated: ${r.articles} articles, ${r.passages} passages: ${r.embedded} embedded, ${r.reused} unchanged, ${r.removed} removed${skipped}${keywordOnly} (${(r.ms / 1000).toFixed(1)} s)`;
}
