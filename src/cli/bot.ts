import { loadDotenv } from '../config/env.js';
import { loadDiscordSettings } from '../config/discord.js';
import { loadSettings } from '../config/settings.js';
import { loadQuestionLogSettings } from '../config/question-log.js';
import { loadSourceSettings } from '../config/sources.js';
import { openQuestionLog } from '../questionlog/open.js';
import { createBot, jsonLine } from '../discord/bot.js';
import { postNews } from '../discord/news.js';
import { openArticleUpdates } from '../sources/updates.js';
import { describeError, ErrorCodes, isKijiError } from '../errors.js';
import { runMain } from './run.js';

/** Start-up and shutdown events, in the same JSON lines as the bot's interaction log. */
function logEvent(entry: Record<string, unknown>): void {
  process.stdout.write(`${jsonLine(entry)}\n`);
}

/**
 * `npm start`: checks the settings, loads the model and index once (building the index first if there
 * is none), then serves interactions until SIGINT/SIGTERM (exit 0), or until the login fails or
 * Discord closes the gateway for good (exit 1, with what to do).
 */
runMain(async () => {
  loadDotenv();
  // Discord settings first: a missing token should not cost a model load to find out.
  const discord = loadDiscordSettings(process.env);
  const settings = loadSettings(process.env);
  const sourceSettings = loadSourceSettings(process.env);
  // Opened before the model load too: a log that cannot be written should stop the start quickly.
  const questionLog = await openQuestionLog(loadQuestionLogSettings(process.env));
  // Every exit path, so the log's write-ahead file is folded back in (committed questions survive without it too).
  process.once('exit', () => questionLog.close());
  // Imported only now: it pulls in the model runtime, which takes seconds to load.
  const { openLibrary } = await import('../library.js');
  const library = await openLibrary(settings, {
    log: (message) => logEvent({ event: 'library', message }),
    buildIfMissing: true,
    rebuildIfUnreadable: true,
  });
  // /add, /remove and /feeds, and the feed poller, write the articles folder and update this library's index.
  // An ARTICLES_PATH naming one file leaves them off: fetched articles need a folder to be stored in.
  const updates = await openArticleUpdates(settings.articlesPath, sourceSettings, library, logEvent).catch((error: unknown) => {
    if (!isKijiError(error, ErrorCodes.BAD_ARGUMENT)) throw error;
    logEvent({ event: 'updates_off', reason: describeError(error) });
    return undefined;
  });
  const bot = createBot({ discord, library, defaultK: settings.k, questionLog, ...(updates ? { updates } : {}) });

  // One bad interaction must not end the bot; the handlers already catch, this is the last net.
  process.on('unhandledRejection', (reason) => logEvent({ event: 'unhandled_rejection', error: describeError(reason) }));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logEvent({ event: 'shutdown', signal });
    // The poller first, so no index update starts while the gateway closes.
    Promise.resolve(updates?.stop())
      .then(() => bot.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logEvent({ event: 'shutdown_error', error: describeError(error) });
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  try {
    await bot.start();
    const newsChannel = sourceSettings.newsChannelId;
    // Polls the feeds file (none: nothing polled until /feeds add writes one); announces only where configured.
    await updates?.startPolling(newsChannel ? { onNewArticles: (articles) => postNews(bot.client, newsChannel, articles) } : {});
    throw await bot.fatal;
  } catch (error) {
    // A login that failed or a connection Discord will not take back: runMain prints the one line
    // saying what to do and exits non-zero, so a supervisor notices. Nothing else may keep the process
    // up (a loaded index's threads), hence the exit a moment after.
    await updates?.stop().catch(() => {});
    await bot.stop().catch(() => {});
    setTimeout(() => process.exit(), 2000).unref();
    throw error;
  }
});
