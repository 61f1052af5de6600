import path from 'node:path';
import { KeywordIndex } from '../keywords/bm25.js';
import { VectorStore } from '../vectors/hnsw-store.js';
import { KijiError, ErrorCodes, describeError } from '../errors.js';
import { indexFiles, readIndexFile, readManifest, corrupt, checkedIndexFile, expectedFileSize, type Manifest } from './manifest.js';
import { PassageTable } from './passage-table.js';
import { currentBuildDir } from './index-dir.js';
import type { ModelKey } from './build.js';

/** A built index in memory, ready to search. */
export interface LoadedIndex {
  dir: string;
  manifest: Manifest;
  table: PassageTable;
  keywords: KeywordIndex;
  /** Absent for a keyword-only index, or when semantic search is off. */
  vectors?: VectorStore;
  /** Passage row of each vector label (-1 for a free label). */
  rowOfLabel: Int32Array;
  /** Why the vector half is not in use, when it is not. */
  semanticOff?: string;
}

export interface LoadOptions {
  /** The model queries will be embedded with; undefined loads no vectors (keyword-only). */
  model?: ModelKey;
}

/**
 * Loads the live build of an index folder. Throws INDEX_MISSING when none was built,
 * INDEX_CORRUPT for damaged files and INDEX_MISMATCH for an index built with another model.
 */
export async function loadIndex(indexDir: string, options: LoadOptions = {}): Promise<LoadedIndex> {
  const dir = currentBuildDir(indexDir);
  if (!dir) {
    throw new KijiError(ErrorCodes.INDEX_MISSING, `No index has been built in ${indexDir} yet.`, {
      hint: 'Build it with `npm run embed`.',
    });
  }
  const manifest = readManifest(dir);
  // Texts stay on disk until cited (see PassageTable.deserialize).
  const table = PassageTable.deserialize(
    readIndexFile(dir, manifest, indexFiles.passages),
    checkedIndexFile(dir, manifest, indexFiles.texts),
    path.join(dir, indexFiles.passages),
  );
  if (table.size !== manifest.passages) {
    throw corrupt(path.join(dir, indexFiles.passages), `holds ${table.size} passages, the manifest says ${manifest.passages}`);
  }
  let keywords: KeywordIndex;
  try {
    const file = path.join(dir, indexFiles.keywords);
    keywords = KeywordIndex.open(file);
    const expected = expectedFileSize(dir, manifest, indexFiles.keywords);
    if (keywords.byteSize !== expected) {
      keywords.close();
      throw corrupt(file, `is ${keywords.byteSize} bytes, expected ${expected} (truncated?)`);
    }
  } catch (error) {
    throw corrupt(path.join(dir, indexFiles.keywords), `cannot be read (${describeError(error)})`, error);
  }

  let vectors: VectorStore | undefined;
  let semanticOff: string | undefined;
  if (!options.model) {
    semanticOff = 'semantic search is turned off';
  } else if (manifest.model === null) {
    semanticOff = `the index was built without vectors (${manifest.semanticOff ?? 'no model'}); run \`npm run embed\` once the model can be loaded`;
  } else if (manifest.model.id !== options.model.id || manifest.model.dtype !== options.model.dtype) {
    throw new KijiError(
      ErrorCodes.INDEX_MISMATCH,
      `The index in ${indexDir} was built with the model ${manifest.model.id} (${manifest.model.dtype}, ${manifest.model.dimension} dimensions), but the model in use is ${options.model.id} (${options.model.dtype}).`,
      { hint: 'Rebuild it with `npm run embed`, or set EMBEDDING_MODEL back to the model the index was built with.' },
    );
  } else {
    vectors = await VectorStore.load(
      path.join(dir, indexFiles.vectors),
      manifest.model.dimension,
      manifest.hnsw,
      manifest.files[indexFiles.vectors] ?? -1,
    );
  }

  const rowOfLabel = labelIndex(table);
  return { dir, manifest, table, keywords, rowOfLabel, ...(vectors ? { vectors } : {}), ...(semanticOff ? { semanticOff } : {}) };
}

function labelIndex(table: PassageTable): Int32Array {
  const labels = table.labels();
  let max = -1;
  for (const label of labels) if (label > max) max = label;
  const rows = new Int32Array(max + 1).fill(-1);
  labels.forEach((label, row) => {
    if (label >= 0) rows[label] = row;
  });
  return rows;
}
