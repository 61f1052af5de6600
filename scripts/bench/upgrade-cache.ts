/**
 * Moves a cached synthetic index to the current passage store without re-embedding or re-inserting
 * a vector (the 1M index takes 12 minutes to build, and only its passage table changed): from index
 * format 1 (passages.json) to format 2 (passages.bin), and from passage-table layout 1 (texts always
 * UTF-8) to layout 2 (texts.bin in UTF-16 when that is smaller). vectors.hnsw and keywords.bin are
 * kept as they are (hard-linked when copying).
 *
 * Usage: npx tsx scripts/bench/upgrade-cache.ts --all | <index folder> [--out <new index folder>]
 *   --all upgrades every cached index under bench/out/cache in place, except one still being built;
 *   with a folder, its live build is upgraded in place, or (format 1 only) with --out copied to a new
 *   index folder, the old one untouched.
 * Bench tooling only: kiji itself reads layout 1 as it is, and rebuilds an index in format 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentBuildDir } from '../../src/store/index-dir.js';
import { INDEX_FORMAT_VERSION, indexFiles } from '../../src/store/manifest.js';
import { PassageTable } from '../../src/store/passage-table.js';
import type { Passage } from '../../src/passages/passage.js';
import { cacheDir, isAlive } from './cache.js';

interface V1Columns {
  articles: { id: string; title: string; subtitle?: string; source?: string; published?: string; url?: string }[];
  sections: string[];
  ids: string[];
  hashes: string[];
  article: number[];
  paragraph: number[];
  section: number[];
  label: number[];
  textOffsets: number[];
}

/** Upgrades the live build of `indexDir` in place, or into a new index folder `out`. */
export function upgradeIndex(indexDir: string, out?: string, log: (line: string) => void = console.log): void {
  const dir = currentBuildDir(indexDir);
  if (!dir) throw new Error(`No live build in ${indexDir}`);
  const manifestFile = path.join(dir, indexFiles.manifest);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { formatVersion: number; files: Record<string, number> };
  if (manifest.formatVersion !== 1) throw new Error(`${dir} is in format ${manifest.formatVersion}, not 1`);

  const t = performance.now();
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'passages.json'), 'utf8')) as V1Columns;
  const texts = fs.readFileSync(path.join(dir, indexFiles.texts));
  const decoder = new TextDecoder();
  const passages: Passage[] = c.ids.map((id, i) => {
    const a = c.articles[c.article[i]!]!;
    const s = c.section[i]!;
    const p: Passage = { id, articleId: a.id, title: a.title, paragraph: c.paragraph[i]!, text: decoder.decode(texts.subarray(c.textOffsets[i]!, c.textOffsets[i + 1]!)), hash: c.hashes[i]! };
    if (a.subtitle !== undefined) p.subtitle = a.subtitle;
    if (a.source !== undefined) p.source = a.source;
    if (a.published !== undefined) p.published = a.published;
    if (a.url !== undefined) p.url = a.url;
    if (s >= 0) p.section = c.sections[s]!;
    return p;
  });
  const canonical = (p: Passage): string => JSON.stringify(Object.entries(p).sort(([a], [b]) => a.localeCompare(b)));
  const { columns, texts: newTexts } = PassageTable.fromPassages(passages, c.label).serialize();
  // Read back: the new table must give every passage the old one held.
  const check = PassageTable.deserialize(columns, newTexts, 'passages.bin');
  for (let row = 0; row < passages.length; row += Math.max(1, Math.floor(passages.length / 1000))) {
    if (canonical(check.passage(row)) !== canonical(passages[row]!) || check.label(row) !== c.label[row]) throw new Error(`${dir}: row ${row} differs after conversion`);
  }
  log(`${dir}: converted ${passages.length} passages in ${Math.round(performance.now() - t)} ms (passages.json ${manifest.files['passages.json']} bytes -> passages.bin ${columns.length} bytes)`);

  const files: Record<string, number> = { ...manifest.files, [indexFiles.passages]: columns.length, [indexFiles.texts]: newTexts.length };
  delete files['passages.json'];
  const upgraded = JSON.stringify({ ...manifest, formatVersion: INDEX_FORMAT_VERSION, files }, null, 2) + '\n';
  if (out) {
    const build = path.join(out, path.basename(dir));
    fs.mkdirSync(build, { recursive: true });
    for (const name of [indexFiles.keywords, indexFiles.vectors]) {
      if (fs.existsSync(path.join(dir, name))) fs.linkSync(path.join(dir, name), path.join(build, name));
    }
    fs.writeFileSync(path.join(build, indexFiles.passages), columns);
    fs.writeFileSync(path.join(build, indexFiles.texts), newTexts);
    fs.writeFileSync(path.join(build, indexFiles.manifest), upgraded);
    fs.writeFileSync(path.join(out, 'CURRENT'), fs.readFileSync(path.join(indexDir, 'CURRENT')));
    log(`  wrote ${build} (data files hard-linked: do not rewrite them in place there)`);
  } else {
    fs.writeFileSync(path.join(dir, indexFiles.passages), columns);
    fs.writeFileSync(path.join(dir, indexFiles.texts), newTexts);
    fs.writeFileSync(`${manifestFile}.tmp`, upgraded);
    fs.renameSync(`${manifestFile}.tmp`, manifestFile);
    fs.rmSync(path.join(dir, 'passages.json'));
    log(`  upgraded in place`);
  }
}

