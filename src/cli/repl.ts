import readline from 'node:readline/promises';
import { openLibrary } from '../library.js';
import { searchDefaults } from '../retrieval/search.js';
import { searchModes, type SearchMode, type SearchResponse } from '../retrieval/types.js';
import { describeError } from '../errors.js';
import { commonFlags, log, parseFlags, parseMode, runMain, settingsFromFlags } from './run.js';
import { formatResults } from './format.js';
import { describeFilter, isFiltering, parseDay, type SearchFilter } from '../retrieval/filter.js';

const usage = 'npm run repl -- [--index DIR] [--articles PATH] [--model ID_OR_DIR]';

const help = `Type a question (Japanese or English) and press Enter.
  :more    the next results for the last question
  :k N     results per question (1-${searchDefaults.maxK})
  :mode M  ${searchModes.join(', ')}: both halves fused, or one of them alone
  :source NAME     only this source's articles (nothing after it: any source)
  :article ID      only this article (nothing after it: any article)
  :since DATE      only articles from this day on (YYYY-MM-DD, Japan time; nothing: no limit)
  :until DATE      only articles up to this day (YYYY-MM-DD; nothing: no limit)
  :help    this help
  :quit    leave (Ctrl-D works too)`;

/** Interactive retrieval for trying questions, and each half of the search, without Discord. */
runMain(async () => {
  const flags = parseFlags(commonFlags, usage);
  if (flags.help) return void console.log(usage);
  const settings = settingsFromFlags(flags);
  const library = await openLibrary(settings, { log, buildIfMissing: true });
  const articles = library.articles();
  const searchKind = library.semanticOff ? 'keyword search only' : 'hybrid search';
  console.log(`kiji: ${articles.length} articles, ${articles.reduce((n, a) => n + a.passages, 0)} passages, ${searchKind}. :help for commands.`);
  let k = settings.k;
  let mode: SearchMode = 'hybrid';
  let filter: SearchFilter = {};
  /** The question on screen and its response, for `:more`. */
  let last: { question: string; response: SearchResponse; offset: number } | undefined;

  const show = async (question: string, offset: number): Promise<void> => {
    try {
      const started = performance.now();
      const response = await library.search(question, { k, mode, offset, ...(isFiltering(filter) ? { filter } : {}) });
      const width = Math.min(process.stdout.columns ?? 100, 120);
      process.stdout.write(formatResults(response, { width, color: process.stdout.isTTY === true }));
      const shown = response.results.length === 0 ? '0' : `${offset + 1}-${offset + response.results.length}`;
      const only = isFiltering(filter) ? `, only ${describeFilter(filter)}` : '';
      console.log(`(${shown} of ${response.total} relevant, ${response.mode}${only}, ${(performance.now() - started).toFixed(1)} ms)`);
      last = { question, response, offset };
    } catch (error) {
      console.log(`Search failed: ${describeError(error)}`);
    }
  };

  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  rl.setPrompt('kiji> ');
  rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    const [command = '', ...rest] = line.split(/\s+/);
    const argument = rest.join(' ');
    if (command === ':quit' || command === ':q' || command === ':exit') break;
    if (command === ':help' || command === ':h') {
      console.log(help);
    } else if (command === ':k') {
      const n = Number(argument);
      if (argument !== '' && Number.isInteger(n) && n >= 1 && n <= searchDefaults.maxK) {
        k = n;
        // Pages of another size would overlap or skip: :more starts again from a new question.
        last = undefined;
        console.log(`Showing up to ${k} results.`);
      } else {
        console.log(`:k takes a whole number from 1 to ${searchDefaults.maxK}.`);
      }
    } else if (command === ':mode') {
      try {
        const chosen = parseMode(argument === '' ? undefined : argument, ':mode');
        if (chosen !== undefined && chosen !== mode) last = undefined;
        mode = chosen ?? mode;
        const off = mode !== 'keyword' && library.semanticOff ? ' (semantic search is off: keyword search answers)' : '';
        console.log(`Search mode: ${mode}${off}.`);
      } catch (error) {
        console.log(describeError(error));
      }
    } else if (command === ':source' || command === ':article' || command === ':since' || command === ':until') {
      try {
        filter = withFilter(filter, command, argument);
        // Pages of another filter would not continue the last ones.
        last = undefined;
        console.log(isFiltering(filter) ? `Only passages with ${describeFilter(filter)}.` : 'No filter: every passage.');
      } catch (error) {
        console.log(describeError(error));
      }
    } else if (command === ':more' || command === ':m') {
      const next = last ? last.offset + last.response.results.length : 0;
      if (!last) console.log('Ask a question first.');
      else if (next >= last.response.total) console.log('No more results for this question.');
      else await show(last.question, next);
    } else if (line.startsWith(':')) {
      console.log(`Unknown command ${line}. ${help}`);
    } else if (line !== '') {
      await show(line, 0);
    }
    rl.prompt();
  }
  rl.close();
});

/** `filter` with one REPL filter command applied; an empty argument clears that part. */
function withFilter(filter: SearchFilter, command: ':source' | ':article' | ':since' | ':until', argument: string): SearchFilter {
  const next = { ...filter };
  const key = ({ ':source': 'sources', ':article': 'articleIds', ':since': 'since', ':until': 'until' } as const)[command];
  if (argument === '') delete next[key];
  else if (key === 'sources' || key === 'articleIds') next[key] = [argument];
  else next[key] = parseDay(argument, command);
  return next;
}
