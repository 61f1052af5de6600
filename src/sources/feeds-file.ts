/**
 * The feeds file (default `data/feeds.json`, env FEEDS_FILE): the feeds to poll, checked once here.
 *
 * Example:
 * ```json
 * [{ "url": "https://news.example/rss.xml", "name": "みなと新聞", "intervalMinutes": 15, "fetchFullText": true }]
 * ```
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ErrorCodes, KijiError } from '../errors.js';

export const feedDefaults = {
  /** Minutes between two polls of a feed (1-1440). */
  intervalMinutes: 30,
  /** Fetch each item's page for its full text (many feeds carry only a summary). */
  fetchFullText: true,
} as const;

const feedSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// address' }),
  /** The source its articles are cited with; default: the feed's own title. */
  name: z.string().trim().min(1).max(100).optional(),
  intervalMinutes: z.number().int().min(1).max(1440).default(feedDefaults.intervalMinutes),
  fetchFullText: z.boolean().default(feedDefaults.fetchFullText),
});

export type FeedConfig = z.infer<typeof feedSchema>;

const fileSchema = z.array(feedSchema).superRefine((feeds, ctx) => {
  const seen = new Set<string>();
  feeds.forEach((feed, i) => {
    if (seen.has(feed.url)) ctx.addIssue({ code: 'custom', path: [i, 'url'], message: `${feed.url} is listed twice` });
    seen.add(feed.url);
  });
});

/** One feed given on the command line, with the defaults. */
export function feedFromUrl(url: string): FeedConfig {
  return feedSchema.parse({ url });
}

/**
 * Reads and checks the feeds file. A missing file is no feeds, unless `required` (FEEDS_FILE named it).
 * A bad entry is an error naming its position and field: `feeds.json[1].intervalMinutes: ...`.
 */
export async function loadFeedsFile(file: string, options: { required: boolean }): Promise<FeedConfig[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !options.required) return [];
    throw new KijiError(ErrorCodes.CONFIG_INVALID, `The feeds file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, {
      hint: 'Create it (a JSON list of {"url", "name", "intervalMinutes", "fetchFullText"}) or fix FEEDS_FILE.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new KijiError(ErrorCodes.CONFIG_INVALID, `The feeds file ${file} is not valid JSON (${(error as Error).message}).`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    throw new KijiError(ErrorCodes.CONFIG_INVALID, `${file}${where}: ${issue.message}.`, {
      hint: 'Each feed is {"url": "https://...", "name": "source name", "intervalMinutes": 30, "fetchFullText": true}; only url is required.',
    });
  }
  return parsed.data;
}
