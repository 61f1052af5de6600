/**
 * Delta segments: small self-contained indexes beside the live build, so that adding, changing or
 * removing a few articles writes a few files instead of rebuilding the keyword index and rewriting
 * the graph (docs/architecture.md, "Segments").
 *
 * The commit point is `segments.json` in the live build's folder: the deltas in order, each with the
 * article ids it supersedes. It is replaced by write + rename under the index folder's lock, so a
 * reader sees the list before an update or after it, never half; a delta folder no list names is
 * garbage from an update that crashed, removed later. Deletions are by article id, not row: they hold
 * for any base, so deltas made while a merge runs are carried over into the merged build's list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { corruptFile } from '../binary-file.js';
import { describeWithoutHint } from '../errors.js';
import { KeywordIndex } from '../keywords/bm25.js';
import { writeBinaryFile } from '../binary-file.js';
import type { Passage } from '../passages/passage.js';
import { crc32, damageOfBytes, damageOfManifestJson, manifestText } from './integrity.js';
import { keywordDocs } from './keyword-docs.js';
import { PassageTable } from './passage-table.js';

export const SEGMENTS_FILE = 'segments.json';
export const DELTA_PREFIX = 'delta-';
const LOCK_FILE = 'segments.lock';

export const deltaFiles = {
  manifest: 'manifest.json',
  passages: 'passages.bin',
  texts: 'texts.bin',
  keywords: 'keywords.bin',
  /** Normalized float32 vectors, one row per passage in table order (none for a keyword-only delta). */
  vectors: 'vectors.f32',
} as const;

const segmentsSchema = z.object({
  format: z.literal('kiji-segments'),
  /** The build this list belongs to (its folder's build id). */
  base: z.string(),
  /** Number of the next delta, so delta names sort in the order they were made. */
  next: z.number().int().nonnegative(),
  deltas: z.array(
    z.object({
      name: z.string().regex(/^delta-[0-9]+-[0-9a-f]+$/),
      /** Article ids whose rows in the base and in earlier deltas this delta makes dead. */
      supersedes: z.array(z.string()),
      passages: z.number().int().nonnegative(),
    }),
  ),
  checksum: z.number().int().nonnegative(),
});

export type SegmentsList = Omit<z.infer<typeof segmentsSchema>, 'checksum'>;
export type DeltaEntry = SegmentsList['deltas'][number];

const deltaManifestSchema = z.object({
  format: z.literal('kiji-delta'),
  name: z.string(),
  createdAt: z.string(),
  /** Dimension of vectors.f32; null for a delta without vectors. */
  dimension: z.number().int().positive().nullable(),
  articles: z.number().int().nonnegative(),
  passages: z.number().int().nonnegative(),
  files: z.record(z.string(), z.number().int().nonnegative()),
  checksums: z.record(z.string(), z.number().int().nonnegative()),
  checksum: z.number().int().nonnegative(),
});

export type DeltaManifest = z.infer<typeof deltaManifestSchema>;

/** One delta segment in memory: small, so read whole and checked against its checksums on load. */
export interface LoadedDelta {
  name: string;
  dir: string;
  manifest: DeltaManifest;
  table: PassageTable;
  keywords: KeywordIndex;
  /** Row-ordered normalized vectors (rows x dimension), when the delta has them. */
  vectors?: Float32Array;
}

