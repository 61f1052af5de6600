/**
 * Start-up as the bot and `npm run query` pay it: the embedding model and the index, each pair in a
 * fresh process with glibc's huge pages on (as `npm start` runs), alternating kiji's `openLibrary`
 * (index read beside the model) with the two loaded one after the other (the order before).
 *
 * Usage: npx tsx scripts/bench/startup.ts <index folder | size such as 1m> --model <folder or id> [--runs 3]
 *
 * The bench's synthetic indexes record the synthetic model, so the index is hard-linked into a
 * temporary folder whose manifest names `--model` (same dimension required): the files are the
 * same, and loading checks only the model's name. Nothing is embedded, so the model's weights do not
 * need to match the vectors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { indexFiles, readManifest } from '../../src/store/manifest.js';
import { envWithHugePages } from './load-time.js';
import { parseSize } from './args.js';
import { ensureSyntheticIndex } from './cache.js';
import { median, round } from './stats.js';

type Order = 'beside' | 'after';

interface Sample {
  order: Order;
  ms: number;
  rssMB: number;
  mode: string;
}

function settingsFor(indexDir: string, model: string): Settings {
  return loadSettings({ INDEX_DIR: indexDir, EMBEDDING_MODEL: model, ALLOW_REMOTE_MODELS: 'false', ARTICLES_PATH: os.tmpdir() });
}

async function child(indexDir: string, model: string, order: Order): Promise<void> {
  const started = performance.now();
  const settings = settingsFor(indexDir, model);
  let mode: string;
  if (order === 'beside') {
    const { openLibrary } = await import('../../src/library.js');
    const library = await openLibrary(settings);
    mode = library.semanticOff ? 'keyword' : 'hybrid';
  } else {
    const { openEmbedder, modelKey } = await import('../../src/library.js');
    const { loadIndex } = await import('../../src/store/load.js');
    const { embedder } = await openEmbedder(settings, () => {});
    const key = modelKey(settings);
    const index = await loadIndex(indexDir, embedder && key ? { model: key } : {});
    mode = embedder && index.vectors ? 'hybrid' : 'keyword';
  }
  const sample = { ms: round(performance.now() - started, 0), rssMB: round(process.memoryUsage().rss / 2 ** 20, 0), mode };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

/** `source`'s live build hard-linked into a temporary index folder whose manifest names `model`. */
function asModel(source: string, model: string, dtype: string): string {
  const build = currentBuildDir(source);
  if (!build) throw new Error(`No index in ${source}: build it first (npm run embed, or scripts/bench/cache.ts for a size).`);
  const manifest = readManifest(build);
  if (!manifest.model) throw new Error(`The index in ${source} has no vectors.`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-startup-'));
  const copy = path.join(dir, path.basename(build));
  fs.mkdirSync(copy);
  for (const file of Object.values(indexFiles)) {
    if (file !== indexFiles.manifest) fs.linkSync(path.join(build, file), path.join(copy, file));
  }
  const raw = JSON.parse(fs.readFileSync(path.join(build, indexFiles.manifest), 'utf8')) as Record<string, unknown>;
  raw.model = { id: model, dtype, dimension: manifest.model.dimension };
  fs.writeFileSync(path.join(copy, indexFiles.manifest), JSON.stringify(raw, null, 2));
  fs.writeFileSync(path.join(dir, 'CURRENT'), path.basename(build));
  return dir;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!, args[2]!, args[3] as Order);
  const flag = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const target = args[0];
  const model = flag('--model');
  if (!target || target.startsWith('--') || !model) {
    console.error('Usage: npx tsx scripts/bench/startup.ts <index folder | size such as 1m> --model <folder or id> [--runs 3]');
    process.exit(2);
  }
  const runs = Number(flag('--runs') ?? 3);
  // A size names the bench's synthetic index of that many passages (built and cached when missing).
  const source = fs.existsSync(target) ? target : (await ensureSyntheticIndex(parseSize(target), (l) => console.error(l))).indexDir;
  const settings = settingsFor(source, model);
  const dir = asModel(source, settings.model, settings.modelDtype);
  try {
    console.log(`Start-up with ${settings.model} (${settings.modelDtype}) and the index of ${source}, ${runs} run(s) per order, fresh processes, huge pages on.`);
    const samples: Sample[] = [];
    for (let r = 0; r < runs; r++) {
      for (const order of ['beside', 'after'] as const) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir, model, order], {
          env: envWithHugePages(true),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const sample = { order, ...(JSON.parse(out.trim().split('\n').at(-1)!) as Omit<Sample, 'order'>) };
        samples.push(sample);
        console.log(`  run ${r + 1} ${order === 'beside' ? 'index beside the model (openLibrary)' : 'index after the model   '}: ${sample.ms} ms, RSS ${sample.rssMB} MB, ${sample.mode}`);
      }
    }
    const med = (order: Order) => median(samples.filter((s) => s.order === order).map((s) => s.ms));
    console.log(`median: ${med('beside')} ms beside vs ${med('after')} ms after (ratio ${round(med('beside') / med('after'), 3)})`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
