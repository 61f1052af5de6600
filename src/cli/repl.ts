import readline from 'node:readline/promises';
import { openLibrary } from '../library.js';
import { searchDefaults } from '../retrieval/search.js';
import { describeError } from '../errors.js';
import { commonFlags, log, parseFlags, runMain, settingsFromFlags } from './run.js';
import { formatResults } from './format.js';

const usage = 'npm run repl -- [--index DIR] [--articles PATH] [--model ID_OR_DIR]';

const help = `Type a question (Japanese or English) and press Enter.
  :k N     results per question (1-${searchDefaults.maxK})
  :help    this help
  :quit    leave (Ctrl-D works too)`;

/** Interactive retrieval for trying questions without Discord. */
runMain(async () => {
  const flags = parseFlags(commonFlags, usage);
  if (flags.help) return void console.log(usage);
  const settings = settingsFromFlags(flags);
  const library = await openLibrary(settings, { log, buildIfMissing: true });
  const articles = library.articles();
  const mode = library.semanticOff ? 'keyword search only' : 'hybrid search';
  console.log(`kiji: ${articles.length} articles, ${articles.reduce((n, a) => n + a.passages, 0)} passages, ${mode}. :help for commands.`);
  let k = settings.k;
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
  rl.setPrompt('kiji> ');
  rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === ':quit' || line === ':q' || line === ':exit') break;
    if (line === ':help' || line === ':h') {
      console.log(help);
    } else if (line.startsWith(':k')) {
      const n = Number(line.slice(2).trim());
      if (Number.isInteger(n) && n >= 1 && n <= searchDefaults.maxK) {
        k = n;
        console.log(`Showing up to ${k} results.`);
      } else {
        console.log(`:k takes a whole number from 1 to ${searchDefaults.maxK}.`);
      }
    } else if (line.startsWith(':')) {
      console.log(`Unknown command ${line}. ${help}`);
    } else if (line !== '') {
      try {
        const started = performance.now();
        const response = await library.search(line, { k });
        const width = Math.min(process.stdout.columns ?? 100, 120);
        process.stdout.write(formatResults(response, { width, color: process.stdout.isTTY === true }));
        console.log(`(${response.results.length} of ${response.total} relevant, ${response.mode}, ${(performance.now() - started).toFixed(1)} ms)`);
      } catch (error) {
        console.log(`Search failed: ${describeError(error)}`);
      }
    }
    rl.prompt();
  }
  rl.close();
});
