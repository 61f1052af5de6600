/**
 * Articles uploaded through Discord (`/add file:`), kept in one JSONL file under the articles folder,
 * `<articles>/uploads/uploads.jsonl`, in the format `src/articles/jsonl.ts` reads, so `npm run embed`
 * from scratch indexes them like any other file.
 *
 * Dedupe: an article of the same file name and id as a stored one replaces it (an upload corrected
 * and sent again keeps its passage ids); the same title and text as a stored upload is not stored again.
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Article } from '../articles/article.js';
import { contentHash } from './article-store.js';
import { storeLines, writeFileAtomic } from './files.js';

/** The folder (inside the articles folder) that holds what members uploaded. */
export const UPLOADS_FOLDER = 'uploads';
const FILE_NAME = 'uploads.jsonl';

const recordSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  source: z.string().optional(),
  published: z.string().optional(),
  url: z.string().optional(),
  authors: z.string().optional(),
  body: z.string(),
  /** The uploaded file's name, which with the article's own id decides what "the same upload" is. */
  file: z.string(),
  contentHash: z.string(),
  uploadedAt: z.string(),
});

export type UploadedArticle = z.infer<typeof recordSchema>;

export type UploadOutcome =
  | { kind: 'added' | 'unchanged' | 'duplicate'; article: UploadedArticle }
  | { kind: 'changed'; article: UploadedArticle; previous: UploadedArticle };

function uploadId(file: string, articleId: string): string {
  return `upload-${createHash('sha256').update(`${file}\n${articleId}`).digest('hex').slice(0, 16)}`;
}

export class UploadStore {
  private records: UploadedArticle[] = [];
  /** Lines kiji could not read as its own records: kept as they are, never dropped. */
  private foreign: string[] = [];
  private dirty = false;

  private constructor(readonly file: string) {}

  /** Reads `<articlesDir>/uploads/uploads.jsonl` (none yet is fine). */
  static async open(articlesDir: string): Promise<UploadStore> {
    const store = new UploadStore(path.join(articlesDir, UPLOADS_FOLDER, FILE_NAME));
    const text = await readFile(store.file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    for (const { line, record } of storeLines(text, recordSchema)) {
      if (record && !store.records.some((r) => r.id === record.id)) store.records.push(record);
      else store.foreign.push(line);
    }
    return store;
  }

  all(): UploadedArticle[] {
    return [...this.records];
  }

  /** Stores one article of the uploaded file `file`: added, changed (same file and id, new text), unchanged, or a duplicate of another upload. */
  put(article: Article, file: string, now: Date = new Date()): UploadOutcome {
    const paragraphs = article.paragraphs.map((p) => p.text);
    const hash = contentHash(article.title, paragraphs);
    const id = uploadId(file, article.id);
    const existing = this.records.find((r) => r.id === id);
    if (existing?.contentHash === hash) return { kind: 'unchanged', article: existing };
    const twin = this.records.find((r) => r.contentHash === hash);
    if (twin) return { kind: 'duplicate', article: twin };
    const record: UploadedArticle = {
      id,
      title: article.title,
      ...(article.source ? { source: article.source } : {}),
      ...(article.published ? { published: article.published } : {}),
      ...(article.url ? { url: article.url } : {}),
      ...(article.authors ? { authors: article.authors } : {}),
      body: paragraphs.join('\n\n'),
      file,
      contentHash: hash,
      uploadedAt: now.toISOString(),
    };
    this.dirty = true;
    if (existing) {
      this.records[this.records.indexOf(existing)] = record;
      return { kind: 'changed', article: record, previous: existing };
    }
    this.records.push(record);
    return { kind: 'added', article: record };
  }

  remove(id: string): UploadedArticle | undefined {
    const at = this.records.findIndex((r) => r.id === id);
    if (at < 0) return undefined;
    this.dirty = true;
    return this.records.splice(at, 1)[0];
  }

  /** Writes the file atomically when it changed; no article left means no file (an empty one would be reported by the loader). */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const lines = [...this.foreign, ...this.records.map((r) => JSON.stringify(r))];
    if (lines.length === 0) await rm(this.file, { force: true });
    else await writeFileAtomic(this.file, `${lines.join('\n')}\n`);
    this.dirty = false;
  }
}
