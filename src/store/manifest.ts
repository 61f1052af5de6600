import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { KijiError, ErrorCodes, Hints } from '../errors.js';
import { corruptFile } from '../binary-file.js';
import { damageOfBytes, damageOfManifestJson, type Expected } from './integrity.js';

/**
 * Bump when any file layout in an index folder changes; older indexes are then rebuilt, not misread.
 * 2: the passage table moved from passages.json to the binary passages.bin.
 * 3: the manifest carries a CRC32 of every data file and of itself.
 */
export const INDEX_FORMAT_VERSION = 3;

export const indexFiles = {
  manifest: 'manifest.json',
  passages: 'passages.bin',
  texts: 'texts.bin',
  keywords: 'keywords.bin',
  vectors: 'vectors.hnsw',
} as const;

const manifestSchema = z.object({
  format: z.literal('kiji-index'),
  formatVersion: z.number().int(),
  buildId: z.string().min(1),
  createdAt: z.string(),
  /** The embedding model the vectors came from; null for a keyword-only index. */
  model: z
    .object({ id: z.string(), dtype: z.string(), dimension: z.number().int().positive() })
    .nullable(),
  /** Why the index has no vectors, when it has none. */
  semanticOff: z.string().optional(),
  articles: z.number().int().nonnegative(),
  passages: z.number().int().nonnegative(),
  hnsw: z.object({
    m: z.number().int(),
    efConstruction: z.number().int(),
    efSearch: z.number().int(),
    randomSeed: z.number().int(),
  }),
  /**
   * Vectors inserted since the graph was last renumbered (`VectorStore.unordered`): small updates add
   * up across builds until a tenth of the graph is out of order. Absent in older indexes (0).
   */
  vectorsUnordered: z.number().int().nonnegative().optional(),
  /** Byte size of every data file, checked before a file is parsed so truncation is caught early. */
  files: z.record(z.string(), z.number().int().nonnegative()),
  /** CRC32 of every data file (see integrity.ts); required from format 3, checked after the version. */
  checksums: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** CRC32 of this manifest's JSON without this field (`manifestChecksum`); required from format 3. */
  checksum: z.number().int().nonnegative().optional(),
  /** Digest of the passage table, so a re-run can tell "nothing changed" without touching vectors. */
  contentDigest: z.string(),
  /**
   * `keywordIndexKey()` of the kiji that wrote the keyword index: another key means the same corpus
   * would now give another keyword index (format or settings changed), so a re-run rebuilds it.
   * Absent in indexes from before it was recorded, which therefore count as changed once.
   */
  keywordIndexKey: z.string().optional(),
  /**
   * `sourceFingerprint` of the articles and the chunking settings this build was made from: when a
   * re-run computes the same key it stops before parsing, so an unchanged corpus costs only a scan of its files.
   */
  sourceKey: z.string().optional(),
  /**
   * Each article file's stat and content digest when `sourceKey` was computed (`SourceStamps`): a re-run
   * reads again only the files whose stat changed. Absent in older indexes (every file is read once).
   */
  sourceFiles: z
    .object({
      at: z.number(),
      files: z.array(
        z.object({ path: z.string(), size: z.number().int().nonnegative(), mtimeNs: z.string(), ctimeNs: z.string(), ino: z.string(), sha256: z.string() }),
      ),
    })
    .optional(),
  /**
   * Average token count of each keyword channel over this build's passages: delta segments lay out
   * their BM25 with these, so their scores compare with the build's (segments.ts). Absent in builds
   * from before, whose deltas then use their own averages.
   */
  keywordAvgLengths: z.array(z.number().nonnegative()).optional(),
  /** Problems with the articles (files and articles skipped, fields dropped), repeated by a re-run that stops early. */
  skipped: z
    .array(
      z.object({
        path: z.string(),
        reason: z.string(),
        // Absent in indexes written before problems had a scope: read as whole files, as they were reported then.
        scope: z.enum(['file', 'article', 'field']).default('file'),
        // On the one entry that counts a file's problems past the first few (`LoadProblem.omitted`).
        omitted: z.object({ file: z.number().int().nonnegative(), article: z.number().int().nonnegative(), field: z.number().int().nonnegative() }).optional(),
      }),
    )
    .optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;

export function readManifest(dir: string): Manifest {
  const file = path.join(dir, indexFiles.manifest);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new KijiError(ErrorCodes.INDEX_MISSING, `No index manifest at ${file}.`, {
      hint: Hints.buildIndex,
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw corruptFile(file, 'is not valid JSON', cause);
  }
  const damage = damageOfManifestJson(json);
  if (damage) throw corruptFile(file, damage);
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw corruptFile(file, `does not look like a kiji manifest (${parsed.error.issues[0]?.message})`);
  if (parsed.data.formatVersion !== INDEX_FORMAT_VERSION) {
    throw new KijiError(
      ErrorCodes.INDEX_OUTDATED,
      `The index at ${dir} has format version ${parsed.data.formatVersion}; this kiji reads version ${INDEX_FORMAT_VERSION}.`,
      { hint: Hints.rebuildIndex },
    );
  }
  if (parsed.data.checksum === undefined || parsed.data.checksums === undefined) throw corruptFile(file, 'has no checksums');
  return parsed.data;
}

/** The size and checksum the manifest records for a data file; INDEX_CORRUPT when it lists none. */
export function expectedOf(dir: string, manifest: Manifest, name: string): Expected {
  const crc = manifest.checksums?.[name];
  if (crc === undefined) throw corruptFile(path.join(dir, name), 'has no checksum in the manifest');
  return { bytes: expectedFileSize(dir, manifest, name), crc };
}

/** Reads a data file named in the manifest, refusing one whose size or checksum differs from what was written. */
export function readIndexFile(dir: string, manifest: Manifest, name: string): Buffer {
  const file = path.join(dir, name);
  const expected = manifest.files[name];
  if (expected === undefined) throw corruptFile(file, 'is not listed in the manifest');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (cause) {
    throw corruptFile(file, 'is missing', cause);
  }
  if (bytes.length !== expected) throw corruptFile(file, `is ${bytes.length} bytes, expected ${expected} (truncated?)`);
  const damage = damageOfBytes(bytes, expectedOf(dir, manifest, name));
  if (damage) throw corruptFile(file, damage);
  return bytes;
}

/** The path of a data file named in the manifest, after checking its size, for files read in place rather than whole. */
export function checkedIndexFile(dir: string, manifest: Manifest, name: string): string {
  const file = path.join(dir, name);
  const expected = expectedFileSize(dir, manifest, name);
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
  if (size === undefined) throw corruptFile(file, 'is missing');
  if (size !== expected) throw corruptFile(file, `is ${size} bytes, expected ${expected} (truncated?)`);
  return file;
}

/** The size the manifest records for a data file; INDEX_CORRUPT when it lists none. */
export function expectedFileSize(dir: string, manifest: Manifest, name: string): number {
  const expected = manifest.files[name];
  if (expected === undefined) throw corruptFile(path.join(dir, name), 'is not listed in the manifest');
  return expected;
}
