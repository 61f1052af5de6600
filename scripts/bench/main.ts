/**
 * `npm run bench [-- --quick] [--sizes 1k,10k,100k,1m] [--only embed,incremental,rerun,freshness,scale,peer,loop,bot]`
 * Writes bench/out/report.md and bench/out/report.json, and docs/benchmarks.md (the committed copy,
 * with scripts/bench/preamble.md on top): see that preamble for what each row measures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseArgs } from './args.js';
import { isSyntheticIndexCached, outDir, sizeLabel } from './cache.js';
import { machine, round } from './stats.js';
import { benchEmbedding, benchModel, benchModelMissing, jsquadSubset } from './embed.js';
import { benchIncremental } from './incremental.js';
import { benchUnchangedRerun } from './unchanged-rerun.js';
import { benchFreshness } from './freshness.js';
import { benchPeer } from './peer.js';
import { benchLoopDelay, testModel } from './loop.js';
import { benchBot } from './bot.js';
import { jsquadArticles } from './synthetic.js';
import { hnswDefaults } from '../../src/vectors/hnsw-store.js';
import { projectRoot } from '../../src/config/settings.js';

const rows = ['embed', 'incremental', 'rerun', 'freshness', 'peer', 'loop', 'bot', 'scale'] as const;

const args = parseArgs(process.argv.slice(2));
const wants = (row: string): boolean => args.only.length === 0 || args.only.includes(row);
const started = performance.now();
const log = (line: string): void => console.log(`[${Math.round((performance.now() - started) / 1000)} s] ${line}`);
fs.mkdirSync(outDir, { recursive: true });
// Building the 1M index takes longer than a default run's 15-minute budget (its cost is in
// docs/benchmarks-history.md), so a default run measures 1M only once it has been prebuilt.
if (args.defaultSizes && !args.quick) {
  if (isSyntheticIndexCached(1_000_000)) args.sizes.push(1_000_000);
  else log('Skipping 1M: its synthetic index is not built yet. Build it once with `npx tsx scripts/bench/cache.ts 1m` (12-14 minutes on 2 cores, ~11 GB of memory); later runs include it.');
}

// With --only, the other rows of the last report are kept (and scale rows merge by size).
const previousFile = path.join(outDir, 'report.json');
const previous = args.only.length > 0 && fs.existsSync(previousFile) ? (JSON.parse(fs.readFileSync(previousFile, 'utf8')) as Record<string, unknown>) : {};
const argv = process.argv.slice(2);
const results: Record<string, unknown> = {
  ...previous,
  machine: machine(),
  quick: args.quick,
  sizes: args.sizes,
  hnswDefaults,
  startedAt: new Date().toISOString(),
  command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
  keptRows: args.only.length > 0 ? rows.filter((row) => !args.only.includes(row) && previous[row] !== undefined) : [],
};
const save = (): void => fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify(results, null, 2) + '\n');
const modelForTiming = benchModelMissing() ? testModel : benchModel;

if (wants('embed')) {
  log('Embedding throughput: buildIndex vs the bare transformers.js pipeline...');
  results.embed = await benchEmbedding(args.quick ? 150 : 1145, args.quick ? 1 : 2, log);
  save();
}
if (wants('incremental')) {
  const size = args.quick ? 10_000 : 100_000;
  log(`Incremental re-run over an unchanged ${sizeLabel(size)} corpus...`);
  results.incremental = await benchIncremental(size, 3, log);
  save();
}
if (wants('rerun')) {
  const size = args.quick ? 10_000 : 100_000;
  log(`Unchanged ${sizeLabel(size)} re-run with the model unavailable...`);
  results.rerun = await benchUnchangedRerun(size, 3, log);
  save();
}
if (wants('freshness')) {
  const freshness: unknown[] = [];
  // 1M only from its prebuilt index, and not merged there (a full build of 1M takes over ten minutes).
  const sizes = args.quick ? [10_000] : [100_000, ...(isSyntheticIndexCached(1_000_000) ? [1_000_000] : [])];
  for (const size of sizes) {
    log(`Freshness at ${sizeLabel(size)}: new articles as delta segments, search with deltas, merge...`);
    freshness.push(await benchFreshness(size, log, { merge: size < 1_000_000, queries: args.quick ? 100 : 1000 }));
    results.freshness = freshness;
    save();
  }
}
if (wants('peer')) {
  const peer: unknown[] = [];
  for (const size of args.quick ? [10_000] : [10_000, 100_000]) {
    log(`Peer (LangChain HNSWLib) at ${sizeLabel(size)}...`);
    peer.push(await benchPeer(size, size >= 100_000 || args.quick ? 1 : 3, args.quick ? 50 : 200, log));
    results.peer = peer;
    save();
  }
}
if (wants('loop')) {
  log('Event-loop delay during a build: in process vs buildInWorker...');
  results.loop = await benchLoopDelay(jsquadSubset(args.quick ? 60 : 300), modelForTiming);
  save();
}
if (wants('bot')) {
  log('Bot latency through the fake Discord...');
  // The committed test model: building the 1,145-passage index with the e5-shaped one takes minutes.
  results.bot = await benchBot(jsquadArticles, testModel, args.quick ? 10 : 30, args.quick ? 1 : 2, () => {});
  save();
}
// Last, so a 1M index being built in the background has time to finish.
if (wants('scale')) {
  const kept = ((results.scale as { size: number }[] | undefined) ?? []).filter((s) => !args.sizes.includes(s.size));
  const scale: unknown[] = [...kept];
  for (const size of args.sizes) {
    log(`Scale ${sizeLabel(size)}: load, RSS, search latency, recall (child process)...`);
    const out = path.join(outDir, `scale-${sizeLabel(size)}.json`);
    const queries = args.quick ? 100 : 300;
    const exact = args.quick ? (size >= 1_000_000 ? 10 : 30) : 100;
    execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--max-old-space-size=8192', path.join(import.meta.dirname, 'scale-child.ts'), String(size), String(queries), String(exact), out], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    scale.push(JSON.parse(fs.readFileSync(out, 'utf8')));
    scale.sort((a, b) => (a as { size: number }).size - (b as { size: number }).size);
    results.scale = scale;
    save();
  }
}
results.totalSeconds = round((performance.now() - started) / 1000, 0);
save();
const { renderBenchmarksDoc, renderReport } = await import('./report.js');
fs.writeFileSync(path.join(outDir, 'report.md'), renderReport(results as never));
const doc = path.join(projectRoot, 'docs', 'benchmarks.md');
fs.mkdirSync(path.dirname(doc), { recursive: true });
fs.writeFileSync(doc, renderBenchmarksDoc(results as never));
log(`Wrote ${path.join(outDir, 'report.md')}, report.json and ${path.relative(projectRoot, doc)} in ${results.totalSeconds} s.`);
process.exit(0);
