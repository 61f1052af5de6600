/**
 * Articles fetched from the web, kept as JSONL files under the articles folder, one file a source:
 * `<articles>/feeds/<source>.jsonl`, one article a line in the format `src/articles/jsonl.ts` reads.
 * The files are the truth: `npm run embed` from scratch rebuilds the same index from them.
 *
 * Dedupe: one line per canonical URL (a changed story at the same URL replaces its line, keeping its
 * id, so only its changed passages are embedded again), and one line per content (the same title and
 * text under another URL is a duplicate and not stored again).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { slugifyPath } from '../articles/text.js';
import { storeLines, writeFileAtomic } from './files.js';
import { normalizeUrl, type WebArticle } from './page.js';

/** The folder (inside the articles folder) that holds what kiji fetched. */
export const FETCHED_FOLDER = 'feeds';

/** One line of a source file. Fields past `authors` are kiji's bookkeeping, which the JSONL parser ignores. */
const recordSchema = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  source: z.string().min(1),
  published: z.string().optional(),
  url: z.string().url(),
  authors: z.string().optional(),
  body: z.string(),
  /** The address the story was listed under (a feed item's link), when it differs from `url`. */
  link: z.string().optional(),
  /** sha256 of the normalized title and text: equal hashes are the same story. */
  contentHash: z.string(),
  fetchedAt: z.string(),
});

export type StoredArticle = z.infer<typeof recordSchema>;

export type PutOutcome =
  | { kind: 'added'; article: StoredArticle }
  | { kind: 'changed'; article: StoredArticle; previous: StoredArticle }
  | { kind: 'unchanged'; article: StoredArticle }
  /** The same title and text is already stored under `article.url`. */
  | { kind: 'duplicate'; article: StoredArticle };

/** A file name for a source: `みなと新聞 新着` -> `みなと新聞-新着.jsonl`, `example.com` -> `example-com.jsonl`. */
export function sourceFileName(source: string): string {
  return `${slugifyPath(`${source}.jsonl`) || 'web'}.jsonl`;
}

/** Comparison form of a text: NFKC, whitespace removed (a reflowed copy, or a line break between Japanese words, is the same story). */
function comparable(text: string): string {
  return text.normalize('NFKC').replace(/\s+/gu, '');
}

export function contentHash(title: string, paragraphs: readonly string[]): string {
  return createHash('sha256').update(comparable(title)).update('\n\n').update(paragraphs.map(comparable).join('\n\n')).digest('hex').slice(0, 32);
}

