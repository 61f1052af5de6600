/**
 * Web pages to articles: main-content extraction with Mozilla Readability (the Firefox Reader View
 * code) on a linkedom DOM. linkedom is a small pure-JS DOM (no jsdom-sized tree, no script engine),
 * so a page's scripts never run: the HTML is data. Metadata is read from the page before
 * Readability rewrites it: title, published date (article:published_time, JSON-LD datePublished,
 * `<time datetime>`), canonical URL (link rel=canonical, og:url) and author.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { ErrorCodes, KijiError } from '../errors.js';
import { joinLines, normalizeLine, toLines } from '../articles/text.js';
import { decodeText } from './charset.js';
import type { Fetcher } from './fetch.js';

/** An article read from the web (a page, or a feed item's own text), before it is stored. */
export interface WebArticle {
  /** Canonical URL: the page's own claim when it is on the same site, else the address it was fetched from. */
  url: string;
  title: string;
  /** As the page or feed writes it; normalized when stored. */
  published?: string;
  authors?: string;
  /** The site's name (og:site_name), a fallback for the source. */
  siteName?: string;
  paragraphs: string[];
}

export const pageDefaults = {
  /** A page whose article text is shorter than this (in characters) holds no article. */
  minArticleChars: 120,
  /** A result with more than this share of its text inside links is a list of links, not an article. */
  maxLinkDensity: 0.5,
} as const;

export interface ExtractOptions {
  minArticleChars?: number;
  maxLinkDensity?: number;
}

type Doc = ReturnType<typeof parseHTML>['document'];
type El = ReturnType<Doc['querySelector']> & object;

const BLOCKS = 'p, li, blockquote, pre, dd, td';

function attr(document: Doc, selector: string, name: string): string | undefined {
  const value = document.querySelector(selector)?.getAttribute(name)?.trim();
  return value ? value : undefined;
}

/** Each JSON-LD object of the page, `@graph` members included; a broken block is skipped. */
function jsonLd(document: Doc): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const object = value as Record<string, unknown>;
    out.push(object);
    if (object['@graph']) visit(object['@graph']);
  };
  for (const script of document.querySelectorAll('script[type="application/ld+json"]')) {
    try {
      visit(JSON.parse(script.textContent ?? ''));
    } catch {
      // Sites ship broken JSON-LD; the other metadata still counts.
    }
  }
  return out;
}

function ldString(objects: Array<Record<string, unknown>>, key: string): string | undefined {
  for (const object of objects) {
    const value = object[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'object' && first !== null && typeof (first as { name?: unknown }).name === 'string') return (first as { name: string }).name.trim();
    if (typeof first === 'string' && first.trim()) return first.trim();
  }
  return undefined;
}

/**
 * The canonical URL a page claims, if it is on the host the page came from. A claim about another
 * host is ignored: otherwise any page could replace another site's stored article by claiming its URL.
 */
function canonicalUrl(document: Doc, pageUrl: string): string {
  const claimed = attr(document, 'link[rel~="canonical"]', 'href') ?? attr(document, 'meta[property="og:url"]', 'content');
  if (claimed === undefined) return normalizeUrl(pageUrl);
  try {
    const url = new URL(claimed, pageUrl);
    const bare = (host: string) => host.replace(/^www\./, '');
    if ((url.protocol === 'http:' || url.protocol === 'https:') && bare(url.hostname) === bare(new URL(pageUrl).hostname)) return normalizeUrl(url.href);
  } catch {
    // An unreadable claim is no claim.
  }
  return normalizeUrl(pageUrl);
}

/** Query parameters that only track where a reader came from: the same story with or without them is one URL. */
const TRACKING = /^(utm_\w+|fbclid|gclid|yclid|mc_cid|mc_eid|ref_src|cmpid|ncid)$/i;

/**
 * The form of a URL used to recognise the same story: no fragment, no tracking parameters.
 * Example: `https://Example.com/a?utm_source=rss&id=3#top` -> `https://example.com/a?id=3`.
 */
export function normalizeUrl(raw: string): string {
  const url = new URL(raw);
  url.hash = '';
  for (const key of [...url.searchParams.keys()]) if (TRACKING.test(key)) url.searchParams.delete(key);
  return url.href.replace(/\?$/, '');
}

/** Text of an element as one paragraph: source line breaks joined (without a space between Japanese lines). */
function paragraphText(element: El): string {
  return joinLines(toLines(element.textContent ?? '').map(normalizeLine).filter((l) => l !== ''));
}

