/**
 * Articles uploaded through Discord (`/add file:`), kept in one JSONL file under the articles folder,
 * `<articles>/uploads/uploads.jsonl`, in the format `src/articles/jsonl.ts` reads, so `npm run embed`
 * from scratch indexes them like any other file.
 *
 * Identity: each uploaded article gets its own id, `upload-<file name>-<content hash>`, so two
 * different files that share a name never overwrite each other. An upload replaces a stored one only
 * when it has the same file name and the same title (a corrected version sent again; it keeps the old
 * id, so only its changed passages are embedded); the same title and text is never stored twice.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Article } from '../articles/article.js';
import { slugifyPath } from '../articles/text.js';
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
  /** `namesakes`: other articles, uploaded earlier from a file of the same name under another title, kept beside this one. */
  | { kind: 'added'; article: UploadedArticle; namesakes: UploadedArticle[] }
  /** unchanged: the same file name, title and text is stored; duplicate: the same title and text came from another file. */
  | { kind: 'unchanged' | 'duplicate'; article: UploadedArticle }
  | { kind: 'changed'; article: UploadedArticle; previous: UploadedArticle };

/** The longest file name part of an id; the content hash after it keeps ids apart. */
const ID_NAME_CHARS = 40;

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

  /**
   * Stores one article of the uploaded file `file`: added (a new id), changed (same file name and
   * title, other text: replaces the stored one under its id), unchanged (stored as it is), or a
   * duplicate (the same title and text from another file: not stored again).
   */
  put(article: Article, file: string, now: Date = new Date()): UploadOutcome {
    const paragraphs = article.paragraphs.map((p) => p.text);
    const hash = contentHash(article.title, paragraphs);
    const twin = this.records.find((r) => r.contentHash === hash);
    if (twin) return { kind: twin.file === file ? 'unchanged' : 'duplicate', article: twin };
    const existing = this.records.find((r) => r.file === file && r.title === article.title);
    const record: UploadedArticle = {
      id: existing?.id ?? this.newId(file, hash),
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
    const namesakes = this.records.filter((r) => r.file === file);
    this.records.push(record);
    return { kind: 'added', article: record, namesakes };
  }

  /** `upload-notes-1a2b3c4d` for notes.md: unique among the stored ids (the hash is lengthened in the unlikely case it is not). */
  private newId(file: string, hash: string): string {
    const name = slugifyPath(path.basename(file)).slice(0, ID_NAME_CHARS).replace(/-+$/, '') || 'file';
    for (let length = 8; ; length += 4) {
      const id = `upload-${name}-${hash.slice(0, length)}${length > hash.length ? `-${length}` : ''}`;
      if (!this.records.some((r) => r.id === id)) return id;
    }
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
