import { createHash } from 'node:crypto';
import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import { calendarDate } from '../articles/dates.js';
import { isFiltering, parseDay, type SearchFilter } from '../retrieval/filter.js';
import type { ArticleSummary, Library } from '../retrieval/types.js';
import { cutEnd, fitEscaped } from './excerpt.js';
import type { Strings } from './strings.js';

/**
 * /ask's filters in Discord: reading the `source`, `article`, `since` and `until` options into a
 * `SearchFilter`, suggesting values while the reader types, saying what a filter keeps, and carrying
 * a filter on buttons as a short tag.
 */

/** Discord shows at most 25 suggestions, each name and value at most 100 characters. */
export const choicesMax = 25;
const choiceTextMax = 100;

type Choice = ApplicationCommandOptionChoiceData<string>;

/** What the options name: everything in memory, built once per index build. */
interface Catalog {
  buildId: string;
  /** In `library.articles()` order. */
  articles: ArticleSummary[];
  /** Calendar day of each article as kiji shows it (Japan time), as filter.ts compares them. */
  days: (string | undefined)[];
  /** The days articles were published, newest first. */
  publishedDays: string[];
  /** Titles folded for matching typed text. */
  titles: string[];
  /** Article positions, newest first; undated last. */
  newest: number[];
  /** Distinct sources in code-point order, folded alongside. */
  sources: string[];
  foldedSources: string[];
  /** Sources and article ids by their tag key (`tagKey`), made on the first tag read. */
  byTagKey?: Map<string, string>;
}

const catalogs = new WeakMap<Library, Catalog>();

