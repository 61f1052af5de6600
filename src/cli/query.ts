import readline from 'node:readline';
import { openLibrary } from '../library.js';
import { searchDefaults } from '../retrieval/search.js';
import { commonFlags, log, parseFlags, parseMode, parsePositiveInt, runMain, settingsFromFlags } from './run.js';
import { formatResults, toJsonLine } from './format.js';
import { describeFilter, isFiltering, parseDay, type SearchFilter } from '../retrieval/filter.js';

const usage =
  'npm run query -- [--index DIR] [--k N] [--mode hybrid|keyword|vector] [--source NAME]... [--article ID]... [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--json]   (one question a line on stdin)';

/** Answers questions read from stdin, one a line; builds the index first if there is none. */
runMain(async () => {
  const flags = parseFlags(
    {
      ...commonFlags,
      k: { type: 'string', short: 'k' },
      mode: { type: 'string' },
      json: { type: 'boolean' },
      source: { type: 'string', multiple: true },
      article: { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
    },
    usage,
  );
  if (flags.help) return void console.log(usage);
  const settings = settingsFromFlags(flags);
  const k = parsePositiveInt(flags.k, 'k', searchDefaults.maxK) ?? settings.k;
  const mode = parseMode(flags.mode);
  const filter: SearchFilter = {
    ...(flags.source ? { sources: flags.source } : {}),
    ...(flags.article ? { articleIds: flags.article } : {}),
    ...(flags.since !== undefined ? { since: parseDay(flags.since, '--since') } : {}),
    ...(flags.until !== undefined ? { until: parseDay(flags.until, '--until') } : {}),
  };
  if (isFiltering(filter)) log(`Only passages with ${describeFilter(filter)}.`);
  if (process.stdin.isTTY) log('Type a question and press Enter (Ctrl-D to finish). For an interactive session use `npm run repl`.');
  const library = await openLibrary(settings, { log, buildIfMissing: true });
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const width = process.stdout.columns ?? 100;
  for await (const line of lines) {
    const question = line.trim();
    if (!question) continue;
    const response = await library.search(question, { k, ...(mode ? { mode } : {}), ...(isFiltering(filter) ? { filter } : {}) });
    if (flags.json) process.stdout.write(toJsonLine(response) + '\n');
    else process.stdout.write(`Q: ${question}\n\n${formatResults(response, { width, color: process.stdout.isTTY === true })}\n`);
  }
});
