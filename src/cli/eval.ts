import path from 'node:path';
import { createHash } from 'node:crypto';
import { openLibrary, buildFromSettings } from '../library.js';
import { readQuestions } from '../eval/questions.js';
import { runEval, type EvalReport } from '../eval/run-eval.js';
import { readFollowups, runFollowupEval, type FollowupReport } from '../eval/followups.js';
import { projectRoot } from '../config/settings.js';
import { KijiError, ErrorCodes } from '../errors.js';
import { fusionDefaults, type FusionMethod } from '../retrieval/fuse.js';
import { commonFlags, log, parseFlags, parseMode, parsePositiveInt, runMain, settingsFromFlags } from './run.js';
import { progressBar } from './progress.js';

const usage =
  'npm run eval -- (--questions FILE.jsonl | --followups FILE.jsonl) [--articles PATH] [--k 10] [--mode hybrid|keyword|vector] [--fusion score|rrf] [--json] [--index DIR] [--model ID_OR_DIR]';
const fusionMethods: readonly FusionMethod[] = ['rrf', 'score'];

/** Retrieval quality on a question set: builds (or reuses) an index for the articles and scores every question. */
runMain(async () => {
  const flags = parseFlags(
    { ...commonFlags, questions: { type: 'string' }, followups: { type: 'string' }, k: { type: 'string', short: 'k' }, mode: { type: 'string' }, fusion: { type: 'string' }, json: { type: 'boolean' } },
    usage,
  );
  if (flags.help) return void console.log(usage);
  if (!flags.questions === !flags.followups) throw new KijiError(ErrorCodes.BAD_ARGUMENT, 'Give one of --questions and --followups.', { hint: `Usage: ${usage}` });
  const mode = parseMode(flags.mode) ?? 'hybrid';
  // Fusion is a search-time choice (the index is the same), so comparing methods needs no rebuild.
  // The default is search's own, so an eval without --fusion measures what the bot answers with.
  const fusion = (flags.fusion ?? fusionDefaults.method) as FusionMethod;
  if (!fusionMethods.includes(fusion)) throw new KijiError(ErrorCodes.BAD_ARGUMENT, `--fusion must be one of ${fusionMethods.join(', ')}, got "${flags.fusion}".`);
  const k = parsePositiveInt(flags.k, 'k', 50) ?? 10;
  const settings = settingsFromFlags(flags);
  // An eval corpus gets its own index folder (keyed by corpus and model) so it never replaces the bot's.
  if (!flags.index && flags.articles) {
    const key = createHash('sha256').update(`${path.resolve(flags.articles)}\n${settings.model}\n${settings.semantic}`).digest('hex').slice(0, 12);
    settings.indexDir = path.join(projectRoot, '.cache', 'eval-index', key);
  }
  const questions = flags.questions ? readQuestions(flags.questions) : [];
  const followups = flags.followups ? readFollowups(flags.followups) : [];
  const build = await buildFromSettings(settings, { log, onProgress: progressBar('Embedding', 'passages') });
  log(`Index: ${build.articles} articles, ${build.passages} passages (${build.embedded} embedded now) in ${settings.indexDir}`);
  const library = await openLibrary(settings, { log, tuning: { fusion: { method: fusion } } });
  if (mode !== 'keyword' && library.semanticOff) log(`Note: ${mode} mode runs as keyword-only because semantic search is off.`);
  if (flags.followups) {
    const followupReport = await runFollowupEval(library, followups, { mode, onProgress: progressBar('Conversations', 'pairs') });
    if (flags.json) console.log(JSON.stringify({ ...followupReport, fusion }));
    else console.log(followupTable(followupReport, fusion));
    return;
  }
  const report = await runEval(library, questions, { k, mode, onProgress: progressBar('Questions', 'q') });
  if (flags.json) console.log(JSON.stringify({ ...report, fusion, misses: report.misses.slice(0, 100) }));
  else console.log(table(report, fusion));
});

const f = (x: number): string => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
const modeName = (mode: string, fusion: FusionMethod) => (mode === 'hybrid' ? `hybrid (${fusion} fusion)` : mode);

/** The second question of each pair alone vs with its conversation, and whether the floor is met. */
function followupTable(r: FollowupReport, fusion: FusionMethod): string {
  const gain = r.withContext.recallAt5 - r.alone.recallAt5;
  return [
    `Follow-ups: ${r.pairs} conversations · ${modeName(r.mode, fusion)}`,
    '| second question | R@1 | R@5 |',
    '|---|---|---|',
    `| alone | ${f(r.alone.recallAt1)} | ${f(r.alone.recallAt5)} |`,
    `| with its conversation | ${f(r.withContext.recallAt1)} | ${f(r.withContext.recallAt5)} |`,
    `R@5 gain ${gain >= 0 ? '+' : ''}${f(gain)} (floor +0.150: ${gain >= 0.15 - 1e-9 ? 'met' : 'not met'})`,
  ].join('\n');
}

function table(r: EvalReport, fusion: FusionMethod): string {
  const rows: [string, string][] = [
    ['mode', modeName(r.mode, fusion)],
    ['questions (answerable / unanswerable)', `${r.questions} (${r.answerable} / ${r.unanswerable})`],
    ['Recall@1', f(r.recallAt1)],
    ['Recall@5', f(r.recallAt5)],
    ['Recall@10', f(r.recallAt10)],
    ['MRR@10', f(r.mrrAt10)],
    ['unanswerable with nothing-relevant answer', f(r.honestNothing)],
    ['answerable with no result at all', f(r.emptyOnAnswerable)],
    ['answer sentence holds a gold answer', f(r.answerSentence)],
    ['query latency p50 / p95 (ms)', `${r.latencyP50Ms.toFixed(2)} / ${r.latencyP95Ms.toFixed(2)}`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return ['| metric | value |', '|---|---|', ...rows.map(([name, value]) => `| ${name.padEnd(width)} | ${value} |`)].join('\n');
}
