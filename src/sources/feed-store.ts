/**
 * What kiji remembers about each feed between polls: validators for conditional requests, the last
 * poll and its outcome, the failures that set the backoff, and the items already handled.
 *
 * It lives in `<articles>/feeds/.state.json`, beside the article files it describes, not beside the
 * index: an ETag means "the articles of this response are stored", which holds for that articles
 * folder only (another `--articles` folder must poll afresh), and deleting or rebuilding the index
 * must not change what counts as fetched. The leading dot keeps the article loader away from it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ErrorCodes, KijiError } from '../errors.js';
import { FETCHED_FOLDER } from './article-store.js';
import { writeFileAtomic } from './files.js';

const STATE_VERSION = 1;

const itemSchema = z.object({
  /** Hash of what the feed said about the item: when it changes, the item is fetched again. */
  fingerprint: z.string(),
  /** stored: it is in the article store; rejected: it was refused for good (no article, duplicate). */
  outcome: z.enum(['stored', 'rejected']),
  reason: z.string().optional(),
});

const feedSchema = z.object({
  url: z.string(),
  /** The source name its articles are stored under. */
  source: z.string().optional(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  lastPollAt: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  status: z.enum(['new', 'ok', 'not-modified', 'error']),
  error: z.string().optional(),
  /** Failed polls in a row (0 after a success): sets the backoff. */
  failures: z.number().int().min(0),
  nextPollAt: z.string().optional(),
  articleCount: z.number().int().min(0),
  items: z.record(z.string(), itemSchema),
});

const fileSchema = z.object({ version: z.literal(STATE_VERSION), feeds: z.record(z.string(), feedSchema) });

export type FeedState = z.infer<typeof feedSchema>;
export type ItemState = z.infer<typeof itemSchema>;

export function feedStatePath(articlesDir: string): string {
  return path.join(articlesDir, FETCHED_FOLDER, '.state.json');
}

export class FeedStore {
  private constructor(
    readonly file: string,
    private readonly feeds: Map<string, FeedState>,
    /** The file's text as last read or written; undefined while there is no file. */
    private written?: string,
  ) {}

  /** Reads the state file; a missing one is an empty state. An unreadable one is an error naming it (never silently reset). */
  static async open(file: string): Promise<FeedStore> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new FeedStore(file, new Map());
      throw error;
    }
    let parsed: ReturnType<typeof fileSchema.safeParse>;
    try {
      parsed = fileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = fileSchema.safeParse(undefined);
    }
    if (!parsed.success) {
      throw new KijiError(ErrorCodes.CONFIG_INVALID, `The feed state ${file} is unreadable.`, {
        hint: 'Delete it: every feed is then polled afresh (articles already stored are kept, not duplicated).',
      });
    }
    return new FeedStore(file, new Map(Object.entries(parsed.data.feeds)), text);
  }

  get(url: string): FeedState {
    return this.feeds.get(url) ?? { url, status: 'new', failures: 0, articleCount: 0, items: {} };
  }

  set(state: FeedState): void {
    this.feeds.set(state.url, state);
  }

  delete(url: string): boolean {
    return this.feeds.delete(url);
  }

  list(): FeedState[] {
    return [...this.feeds.values()];
  }

  /**
   * Writes the state when it changed. A feed that never answered (only errors so far) is left out: a
   * mistyped or refused address leaves nothing behind; its errors stay known to this process.
   */
  async save(): Promise<void> {
    const kept = [...this.feeds].filter(([, state]) => state.status !== 'error' || state.lastSuccessAt !== undefined);
    if (kept.length === 0 && this.written === undefined) return;
    const feeds = Object.fromEntries(kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const text = `${JSON.stringify({ version: STATE_VERSION, feeds }, null, 2)}\n`;
    if (text === this.written) return;
    await writeFileAtomic(this.file, text);
    this.written = text;
  }
}