/** Stable article id from the canonical URL, so a changed story keeps its passage ids. */
function articleId(url: string): string {
  return `web-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

interface SourceFile {
  /** Lines kiji could not read as its own records: kept as they are, never dropped. */
  foreign: string[];
  records: StoredArticle[];
  dirty: boolean;
}

export class ArticleStore {
  private readonly files = new Map<string, SourceFile>();
  private readonly fileOf = new Map<StoredArticle, string>();
  private readonly byUrlMap = new Map<string, StoredArticle>();
  private readonly byLinkMap = new Map<string, StoredArticle>();
  private readonly byHashMap = new Map<string, StoredArticle>();

  private constructor(readonly folder: string) {}

  /** Reads every `<articlesDir>/feeds/*.jsonl` (none yet is fine). */
  static async open(articlesDir: string): Promise<ArticleStore> {
    const store = new ArticleStore(path.join(articlesDir, FETCHED_FOLDER));
    const names = await readdir(store.folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    for (const name of names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).sort()) {
      const file: SourceFile = { foreign: [], records: [], dirty: false };
      store.files.set(name, file);
      for (const { line, record } of storeLines(await readFile(path.join(store.folder, name), 'utf8'), recordSchema)) {
        if (record && !store.byUrlMap.has(record.url)) store.index(record, name);
        else file.foreign.push(line);
      }
    }
    return store;
  }

  private index(record: StoredArticle, name: string, at?: number): void {
    const file = this.files.get(name) ?? { foreign: [], records: [], dirty: false };
    this.files.set(name, file);
    if (at === undefined) file.records.push(record);
    else file.records[at] = record;
    this.fileOf.set(record, name);
    this.byUrlMap.set(record.url, record);
    if (record.link) this.byLinkMap.set(record.link, record);
    this.byHashMap.set(record.contentHash, record);
  }

  private unindex(record: StoredArticle): void {
    this.byUrlMap.delete(record.url);
    if (record.link && this.byLinkMap.get(record.link) === record) this.byLinkMap.delete(record.link);
    if (this.byHashMap.get(record.contentHash) === record) this.byHashMap.delete(record.contentHash);
  }

  byUrl(url: string): StoredArticle | undefined {
    return this.byUrlMap.get(normalizeUrl(url));
  }

  /** The article stored under a canonical URL or listed under this link. */
  find(urlOrLink: string): StoredArticle | undefined {
    const key = normalizeUrl(urlOrLink);
    return this.byUrlMap.get(key) ?? this.byLinkMap.get(key);
  }

  all(): StoredArticle[] {
    return [...this.byUrlMap.values()];
  }

  countBySource(source: string): number {
    let n = 0;
    for (const record of this.byUrlMap.values()) if (record.source === source) n++;
    return n;
  }

  /**
   * Stores an article fetched for `source`: added, changed (same URL, other text: its line is
   * replaced), unchanged, or a duplicate of a stored one (same text, other URL: not stored).
   * `link` is where it was listed (a feed item's link) when that is not its canonical URL.
   */
  put(article: WebArticle, options: { source: string; link?: string; now?: Date }): PutOutcome {
    const url = normalizeUrl(article.url);
    const link = options.link === undefined ? undefined : normalizeUrl(options.link);
    const hash = contentHash(article.title, article.paragraphs);
    const existing = this.byUrlMap.get(url) ?? (link ? this.byLinkMap.get(link) : undefined);
    if (existing?.contentHash === hash) return { kind: 'unchanged', article: existing };
    const twin = this.byHashMap.get(hash);
    if (twin && twin !== existing) return { kind: 'duplicate', article: twin };
    const record: StoredArticle = {
      id: existing?.id ?? articleId(url),
      title: article.title,
      source: existing?.source ?? options.source,
      ...(article.published ? { published: article.published } : {}),
      url,
      ...(article.authors ? { authors: article.authors } : {}),
      body: article.paragraphs.join('\n\n'),
      ...(link && link !== url ? { link } : {}),
      contentHash: hash,
      fetchedAt: (options.now ?? new Date()).toISOString(),
    };
    if (existing) {
      const name = this.fileOf.get(existing)!;
      const file = this.files.get(name)!;
      this.unindex(existing);
      this.index(record, name, file.records.indexOf(existing));
      file.dirty = true;
      return { kind: 'changed', article: record, previous: existing };
    }
    const name = sourceFileName(options.source);
    this.index(record, name);
    this.files.get(name)!.dirty = true;
    return { kind: 'added', article: record };
  }

  /** Removes the article stored under this URL (or listed under this link); undefined when there is none. */
  remove(urlOrLink: string): StoredArticle | undefined {
    const record = this.find(urlOrLink);
    if (record === undefined) return undefined;
    const name = this.fileOf.get(record)!;
    const file = this.files.get(name)!;
    file.records.splice(file.records.indexOf(record), 1);
    file.dirty = true;
    this.unindex(record);
    this.fileOf.delete(record);
    return record;
  }

  /** Writes the files that changed (each atomically); returns their paths. */
  async save(): Promise<string[]> {
    const written: string[] = [];
    for (const [name, file] of this.files) {
      if (!file.dirty) continue;
      const lines = [...file.foreign, ...file.records.map((r) => JSON.stringify(r))];
      const target = path.join(this.folder, name);
      // An empty file would be reported by the article loader as a problem: a source with no article left has no file.
      if (lines.length === 0) await rm(target, { force: true });
      else await writeFileAtomic(target, `${lines.join('\n')}\n`);
      file.dirty = false;
      written.push(target);
    }
    return written;
  }
}