/** Paragraphs of an HTML fragment (Readability's output, or a feed item's content); link-only blocks are navigation and dropped. */
export function paragraphsFromHtml(html: string): string[] {
  const { document } = parseHTML(`<!DOCTYPE html><html><body>${html}</body></html>`);
  const blocks = [...document.querySelectorAll(BLOCKS)].filter((el) => el.querySelector(BLOCKS) === null);
  if (blocks.length === 0) {
    // Text in bare divs or <br>-separated lines: blank lines separate paragraphs.
    const text = (document.body?.innerHTML ?? '').replace(/<br\s*\/?>/gi, '\n');
    const { document: plain } = parseHTML(`<!DOCTYPE html><html><body><pre>${text}</pre></body></html>`);
    return (plain.querySelector('pre')?.textContent ?? '')
      .split(/\n\s*\n/)
      .map((block: string) => joinLines(toLines(block).map(normalizeLine).filter((l) => l !== '')))
      .filter((p: string) => p !== '');
  }
  return blocks
    .filter((el) => {
      const text = normalizeLine(el.textContent ?? '');
      const linked = [...el.querySelectorAll('a')].map((a) => normalizeLine(a.textContent ?? '')).join('');
      return text !== '' && linked.length < text.length;
    })
    .map(paragraphText)
    .filter((p) => p !== '');
}

function linkDensity(html: string): number {
  const { document } = parseHTML(`<!DOCTYPE html><html><body>${html}</body></html>`);
  const all = normalizeLine(document.body?.textContent ?? '').length;
  const linked = [...document.querySelectorAll('a')].reduce((n, a) => n + normalizeLine(a.textContent ?? '').length, 0);
  return all === 0 ? 1 : linked / all;
}

function noArticle(url: string, why: string): KijiError {
  return new KijiError(ErrorCodes.NO_ARTICLE, `${url} holds no article (${why}), so nothing was indexed.`, {
    hint: 'Link to the article page itself, not to a list, a login page or a search page.',
  });
}

/**
 * The article of an HTML page, or NO_ARTICLE when it has none (too little text, mostly links).
 * `url` is the address the page was fetched from: relative links and the canonical URL resolve against it.
 *
 * Example: `articleFromHtml('<html>...<article><h1>新天文台が完成</h1><p>長野県…</p>...', 'https://news.example/a?utm_source=rss')`
 * -> `{ url: 'https://news.example/a', title: '新天文台が完成', published: '2026-01-22T10:00:00+09:00', paragraphs: ['長野県…', ...] }`.
 */
export function articleFromHtml(html: string, url: string, options: ExtractOptions = {}): WebArticle {
  const minChars = options.minArticleChars ?? pageDefaults.minArticleChars;
  const maxLinkDensity = options.maxLinkDensity ?? pageDefaults.maxLinkDensity;
  const { document } = parseHTML(html);
  // Metadata first: Readability rewrites the document it parses.
  const ld = jsonLd(document);
  const siteName = attr(document, 'meta[property="og:site_name"]', 'content');
  const meta = {
    url: canonicalUrl(document, url),
    title:
      ldString(ld, 'headline') ??
      attr(document, 'meta[property="og:title"]', 'content') ??
      (normalizeLine(document.querySelector('article h1, main h1, h1')?.textContent ?? '') || undefined),
    published:
      attr(document, 'meta[property="article:published_time"]', 'content') ??
      ldString(ld, 'datePublished') ??
      attr(document, 'meta[itemprop="datePublished"]', 'content') ??
      attr(document, 'meta[name="pubdate"], meta[name="date"], meta[name="publishdate"]', 'content') ??
      attr(document, 'article time[datetime], main time[datetime], time[datetime]', 'datetime'),
    authors: attr(document, 'meta[name="author"]', 'content') ?? ldString(ld, 'author'),
  };
  const parsed = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0]).parse();
  if (parsed === null || !parsed.content) throw noArticle(url, 'no main text found');
  const authors = meta.authors ?? parsed.byline ?? undefined;
  // A byline Readability left in the text is not a paragraph of the story.
  const paragraphs = paragraphsFromHtml(parsed.content).filter((p) => p !== authors && p !== meta.title);
  const chars = paragraphs.reduce((n, p) => n + p.length, 0);
  if (chars < minChars) throw noArticle(url, `only ${chars} characters of text`);
  const density = linkDensity(parsed.content);
  if (density > maxLinkDensity) throw noArticle(url, `${Math.round(density * 100)}% of its text is links`);
  let title = meta.title ?? parsed.title?.trim();
  if (title && siteName && title.endsWith(siteName)) title = title.slice(0, -siteName.length).replace(/[\s|｜\-–—:：]+$/, '');
  if (!title) throw noArticle(url, 'no title');
  const article: WebArticle = { url: meta.url, title, paragraphs };
  const published = meta.published ?? parsed.publishedTime ?? undefined;
  if (published) article.published = published;
  if (authors) article.authors = authors;
  const site = siteName ?? parsed.siteName ?? undefined;
  if (site) article.siteName = site;
  return article;
}

export interface PageFetchOptions extends ExtractOptions {
  fetcher: Fetcher;
}

/**
 * Fetches one page and extracts its article. Throws FETCH_REFUSED / FETCH_FAILED (the fetch),
 * or NO_ARTICLE (a page, but no article in it, or not HTML at all).
 */
export async function fetchArticlePage(url: string, options: PageFetchOptions): Promise<WebArticle> {
  const response = await options.fetcher.fetch(url, { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5' });
  const type = response.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && type !== 'text/html' && type !== 'application/xhtml+xml') throw noArticle(url, `it is ${type}, not a web page`);
  const { text } = decodeText(response.body, response.contentType, 'html');
  return articleFromHtml(text, response.url, options);
}
