import { articleLimits } from '../../src/config/defaults.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIndex, type BuildOptions } from '../../src/store/build.js';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { indexFiles, readIndexFile, readManifest } from '../../src/store/manifest.js';
import { crc32, manifestText } from '../../src/store/integrity.js';
import { PassageTable } from '../../src/store/passage-table.js';
import { keywordDocs, keywordIndexKey } from '../../src/store/keyword-docs.js';
import { KeywordIndex } from '../../src/keywords/bm25.js';
import { hnswDefaults, type HnswParams } from '../../src/vectors/hnsw-store.js';
import { ClusteredVectors, SyntheticEmbedder, clusterShape, syntheticModel, writeSyntheticArticles } from './synthetic.js';

export const benchRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');
export const outDir = path.join(benchRoot, 'out');
export const cacheDir = path.join(outDir, 'cache');

/** Every size is built with the shipped HNSW parameters, so its recall is the product's. */
export function hnswFor(_size: number): HnswParams {
  return { ...hnswDefaults };
}

export interface SyntheticIndex {
  size: number;
  articles: string;
  indexDir: string;
  hnsw: HnswParams;
  /** Build time of the cached index (ms), from when it was built. */
  buildMs: number;
}

export function sizeLabel(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);
}

/** The vectors a synthetic index of `size` passages holds (and its queries come from). */
export function vectorsFor(size: number): ClusteredVectors {
  return new ClusteredVectors(clusterShape(size));
}

function cachedDir(size: number): string {
  const hnsw = hnswFor(size);
  return path.join(cacheDir, `${sizeLabel(size)}-m${hnsw.m}-efc${hnsw.efConstruction}`);
}

/** `buildIndex` options for a re-run over a cached synthetic index (add the model and its loader). */
export function rerunOptions(built: SyntheticIndex): Pick<BuildOptions, 'articlesPath' | 'articleMaxBytes' | 'indexDir' | 'hnsw'> {
  // One synthetic JSONL holds the whole corpus: past the default per-file limit at 1M.
  return { articlesPath: built.articles, articleMaxBytes: articleLimits.maxBytesCeiling, indexDir: built.indexDir, hnsw: built.hnsw };
}

/** Whether a finished synthetic index of `size` passages is in the cache. */
export function isSyntheticIndexCached(size: number): boolean {
  const dir = cachedDir(size);
  return fs.existsSync(path.join(dir, 'built.json')) && currentBuildDir(path.join(dir, 'index')) !== undefined;
}

/** Builds (once) and caches a synthetic index of `size` passages; reruns reuse it. */
export async function ensureSyntheticIndex(size: number, log: (line: string) => void = () => {}): Promise<SyntheticIndex> {
  const hnsw = hnswFor(size);
  const dir = cachedDir(size);
  const articles = path.join(dir, 'articles.jsonl');
  const indexDir = path.join(dir, 'index');
  const stamp = path.join(dir, 'built.json');
  if (fs.existsSync(stamp) && currentBuildDir(indexDir)) {
    const { buildMs } = JSON.parse(fs.readFileSync(stamp, 'utf8')) as { buildMs: number };
    refreshKeywords(currentBuildDir(indexDir)!, log);
    return { size, articles, indexDir, hnsw, buildMs };
  }
  // Another bench process (e.g. `tsx scripts/bench/cache.ts 1m` in the background) may be building it.
  const lock = path.join(dir, 'building.pid');
  if (fs.existsSync(lock) && isAlive(Number(fs.readFileSync(lock, 'utf8')))) {
    log(`Waiting for process ${fs.readFileSync(lock, 'utf8').trim()} to finish building ${dir}...`);
    while (isAlive(Number(fs.readFileSync(lock, 'utf8')))) await new Promise((r) => setTimeout(r, 5000));
    return ensureSyntheticIndex(size, log);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(lock, String(process.pid));
  log(`Building the synthetic ${sizeLabel(size)} index (cached in ${dir})...`);
  writeSyntheticArticles(articles, size);
  const embedder = new SyntheticEmbedder(vectorsFor(size));
  const started = performance.now();
  let last = 0;
  const report = await buildIndex({
    articlesPath: articles,
    // One synthetic JSONL holds the whole corpus: past the default per-file limit at 1M.
    articleMaxBytes: articleLimits.maxBytesCeiling,
    indexDir,
    model: syntheticModel,
    getEmbedder: async () => embedder,
    hnsw,
    embedChunk: 1024,
    onProgress: (done, total) => {
      if (done - last >= 50_000 || done === total) {
        last = done;
        log(`  ${sizeLabel(size)}: ${done}/${total} vectors placed (${Math.round((performance.now() - started) / 1000)} s)`);
      }
    },
  });
  if (report.passages !== size) throw new Error(`Synthetic corpus gave ${report.passages} passages, expected ${size}.`);
  const buildMs = Math.round(performance.now() - started);
  fs.writeFileSync(stamp, JSON.stringify({ buildMs, report: { ...report, skipped: report.skipped.length } }, null, 2));
  return { size, articles, indexDir, hnsw, buildMs };
}

/** Whether process `pid` still runs (it holds a build lock). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The keyword index's file format changes while it is being tuned; a cached index whose
 * keywords.bin the current code cannot read gets that one file rebuilt from its passage table,
 * instead of re-embedding and re-inserting every vector.
 */
function refreshKeywords(dir: string, log: (line: string) => void): void {
  const manifest = readManifest(dir);
  try {
    KeywordIndex.open(path.join(dir, indexFiles.keywords)).close();
    if (manifest.keywordIndexKey === keywordIndexKey()) return;
  } catch {
    // Unreadable (another format version): rebuilt below.
  }
  log(`  ${dir}: keywords.bin is from another keyword-index version or settings; rebuilding that file only.`);
  const table = PassageTable.deserialize(readIndexFile(dir, manifest, indexFiles.passages), readIndexFile(dir, manifest, indexFiles.texts), dir);
  const passages = Array.from({ length: table.size }, (_, row) => table.passage(row));
  const bytes = KeywordIndex.build(keywordDocs(passages)).serialize();
  // Not writeFileSync: one write call takes at most 2 GB, and at 1M passages the file is larger.
  const fd = fs.openSync(path.join(dir, indexFiles.keywords), 'w');
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, Math.min(1 << 30, bytes.length - at));
  fs.closeSync(fd);
  const manifestFile = path.join(dir, indexFiles.manifest);
  const raw = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { files: Record<string, number>; checksums: Record<string, number>; keywordIndexKey?: string };
  raw.files[indexFiles.keywords] = bytes.length;
  raw.checksums[indexFiles.keywords] = crc32(bytes);
  raw.keywordIndexKey = keywordIndexKey();
  fs.writeFileSync(manifestFile, manifestText(raw));
}

// `tsx scripts/bench/cache.ts 1m` prebuilds one size, e.g. in the background while doing other work.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { parseSize } = await import('./args.js');
  for (const arg of process.argv.slice(2)) {
    const built = await ensureSyntheticIndex(parseSize(arg), (line) => console.log(line));
    console.log(`${sizeLabel(built.size)} ready in ${built.indexDir} (built in ${built.buildMs} ms)`);
  }
}