/** A JSON file written whole and renamed into place (with its own checksum, as manifests are). */
function writeJsonAtomically(file: string, value: object): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temporary, 'w');
  try {
    fs.writeSync(fd, manifestText(value));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

/** Reads a checksummed JSON file against `schema`; INDEX_CORRUPT when it is unreadable or damaged. */
function readChecked<T>(file: string, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (cause) {
    throw corruptFile(file, 'cannot be read as JSON', cause);
  }
  const damage = damageOfManifestJson(json);
  if (damage) throw corruptFile(file, damage);
  const parsed = schema.safeParse(json);
  if (!parsed.success || typeof (json as { checksum?: unknown }).checksum !== 'number') {
    throw corruptFile(file, `does not look like a kiji file of this kind (${parsed.success ? 'no checksum' : parsed.error.issues[0]?.message})`);
  }
  return parsed.data;
}

/** The segments list of a build folder; an empty one when the build has no deltas. Throws INDEX_CORRUPT when the file is damaged. */
export function readSegments(buildDir: string): SegmentsList {
  const file = path.join(buildDir, SEGMENTS_FILE);
  if (!fs.existsSync(file)) return { format: 'kiji-segments', base: path.basename(buildDir), next: 0, deltas: [] };
  const { checksum: _checksum, ...list } = readChecked(file, segmentsSchema);
  return list;
}

/** Whether a build folder lists any delta (a damaged list counts: the build is then not "unchanged"). */
export function hasDeltas(buildDir: string): boolean {
  try {
    return readSegments(buildDir).deltas.length > 0;
  } catch {
    return true;
  }
}

/** The commit: the list replaced atomically (call under `withSegmentsLock`). */
export function writeSegments(buildDir: string, list: SegmentsList): void {
  writeJsonAtomically(path.join(buildDir, SEGMENTS_FILE), list);
}

/**
 * Runs `fn` holding the index folder's segments lock: a commit of a delta (the bot) and the publish
 * of a merged build (a child process, or `npm run embed`) must not interleave, or a delta committed
 * to the old build's list after the merge read it would be lost. A lock left by a process that died
 * is taken over.
 */
export function withSegmentsLock<T>(indexDir: string, fn: () => T): T {
  fs.mkdirSync(indexDir, { recursive: true });
  const lock = path.join(indexDir, LOCK_FILE);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale(lock) || Date.now() > deadline) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function lockIsStale(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(lock, 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** What a new delta holds: its passages in order, their vectors (or none), and the articles it supersedes. */
export interface DeltaInput {
  passages: readonly Passage[];
  articles: number;
  /** Normalized vectors, one per passage in order; undefined for a delta without vectors. */
  vectors?: Float32Array;
  dimension?: number;
  /** The base's average channel lengths, so the delta's BM25 normalizes lengths as the base does. */
  avgLengths?: readonly number[];
}

/**
 * Writes a delta folder (not yet listed anywhere, so invisible to readers); returns its name.
 * Its files are on disk (fsync) before the caller commits the list that names it.
 */
export async function writeDelta(indexDir: string, seq: number, input: DeltaInput): Promise<string> {
  const name = `${DELTA_PREFIX}${String(seq).padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
  const dir = path.join(indexDir, name);
  fs.mkdirSync(dir, { recursive: true });
  try {
    const table = PassageTable.fromPassages(input.passages, new Array<number>(input.passages.length).fill(-1));
    const { columns, texts } = table.serialize();
    const keywords = KeywordIndex.build(keywordDocs(input.passages), undefined, input.avgLengths).serialize();
    const files: Record<string, number> = {};
    const checksums: Record<string, number> = {};
    const write = async (file: string, bytes: Uint8Array): Promise<void> => {
      files[file] = await writeBinaryFile(path.join(dir, file), bytes);
      checksums[file] = crc32(bytes);
    };
    await write(deltaFiles.passages, columns);
    await write(deltaFiles.texts, texts);
    await write(deltaFiles.keywords, keywords);
    if (input.vectors) await write(deltaFiles.vectors, new Uint8Array(input.vectors.buffer, input.vectors.byteOffset, input.vectors.byteLength));
    const manifest = {
      format: 'kiji-delta' as const,
      name,
      createdAt: new Date().toISOString(),
      dimension: input.vectors ? (input.dimension ?? null) : null,
      articles: input.articles,
      passages: input.passages.length,
      files,
      checksums,
    };
    for (const file of Object.keys(files)) fsyncFile(path.join(dir, file));
    writeJsonAtomically(path.join(dir, deltaFiles.manifest), manifest);
    return name;
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads one of a delta's files whole, refusing a wrong size or checksum (INDEX_CORRUPT). */
function readDeltaFile(dir: string, manifest: DeltaManifest, file: string): Buffer {
  const full = path.join(dir, file);
  const bytes = manifest.files[file];
  const crc = manifest.checksums[file];
  if (bytes === undefined || crc === undefined) throw corruptFile(full, 'is not listed in its delta manifest');
  let data: Buffer;
  try {
    data = fs.readFileSync(full);
  } catch (cause) {
    throw corruptFile(full, 'is missing', cause);
  }
  const damage = damageOfBytes(data, { bytes, crc });
  if (damage) throw corruptFile(full, damage);
  return data;
}

/** Loads and checks a delta folder whole. Throws INDEX_CORRUPT on any damage. */
export function loadDelta(indexDir: string, entry: DeltaEntry): LoadedDelta {
  const dir = path.join(indexDir, entry.name);
  const manifest = readChecked(path.join(dir, deltaFiles.manifest), deltaManifestSchema);
  if (manifest.name !== entry.name || manifest.passages !== entry.passages) {
    throw corruptFile(path.join(dir, deltaFiles.manifest), `names ${manifest.name} with ${manifest.passages} passages; the segments list expects ${entry.name} with ${entry.passages}`);
  }
  const table = PassageTable.deserialize(readDeltaFile(dir, manifest, deltaFiles.passages), readDeltaFile(dir, manifest, deltaFiles.texts), path.join(dir, deltaFiles.passages));
  if (table.size !== manifest.passages) throw corruptFile(path.join(dir, deltaFiles.passages), `holds ${table.size} passages, its manifest says ${manifest.passages}`);
  const keywords = KeywordIndex.deserialize(readDeltaFile(dir, manifest, deltaFiles.keywords));
  if (keywords.size !== table.size) throw corruptFile(path.join(dir, deltaFiles.keywords), `holds ${keywords.size} passages, its table ${table.size}`);
  let vectors: Float32Array | undefined;
  if (manifest.dimension !== null) {
    const bytes = readDeltaFile(dir, manifest, deltaFiles.vectors);
    if (bytes.byteLength !== table.size * manifest.dimension * 4) throw corruptFile(path.join(dir, deltaFiles.vectors), `is ${bytes.byteLength} bytes for ${table.size} vectors of ${manifest.dimension}`);
    // Copied out: a Buffer from readFileSync may sit at an offset not aligned for float32.
    vectors = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(vectors.buffer).set(bytes);
  }
  return { name: entry.name, dir, manifest, table, keywords, ...(vectors ? { vectors } : {}) };
}

/**
 * Delta folders no list names, older than a minute (a younger one may be an update about to commit):
 * garbage of crashed updates and of deltas folded into a merged build.
 */
export function removeUnlistedDeltas(indexDir: string, listed: ReadonlySet<string>, log?: (line: string) => void): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(indexDir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(DELTA_PREFIX) || listed.has(entry)) continue;
    const full = path.join(indexDir, entry);
    try {
      if (Date.now() - fs.statSync(full).mtimeMs < 60_000) continue;
      fs.rmSync(full, { recursive: true, force: true });
    } catch (error) {
      log?.(`Could not remove the unused delta ${full}: ${describeWithoutHint(error)}`);
    }
  }
}

/** Normalizes `vector` in place (cosine similarity is then a dot product) and returns it. */
export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += (vector[i] as number) ** 2;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}
