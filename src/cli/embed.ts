import { buildFromSettings } from '../library.js';
import { commonFlags, log, parseFlags, runMain, settingsFromFlags } from './run.js';
import { progressBar } from './progress.js';
import type { BuildReport } from '../retrieval/types.js';
import { countProblems } from '../articles/load.js';

const usage = 'npm run embed -- [--articles PATH] [--index DIR] [--model ID_OR_DIR]';

/** Builds or updates the index: only new or changed passages are embedded. */
runMain(async () => {
  const flags = parseFlags(commonFlags, usage);
  if (flags.help) return void console.log(usage);
  const settings = settingsFromFlags(flags);
  log(`Indexing ${settings.articlesPath} into ${settings.indexDir}`);
  const report = await buildFromSettings(settings, { log, onProgress: progressBar('Embedding', 'passages') });
  console.log(summarize(report));
  if (report.semanticOff) {
    log(`Semantic search is off: ${report.semanticOff}`);
    log('Keyword search works without it. To turn it on, see "Embedding model" in README.md.');
  }
});

function summarize(r: BuildReport): string {
  const { file, article, field } = countProblems(r.skipped);
  const skipped = [
    file > 0 ? `, ${file} file(s) skipped` : '',
    article > 0 ? `, ${article} article(s) skipped` : '',
    field > 0 ? `, ${field} article(s) kept without an unreadable field` : '',
  ].join('');
  return `${r.articles} articles, ${r.passages} passages: ${r.embedded} embedded, ${r.reused} unchanged, ${r.removed} removed${skipped} (${(r.ms / 1000).toFixed(1)} s)`;
}
