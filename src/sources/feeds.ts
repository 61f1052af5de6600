/**
 * Feed documents to items. feedsmith (one maintained parser for RSS 2.0, Atom, RDF / RSS 1.0 and
 * JSON Feed, on fast-xml-parser, typed output) reads the document; this module maps its four shapes
 * onto one `FeedItem` and resolves links against the feed's URL.
 */
import { parseFeed as parseAnyFeed, type AnyFeed } from 'feedsmith';
import { ErrorCodes, KijiError } from '../errors.js';
import { decodeText, type DocumentKind } from './charset.js';

export type FeedFormat = 'rss' | 'atom' | 'rdf' | 'json';

export interface FeedItem {
  /** The item's own id (RSS guid, Atom id, JSON Feed id) when it has one. */
  guid?: string;
  /** The linked page, absolute. Items without one can still be stored when they carry their text. */
  link?: string;
  title?: string;
  /** As the feed writes it (RFC 2822 or ISO 8601); `makeArticle` normalizes it. */
  published?: string;
  /** Atom `updated` / JSON `date_modified`: a change here means the story changed. */
  updated?: string;
  authors?: string;
  /** The item's text as HTML: full content when the feed carries it, else the summary. */
  html?: string;
  /** Whether `html` is the full content (content:encoded, Atom content, content_html) rather than a summary. */
  hasFullText: boolean;
}

export interface ParsedFeed {
  format: FeedFormat;
  title?: string;
  items: FeedItem[];
}

/** An absolute http(s) URL for `href` read from the document at `base`, or undefined. */
function absolute(href: string | undefined, base: string): string | undefined {
  if (href === undefined || href.trim() === '') return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function textOf(value: string | { value?: string } | undefined): string | undefined {
  const text = typeof value === 'string' ? value : value?.value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

function names(list: ReadonlyArray<{ name?: string } | string> | undefined): string | undefined {
  const all = (list ?? []).map((p) => (typeof p === 'string' ? p : p.name)).filter((n): n is string => !!n && n.trim() !== '');
  return all.length > 0 ? all.join(', ') : undefined;
}

/** Drops the keys whose value is undefined, so optional fields are absent rather than undefined. */
function item(fields: { [K in keyof FeedItem]: FeedItem[K] | undefined }): FeedItem {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as FeedItem;
}

function documentKind(bytes: Uint8Array, contentType: string | undefined): DocumentKind {
  if (contentType && /json/i.test(contentType)) return 'json';
  const start = Buffer.from(bytes.subarray(0, 64)).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  return start.startsWith('{') ? 'json' : 'xml';
}

/** Where an HTML page says its feed is (`<link rel="alternate" type="application/rss+xml">`), for the refusal's hint. */
function advertisedFeed(text: string, base: string): string | undefined {
  for (const [tag] of text.matchAll(/<link\b[^>]*>/gi)) {
    if (!/rel\s*=\s*["']?alternate/i.test(tag) || !/type\s*=\s*["']?application\/(rss|atom|feed)\+(xml|json)/i.test(tag)) continue;
    const href = /href\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1];
    const url = absolute(href, base);
    if (url) return url;
  }
  return undefined;
}

/**
 * Parses a feed response. Throws NOT_A_FEED, with a one-line reason (and the feed an HTML page
 * advertises, if it does), for anything that is no RSS, Atom, RDF or JSON Feed.
 *
 * Example: `parseFeed(bytes, 'application/rss+xml', 'https://example.com/feed.xml').items[0]`
 * -> `{ guid: 'minato-salmon', link: 'https://example.com/articles/salmon.html', title: '函館港で…',
 *   published: 'Tue, 20 Jan 2026 09:30:00 +0900', html: '秋サケの…', hasFullText: false }`.
 */
export function parseFeed(bytes: Uint8Array, contentType: string | undefined, url: string): ParsedFeed {
  const kind = documentKind(bytes, contentType);
  const { text } = decodeText(bytes, contentType, kind);
  let parsed: AnyFeed<string>;
  try {
    parsed = parseAnyFeed<string>(text);
  } catch (error) {
    const type = contentType?.split(';')[0]?.trim() || 'no content type';
    const alternate = /<html[\s>]/i.test(text.slice(0, 2000)) ? advertisedFeed(text, url) : undefined;
    throw new KijiError(ErrorCodes.NOT_A_FEED, `${url} is not an RSS, Atom, RDF or JSON feed (${type}: ${(error as Error).message}).`, {
      hint: alternate ? `The page names its feed: ${alternate}` : 'Give the address of the feed itself, usually ending in .xml, .rss, /feed or .json.',
    });
  }
  switch (parsed.format) {
    case 'rss': {
      const rss = parsed.feed;
      return {
        format: 'rss',
        ...(rss.title ? { title: rss.title } : {}),
        items: (rss.items ?? []).map((i) => {
          const full = textOf(i.content?.encoded);
          return item({
            guid: textOf(i.guid?.value),
            link: absolute(i.link ?? (i.guid?.isPermaLink !== false ? i.guid?.value : undefined), url),
            title: textOf(i.title),
            published: textOf(i.pubDate) ?? textOf(i.dc?.dates?.[0]),
            updated: undefined,
            authors: names(i.authors) ?? names(i.dc?.creators),
            html: full ?? textOf(i.description),
            hasFullText: full !== undefined,
          });
        }),
      };
    }
    case 'atom': {
      const atom = parsed.feed;
      return {
        format: 'atom',
        ...(textOf(atom.title) ? { title: textOf(atom.title)! } : {}),
        items: (atom.entries ?? []).map((e) => {
          const alternate = e.links?.find((l) => (l.rel ?? 'alternate') === 'alternate') ?? e.links?.[0];
          const full = textOf(e.content?.value);
          return item({
            guid: textOf(e.id),
            link: absolute(alternate?.href, url),
            title: textOf(e.title),
            published: textOf(e.published) ?? textOf(e.updated),
            updated: textOf(e.updated),
            authors: names(e.authors),
            html: full ?? textOf(e.summary),
            hasFullText: full !== undefined,
          });
        }),
      };
    }
    case 'rdf': {
      const rdf = parsed.feed;
      return {
        format: 'rdf',
        ...(rdf.title ? { title: rdf.title } : {}),
        items: (rdf.items ?? []).map((i) => {
          const full = textOf(i.content?.encoded);
          return item({
            guid: textOf(i.rdf?.about),
            link: absolute(i.link ?? i.rdf?.about, url),
            title: textOf(i.title),
            published: textOf(i.dc?.dates?.[0]),
            updated: undefined,
            authors: names(i.dc?.creators),
            html: full ?? textOf(i.description),
            hasFullText: full !== undefined,
          });
        }),
      };
    }
    case 'json': {
      const json = parsed.feed;
      return {
        format: 'json',
        ...(json.title ? { title: json.title } : {}),
        items: (json.items ?? []).map((i) => {
          const full = textOf(i.content_html) ?? escapeText(textOf(i.content_text));
          return item({
            guid: textOf(i.id),
            link: absolute(i.url ?? i.external_url, url),
            title: textOf(i.title),
            published: textOf(i.date_published),
            updated: textOf(i.date_modified),
            authors: names(i.authors),
            html: full ?? escapeText(textOf(i.summary)),
            hasFullText: full !== undefined,
          });
        }),
      };
    }
  }
}

/** Plain text as HTML, paragraphs kept: JSON Feed's content_text and summary are text, not markup. */
function escapeText(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped
    .split(/\n\s*\n/)
    .map((p) => `<p>${p}</p>`)
    .join('');
}