/** The layout number in a passages.bin header. */
function tableLayout(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(12);
    fs.readSync(fd, header, 0, 12, 0);
    return header.readUInt32LE(8);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Rewrites a format-2 build's passage table in the current layout (texts.bin in the smaller
 * encoding), in place; the manifest gets the new file sizes and content digest. Returns false when
 * the table is already in it.
 */
export function upgradeTextLayout(indexDir: string, log: (line: string) => void = console.log): boolean {
  const dir = currentBuildDir(indexDir);
  if (!dir) throw new Error(`No live build in ${indexDir}`);
  const passagesFile = path.join(dir, indexFiles.passages);
  if (tableLayout(passagesFile) !== 1) return false;
  const t = performance.now();
  const table = PassageTable.deserialize(fs.readFileSync(passagesFile), path.join(dir, indexFiles.texts), 'passages.bin');
  const passages = Array.from({ length: table.size }, (_, row) => table.passage(row));
  const labels = [...table.labels()];
  const { columns, texts } = PassageTable.fromPassages(passages, labels).serialize();
  const check = PassageTable.deserialize(columns, texts, 'passages.bin');
  for (let row = 0; row < passages.length; row++) {
    if (check.text(row) !== passages[row]!.text || check.label(row) !== labels[row]) throw new Error(`${dir}: row ${row} differs after conversion`);
  }
  const manifestFile = path.join(dir, indexFiles.manifest);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { files: Record<string, number>; contentDigest: string };
  const upgraded = {
    ...manifest,
    files: { ...manifest.files, [indexFiles.passages]: columns.length, [indexFiles.texts]: texts.length },
    contentDigest: PassageTable.fromPassages(passages, []).digest(),
  };
  // New files beside the old, then renamed over them, the manifest last: a crash leaves either table whole.
  for (const [name, bytes] of [[indexFiles.passages, columns], [indexFiles.texts, texts]] as const) {
    fs.writeFileSync(path.join(dir, `${name}.tmp`), bytes);
  }
  fs.writeFileSync(`${manifestFile}.tmp`, JSON.stringify(upgraded, null, 2) + '\n');
  fs.renameSync(path.join(dir, `${indexFiles.texts}.tmp`), path.join(dir, indexFiles.texts));
  fs.renameSync(path.join(dir, `${indexFiles.passages}.tmp`), passagesFile);
  fs.renameSync(`${manifestFile}.tmp`, manifestFile);
  log(`${dir}: ${passages.length} passages to layout 2 in ${Math.round(performance.now() - t)} ms (texts.bin ${manifest.files[indexFiles.texts]} -> ${texts.length} bytes)`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args.splice(outAt, 2)[1] : undefined;
  if (args[0] === '--all') {
    for (const name of fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []) {
      const indexDir = path.join(cacheDir, name, 'index');
      const dir = currentBuildDir(indexDir);
      if (!dir) continue;
      const lock = path.join(cacheDir, name, 'building.pid');
      if (fs.existsSync(lock) && isAlive(Number(fs.readFileSync(lock, 'utf8')))) {
        console.log(`${indexDir}: still being built; run this again once it is done`);
        continue;
      }
      const { formatVersion } = JSON.parse(fs.readFileSync(path.join(dir, indexFiles.manifest), 'utf8')) as { formatVersion: number };
      if (formatVersion === 1) upgradeIndex(indexDir);
      else upgradeTextLayout(indexDir);
    }
  } else if (args[0]) {
    const dir = currentBuildDir(args[0]);
    const format = dir ? (JSON.parse(fs.readFileSync(path.join(dir, indexFiles.manifest), 'utf8')) as { formatVersion: number }).formatVersion : 1;
    if (format === 1) upgradeIndex(args[0], out);
    else if (!upgradeTextLayout(args[0])) console.log(`${args[0]}: already in the current layout`);
  } else {
    console.error('Usage: upgrade-cache.ts --all | <index folder> [--out <new index folder>]');
    process.exit(2);
  }
}
