/**
 * Search filters: which passages a search may return. Evaluated once per article (articles are far
 * fewer than passages), then spread to a byte per passage row that both halves of the search test.
 */
import { calendarDate } from '../articles/dates.js';
import type { PassageRows, RowFilter } from '../store/segment-set.js';
import { KijiError, ErrorCodes } from '../errors.js';

export interface SearchFilter {
  /** Any of these sources (exact names, as indexed). */
  sources?: readonly string[];
  /** Any of these article ids. */
  articleIds?: readonly string[];
  /**
   * First and last calendar day (YYYY-MM-DD, inclusive), in Japan time as kiji shows dates. A day
   * rather than an instant: "since 2026-01-07" means the day a reader sees printed on the article.
   * An article without a date matches no date bound.
   */
  since?: string;
  until?: string;
}

/** The rows a filter allows (defined with the rows it numbers, in store/). */
export type { RowFilter } from '../store/segment-set.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `text` as a calendar day (YYYY-MM-DD) or a BAD_ARGUMENT error naming the value and the format. */
export function parseDay(text: string, name: string): string {
  const m = DAY.exec(text.trim());
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) return m[0];
  }
  throw new KijiError(ErrorCodes.BAD_ARGUMENT, `${name} "${text}" is not a date: use YYYY-MM-DD, e.g. 2026-01-07.`);
}

/** Whether the filter restricts anything at all. */
export function isFiltering(filter: SearchFilter | undefined): filter is SearchFilter {
  if (filter === undefined) return false;
  return filter.sources !== undefined || filter.articleIds !== undefined || filter.since !== undefined || filter.until !== undefined;
}

/** One line saying what a filter keeps, for answers and the REPL: `source: Reuters · since 2026-01-07`. */
export function describeFilter(filter: SearchFilter | undefined): string {
  if (!isFiltering(filter)) return '';
  const parts: string[] = [];
  if (filter.sources) parts.push(`source: ${filter.sources.join(', ')}`);
  if (filter.articleIds) parts.push(`article: ${filter.articleIds.join(', ')}`);
  if (filter.since) parts.push(`since ${filter.since}`);
  if (filter.until) parts.push(`until ${filter.until}`);
  return parts.join(' · ');
}

/** Per table: each article's source, id and calendar day, decoded once (a filter is compiled per query). */
interface ArticleFacts {
  ids: string[];
  sources: (string | undefined)[];
  days: (string | undefined)[];
}
const facts = new WeakMap<FilterRows, ArticleFacts>();

/** What a filter reads of a table: a build's, or that of a build with its delta segments. */
type FilterRows = Pick<PassageRows, 'articleSummaries' | 'articleNumbers'>;

function articleFacts(table: FilterRows): ArticleFacts {
  let f = facts.get(table);
  if (f === undefined) {
    const summaries = table.articleSummaries();
    f = {
      ids: summaries.map((a) => a.id),
      sources: summaries.map((a) => a.source),
      days: summaries.map((a) => (a.published === undefined ? undefined : calendarDate(a.published))),
    };
    facts.set(table, f);
  }
  return f;
}

/** The rows of `table` that `filter` allows. */
export function compileFilter(table: FilterRows, filter: SearchFilter): RowFilter {
  const { ids, sources, days } = articleFacts(table);
  const sourceSet = filter.sources && new Set(filter.sources);
  const idSet = filter.articleIds && new Set(filter.articleIds);
  const articleAllowed = new Uint8Array(ids.length);
  for (let a = 0; a < ids.length; a++) {
    if (sourceSet && !sourceSet.has(sources[a] as string)) continue;
    if (idSet && !idSet.has(ids[a] as string)) continue;
    const day = days[a];
    if ((filter.since !== undefined || filter.until !== undefined) && day === undefined) continue;
    if (filter.since !== undefined && (day as string) < filter.since) continue;
    if (filter.until !== undefined && (day as string) > filter.until) continue;
    articleAllowed[a] = 1;
  }
  const numbers = table.articleNumbers();
  const allowed = new Uint8Array(numbers.length);
  let count = 0;
  for (let r = 0; r < numbers.length; r++) count += allowed[r] = articleAllowed[numbers[r] as number] as number;
  const rows = new Uint32Array(count);
  for (let r = 0, i = 0; i < count; r++) if (allowed[r] === 1) rows[i++] = r;
  return { allowed, rows };
}
