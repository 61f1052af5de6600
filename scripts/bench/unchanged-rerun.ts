import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { articleLimits } from '../../src/config/defaults.js';
import { projectRoot } from '../../src/config/settings.js';
import { ErrorCodes, KijiError } from '../../src/errors.js';
import { buildIndex } from '../../src/store/build.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { ensureSyntheticIndex, rerunOptions, type SyntheticIndex } from './cache.js';
import { median, round } from './stats.js';

/**
 * Not the model the index was built with, so that every run asks for it (a run asking for the index's
 * own model keeps its vectors without asking) and is told it cannot be loaded.
 */
const unavailableModel = { id: 'no-such-org/no-such-model', dtype: 'q8' };

/**
 * `npm run embed` re-run on an unchanged corpus with the embedding model unavailable (issue 18): must
 * recognise the corpus as unchanged, keep the index as it is, and finish in under a second at 100k
 * passages. Every byte of the previous build is still checked against its checksum in each run. The
 * first run after the cached build may read the article files again to record their stamps (a file
 * written just before a build is not known by its stamp): it is reported, not counted in the median.
 * CPU time is the whole process's, since the machine is shared.
 */
export async function benchUnchangedRerun(size: number, runs: number, log: (line: string) => void) {
  const built = await ensureSyntheticIndex(size, log);
  const live = currentBuildDir(built.indexDir);
  let modelRequests = 0;
  const rerun = async () => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const report = await buildIndex({
      ...rerunOptions(built),
      model: unavailableModel,
      getEmbedder: async () => {
        modelRequests++;
        throw new KijiError(ErrorCodes.MODEL_UNAVAILABLE, 'the model cannot be loaded in this bench');
      },
    });
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, report };
  };
  const first = await rerun();
  const timed = [];
  for (let i = 0; i < runs; i++) timed.push(await rerun());
  const all = [first, ...timed];
  const ms = timed.map((r) => r.ms);
  const cpuMs = timed.map((r) => r.cpuMs);
  return {
    size,
    runs,
    firstMs: round(first.ms, 0),
    firstCpuMs: round(first.cpuMs, 0),
    ms: ms.map((x) => round(x, 0)),
    cpuMs: cpuMs.map((x) => round(x, 0)),
    median: round(median(ms), 0),
    cpuMedian: round(median(cpuMs), 0),
    modelRequests,
    embedded: all.reduce((sum, r) => sum + r.report.embedded, 0),
    keptSemanticOff: all.every((r) => r.report.semanticOff !== undefined),
    /** Whether any run published a new build: an unchanged corpus must not. */
    rebuilt: currentBuildDir(built.indexDir) !== live,
    cli: cliReruns(built, runs),
  };
}

/**
 * The same re-run through the CLI (`ALLOW_REMOTE_MODELS=false npm run embed` without npm's own start-up):
 * the process's wall time, and the build time it prints.
 */
function cliReruns(built: SyntheticIndex, runs: number): { ms: number[]; median: number; buildMs: number[] } {
  const ms: number[] = [];
  const buildMs: number[] = [];
  const args = ['--import', 'tsx', path.join(projectRoot, 'src/cli/embed.ts'), '--articles', built.articles, '--index', built.indexDir, '--model', unavailableModel.id];
  const env = { ...process.env, ALLOW_REMOTE_MODELS: 'false', ARTICLE_MAX_BYTES: String(articleLimits.maxBytesCeiling), EMBEDDING_DTYPE: unavailableModel.dtype };
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const out = execFileSync(process.execPath, args, { cwd: projectRoot, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    ms.push(round(performance.now() - started, 0));
    const said = /unchanged, 0 removed.*\((\d+(?:\.\d+)?) s\)/.exec(out);
    if (!said) throw new Error(`npm run embed did not report an unchanged corpus:\n${out}`);
    buildMs.push(Number(said[1]) * 1000);
  }
  return { ms, median: round(median(ms), 0), buildMs };
}
