/**
 * Index load time, each load in a fresh process (nothing of an earlier load is left in its heap),
 * alternating runs with and without glibc's huge pages for malloc (GLIBC_TUNABLES=glibc.malloc.hugetlb=1,
 * which has to be in the environment when the process starts).
 *
 * Usage: npx tsx scripts/bench/load-time.ts <index folder | size such as 1m> [--runs N] [--only plain|huge]
 * The files are read from the page cache when they were read recently (nothing here drops it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadIndex, type LoadTimings } from '../../src/store/load.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { readManifest } from '../../src/store/manifest.js';
import { VectorStore } from '../../src/vectors/hnsw-store.js';
import { median, round } from './stats.js';

export const hugePagesTunable = 'glibc.malloc.hugetlb=1';

export interface LoadSample {
  hugePages: boolean;
  totalMs: number;
  /** Per part, as loadIndex reports them (the parts overlap: vectors load while the rest does). */
  parts: LoadTimings;
  /** CPU time of the whole process during the load (user + system, all threads). */
  cpuMs: number;
  /**
   * Linux: CPU time of the main thread and of the busiest other thread (the HNSW read on libuv's
   * pool). The larger is about what the load takes on a machine with a core free for each, however
   * busy this one was while measuring (wall time here counts waiting for a core too).
   */
  threadCpuMs?: { main: number; busiestOther: number };
  rssBeforeMB: number;
  rssAfterMB: number;
}

/** The environment of a child process, with or without the huge-page tunable (other tunables kept). */
export function envWithHugePages(on: boolean, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const others = (env.GLIBC_TUNABLES ?? '')
    .split(':')
    .filter((t) => t !== '' && !t.startsWith('glibc.malloc.hugetlb='));
  const tunables = on ? [...others, hugePagesTunable] : others;
  const out = { ...env };
  if (tunables.length > 0) out.GLIBC_TUNABLES = tunables.join(':');
  else delete out.GLIBC_TUNABLES;
  return out;
}

/** Loads `indexDir` once in a fresh node process and returns what it measured. */
export function measureLoadInChild(indexDir: string, hugePages: boolean): LoadSample {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', fileURLToPath(import.meta.url), '--child', indexDir], {
    env: envWithHugePages(hugePages),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return { hugePages, ...(JSON.parse(out.trim().split('\n').at(-1)!) as Omit<LoadSample, 'hugePages'>) };
}

/** `runs` loads of each variant, alternating which goes first so both see the same machine load. */
export function measureLoad(indexDir: string, runs: number, variants: boolean[] = [false, true], log: (line: string) => void = () => {}): LoadSample[] {
  const samples: LoadSample[] = [];
  for (let r = 0; r < runs; r++) {
    for (const hugePages of r % 2 === 0 ? variants : [...variants].reverse()) {
      const s = measureLoadInChild(indexDir, hugePages);
      samples.push(s);
      log(`  run ${r + 1} ${hugePages ? 'huge ' : 'plain'}: ${formatSample(s)}`);
    }
  }
  return samples;
}

export function summarize(samples: LoadSample[]): {
  totalMs: number;
  parts: Record<string, number>;
  cpuMs: number;
  threadCpuMs?: { main: number; busiestOther: number };
  rssAfterMB: number;
  runs: number;
} {
  const keys = [...new Set(samples.flatMap((s) => Object.keys(s.parts)))];
  return {
    totalMs: round(median(samples.map((s) => s.totalMs)), 0),
    parts: Object.fromEntries(keys.map((k) => [k, round(median(samples.map((s) => (s.parts as Record<string, number>)[k] ?? NaN)), 0)])),
    cpuMs: round(median(samples.map((s) => s.cpuMs)), 0),
    ...(samples.every((s) => s.threadCpuMs)
      ? { threadCpuMs: { main: round(median(samples.map((s) => s.threadCpuMs!.main)), 0), busiestOther: round(median(samples.map((s) => s.threadCpuMs!.busiestOther)), 0) } }
      : {}),
    rssAfterMB: round(median(samples.map((s) => s.rssAfterMB)), 0),
    runs: samples.length,
  };
}

function formatSample(s: { totalMs: number; parts: object; cpuMs: number; threadCpuMs?: { main: number; busiestOther: number }; rssAfterMB: number }): string {
  const parts = Object.entries(s.parts)
    .map(([k, v]) => `${k} ${Math.round(v as number)}`)
    .join(', ');
  const threads = s.threadCpuMs ? ` (main thread ${s.threadCpuMs.main}, busiest other ${s.threadCpuMs.busiestOther})` : '';
  return `total ${Math.round(s.totalMs)} ms (${parts}), CPU ${s.cpuMs} ms${threads}, RSS ${Math.round(s.rssAfterMB)} MB`;
}

/** CPU ms of each thread of this process, by thread id (Linux; empty elsewhere). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks (100 a second on Linux).
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v as number, 0)])) as T;
}

async function child(indexDir: string): Promise<void> {
  const dir = currentBuildDir(indexDir);
  if (!dir) throw new Error(`No index in ${indexDir}`);
  const model = readManifest(dir).model ?? undefined;
  // The native module is loaded before timing: load time is the index's, not dlopen's.
  await VectorStore.create(4, 1);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const timings: LoadTimings = {};
  const threadsBefore = threadCpu();
  const cpu = process.cpuUsage();
  const t = performance.now();
  const index = await loadIndex(indexDir, { ...(model ? { model } : {}), timings });
  const totalMs = performance.now() - t;
  const { user, system } = process.cpuUsage(cpu);
  const threads = [...threadCpu()].map(([tid, ms]) => [tid, ms - (threadsBefore.get(tid) ?? 0)] as const);
  const main = threads.find(([tid]) => tid === String(process.pid))?.[1];
  const others = threads.filter(([tid]) => tid !== String(process.pid)).map(([, ms]) => ms);
  global.gc?.();
  const sample = { totalMs: round(totalMs, 1), parts: roundAll(timings), cpuMs: round((user + system) / 1000, 0),
    ...(main === undefined ? {} : { threadCpuMs: { main, busiestOther: Math.max(0, ...others) } }), rssBeforeMB: round(rssBefore / 2 ** 20, 0), rssAfterMB: round(process.memoryUsage().rss / 2 ** 20, 0) };
  if (index.table.size !== index.manifest.passages) throw new Error('table size differs from the manifest');
  process.stdout.write(JSON.stringify(sample) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1]!);
    process.exit(0);
  }
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args.splice(i, 2)[1];
  };
  const runs = Number(flag('--runs') ?? 3);
  const only = flag('--only');
  const variants = only === 'plain' ? [false] : only === 'huge' ? [true] : [false, true];
  let target = args[0] ?? '1m';
  if (/^\d+[km]?$/i.test(target)) {
    const { parseSize } = await import('./args.js');
    const { ensureSyntheticIndex } = await import('./cache.js');
    target = (await ensureSyntheticIndex(parseSize(target), (l) => console.error(l))).indexDir;
  }
  console.log(`Loading ${target} ${runs} times per variant, each in a fresh process (files in the page cache when read recently).`);
  const samples = measureLoad(target, runs, variants, (l) => console.log(l));
  for (const hugePages of variants) {
    const s = summarize(samples.filter((x) => x.hugePages === hugePages));
    console.log(`median ${hugePages ? `with ${hugePagesTunable}` : 'without huge pages'}: ${formatSample(s)} over ${s.runs} runs`);
  }
}