/** Width variants, case and runs of spaces do not matter when a reader types a name: `ＡＩ` finds `AI`. */
export function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** Builds what autocomplete reads for the library's current index (at start, so the first suggestion does not wait for it). */
export function catalogOf(library: Library): Catalog {
  const known = catalogs.get(library);
  if (known && known.buildId === library.buildId) return known;
  const buildId = library.buildId;
  const articles = library.articles();
  const time = articles.map((a) => (a.published === undefined ? Number.NaN : Date.parse(a.published)));
  // Japan's offset is whole hours, so an article's day follows from its hour: one calendar lookup an
  // hour rather than one an article keeps the first autocomplete of a large index well within Discord's 3 s.
  const dayOfHour = new Map<number, string>();
  const days = articles.map((a, i) => {
    if (a.published === undefined) return undefined;
    const hour = Math.floor(time[i]! / 3_600_000);
    if (Number.isNaN(hour)) return calendarDate(a.published);
    let day = dayOfHour.get(hour);
    if (day === undefined) dayOfHour.set(hour, (day = calendarDate(new Date(hour * 3_600_000).toISOString())));
    return day;
  });
  const newest = articles
    .map((_, i) => i)
    .sort((a, b) => {
      const [ta, tb] = [time[a]!, time[b]!];
      if (Number.isNaN(ta) !== Number.isNaN(tb)) return Number.isNaN(ta) ? 1 : -1;
      return (Number.isNaN(ta) ? 0 : tb - ta) || a - b;
    });
  const sources = [...new Set(articles.flatMap((a) => (a.source === undefined ? [] : [a.source])))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const publishedDays = [...new Set(newest.flatMap((i) => days[i] ?? []))];
  const catalog: Catalog = { buildId, articles, days, publishedDays, titles: articles.map((a) => fold(a.title)), newest, sources, foldedSources: sources.map(fold) };
  catalogs.set(library, catalog);
  return catalog;
}

/**
 * A suggestion's value: the name itself when it fits Discord's 100 characters, else a hash of it,
 * which `named` recognizes.
 */
function choiceValue(name: string): string {
  return name.length <= choiceTextMax ? name : `~${createHash('sha256').update(name).digest('hex').slice(0, 24)}`;
}

/** Whether a typed or picked option value names `name` exactly (its text or its hashed value). */
function named(value: string, name: string): boolean {
  return value === name || (value.startsWith('~') && name.length > choiceTextMax && choiceValue(name) === value);
}

// Days as YYYY-MM-DD: arithmetic in UTC on the calendar day itself, so no time zone shifts it.
function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Today as kiji dates articles (Japan time). */
export function today(now: Date = new Date()): string {
  return calendarDate(now.toISOString());
}

/** The options of /ask that filter, as typed or picked. */
export interface FilterArgs {
  source?: string | undefined;
  article?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** The filter the options ask for (none when none is given), or what is wrong with them, to tell the reader privately. */
export type ResolvedFilter = { filter: SearchFilter | undefined } | { problem: string };

function resolveSource(catalog: Catalog, typed: string): string | undefined {
  const exact = catalog.sources.find((source) => named(typed, source));
  if (exact !== undefined) return exact;
  const i = catalog.foldedSources.indexOf(fold(typed));
  return i < 0 ? undefined : catalog.sources[i];
}

/**
 * The article a typed or picked value names: its id (what a suggestion sends), else the one title
 * equal to it, else the one title containing it (newest first among same titles).
 */
function resolveArticle(catalog: Catalog, typed: string, source: string | undefined): { id: string } | { matches: number } {
  const candidates = catalog.newest.filter((i) => source === undefined || catalog.articles[i]!.source === source);
  const byId = candidates.find((i) => named(typed, catalog.articles[i]!.id));
  if (byId !== undefined) return { id: catalog.articles[byId]!.id };
  const wanted = fold(typed);
  const equal = candidates.find((i) => catalog.titles[i] === wanted);
  if (equal !== undefined) return { id: catalog.articles[equal]!.id };
  const containing = wanted === '' ? [] : candidates.filter((i) => catalog.titles[i]!.includes(wanted));
  return containing.length === 1 ? { id: catalog.articles[containing[0]!]!.id } : { matches: containing.length };
}

/** The options read into a filter; a value that names nothing indexed, or is not a date, is a problem. */
export function resolveFilter(args: FilterArgs, library: Library, strings: Strings): ResolvedFilter {
  const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());
  const [source, article, since, until] = [given(args.source), given(args.article), given(args.since), given(args.until)];
  if (source === undefined && article === undefined && since === undefined && until === undefined) return { filter: undefined };
  const catalog = catalogOf(library);
  const filter: { -readonly [K in keyof SearchFilter]: SearchFilter[K] } = {};
  if (source !== undefined) {
    const found = resolveSource(catalog, source);
    if (found === undefined) return { problem: strings.unknownSource(fitEscaped(source, choiceTextMax), catalog.sources.slice(0, 5).map((s) => fitEscaped(s, 60))) };
    filter.sources = [found];
  }
  if (article !== undefined) {
    const found = resolveArticle(catalog, article, filter.sources?.[0]);
    if (!('id' in found)) return { problem: strings.unknownArticle(fitEscaped(article, choiceTextMax), found.matches) };
    filter.articleIds = [found.id];
  }
  for (const [name, value] of [['since', since], ['until', until]] as const) {
    if (value === undefined) continue;
    try {
      filter[name] = parseDay(value, name);
    } catch {
      return { problem: strings.badDay(name, fitEscaped(value, 40)) };
    }
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    return { problem: strings.badRange(filter.since, filter.until) };
  }
  return { filter };
}

/** Whether any indexed article passes `filter` (the same test filter.ts makes per article). */
export function allowsAnything(filter: SearchFilter, library: Library): boolean {
  const catalog = catalogOf(library);
  return catalog.articles.some((article, i) => {
    const day = catalog.days[i];
    if (filter.sources && !filter.sources.includes(article.source as string)) return false;
    if (filter.articleIds && !filter.articleIds.includes(article.id)) return false;
    if ((filter.since !== undefined || filter.until !== undefined) && day === undefined) return false;
    if (filter.since !== undefined && (day as string) < filter.since) return false;
    if (filter.until !== undefined && (day as string) > filter.until) return false;
    return true;
  });
}

/**
 * What a filter keeps, in the reader's language, naming an article by its title (the core's
 * `describeFilter` names ids, which readers never see): `source: Reuters · since 2026-01-07`. Plain
 * text: escape it before putting it into Markdown.
 */
export function filterLine(filter: SearchFilter | undefined, library: Library, strings: Strings): string {
  if (!isFiltering(filter)) return '';
  const catalog = catalogOf(library);
  const title = (id: string) => catalog.articles.find((a) => a.id === id)?.title ?? id;
  return [
    ...(filter.sources ?? []).map((source) => strings.filterSource(cutEnd(source, 100))),
    ...(filter.articleIds ?? []).map((id) => strings.filterArticle(cutEnd(title(id), 100))),
    ...(filter.since ? [strings.filterSince(filter.since)] : []),
    ...(filter.until ? [strings.filterUntil(filter.until)] : []),
  ].join(' · ');
}

/** A source's or article id's key in a tag: a hash, so it names the same thing whatever else the index gains or loses. */
function tagKey(kind: 'n' | 'i', name: string): string {
  return createHash('sha256').update(`${kind}\0${name}`).digest('hex').slice(0, kind === 'n' ? 8 : 10);
}

function byTagKey(catalog: Catalog): Map<string, string> {
  catalog.byTagKey ??= new Map([
    ...catalog.sources.map((source) => [`n${tagKey('n', source)}`, source] as const),
    ...catalog.articles.map((article) => [`i${tagKey('i', article.id)}`, article.id] as const),
  ]);
  return catalog.byTagKey;
}

/**
 * A filter as a button's tag: keys of its source and article and compact days, e.g.
 * `n1a2b3c4d.i0f3e5a6b7c.f20260107.t20260131`. Empty for no filter. The keys do not depend on the
 * index's lists, so buttons keep their filter while feeds add articles; one naming what the index has
 * since lost does not read back, and its buttons say they expired rather than page without the filter.
 */
export function filterTag(filter: SearchFilter | undefined): string {
  if (!isFiltering(filter)) return '';
  const parts: string[] = [];
  for (const source of filter.sources ?? []) parts.push(`n${tagKey('n', source)}`);
  for (const id of filter.articleIds ?? []) parts.push(`i${tagKey('i', id)}`);
  if (filter.since) parts.push(`f${filter.since.replaceAll('-', '')}`);
  if (filter.until) parts.push(`t${filter.until.replaceAll('-', '')}`);
  return parts.join('.');
}

/**
 * The filter a button's tag names in the current index: `{}` for no tag, undefined for a tag that
 * does not read (naming a source or article no longer indexed, or not one of ours).
 */
export function filterFromTag(tag: string | undefined, library: Library): { filter?: SearchFilter } | undefined {
  if (!tag) return {};
  const catalog = catalogOf(library);
  const filter: { sources?: string[]; articleIds?: string[]; since?: string; until?: string } = {};
  for (const part of tag.split('.')) {
    const [kind, rest] = [part[0], part.slice(1)];
    if ((kind === 'n' && /^[0-9a-f]{8}$/.test(rest)) || (kind === 'i' && /^[0-9a-f]{10}$/.test(rest))) {
      const name = byTagKey(catalog).get(part);
      if (name === undefined) return undefined;
      (kind === 'n' ? (filter.sources ??= []) : (filter.articleIds ??= [])).push(name);
    } else if ((kind === 'f' || kind === 't') && /^\d{8}$/.test(rest)) {
      const day = `${rest.slice(0, 4)}-${rest.slice(4, 6)}-${rest.slice(6)}`;
      try {
        filter[kind === 'f' ? 'since' : 'until'] = parseDay(day, 'day');
      } catch {
        return undefined;
      }
    } else {
      return undefined;
    }
  }
  return { filter };
}

/** Suggestions for `source`: the indexed sources whose name contains the typed text. */
export function sourceChoices(library: Library, typed: string): Choice[] {
  const catalog = catalogOf(library);
  const wanted = fold(typed);
  const found: Choice[] = [];
  for (let i = 0; i < catalog.sources.length && found.length < choicesMax; i++) {
    if (catalog.foldedSources[i]!.includes(wanted)) found.push({ name: cutEnd(catalog.sources[i]!, choiceTextMax), value: choiceValue(catalog.sources[i]!) });
  }
  return found;
}

/** Suggestions for `article`: titles containing the typed text, newest first, within `source` when one is picked. */
export function articleChoices(library: Library, typed: string, source?: string): Choice[] {
  const catalog = catalogOf(library);
  const wanted = fold(typed);
  const within = source === undefined ? undefined : resolveSource(catalog, source);
  const found: Choice[] = [];
  for (const i of catalog.newest) {
    if (found.length >= choicesMax) break;
    const article = catalog.articles[i]!;
    if (within !== undefined && article.source !== within) continue;
    if (!catalog.titles[i]!.includes(wanted)) continue;
    const day = catalog.days[i];
    const name = day === undefined ? cutEnd(article.title, choiceTextMax) : `${cutEnd(article.title, choiceTextMax - day.length - 3)} · ${day}`;
    found.push({ name, value: choiceValue(article.id) });
  }
  return found;
}

/**
 * Suggestions for `since` / `until`: the typed date when it is one, the usual ranges (last 7 or 30
 * days…) and the days articles were published, each matching what is typed so far.
 */
export function dayChoices(library: Library, typed: string, option: 'since' | 'until', strings: Strings, now: Date = new Date()): Choice[] {
  const wanted = typed.trim();
  const day = today(now);
  const presets: Choice[] =
    option === 'since'
      ? [
          { name: strings.sinceToday(day), value: day },
          { name: strings.sinceDays(7, addDays(day, -6)), value: addDays(day, -6) },
          { name: strings.sinceDays(30, addDays(day, -29)), value: addDays(day, -29) },
          { name: strings.sinceDays(365, addDays(day, -364)), value: addDays(day, -364) },
        ]
      : [
          { name: strings.untilToday(day), value: day },
          { name: strings.untilDaysAgo(1, addDays(day, -1)), value: addDays(day, -1) },
          { name: strings.untilDaysAgo(7, addDays(day, -7)), value: addDays(day, -7) },
          { name: strings.untilDaysAgo(30, addDays(day, -30)), value: addDays(day, -30) },
        ];
  const catalog = catalogOf(library);
  const published = catalog.publishedDays.filter((d) => d.startsWith(wanted)).slice(0, choicesMax).map((d) => ({ name: strings.publishedDay(d), value: d }));
  let exact: Choice[] = [];
  try {
    const typedDay = parseDay(wanted, option);
    exact = [{ name: typedDay, value: typedDay }];
  } catch {
    // Not a whole date yet: the suggestions below that start with it.
  }
  const folded = fold(wanted);
  const seen = new Set<string>();
  return [...exact, ...presets.filter((c) => c.value.startsWith(wanted) || fold(c.name).includes(folded)), ...published]
    .filter((c) => !seen.has(c.value) && seen.add(c.value))
    .slice(0, choicesMax)
    .map((c) => ({ name: cutEnd(c.name, choiceTextMax), value: c.value }));
}
