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
  const byArticle = articleRows(table);
  // An article filter looks up its few articles; the others test every article (far fewer than rows).
  const candidates = filter.articleIds === undefined ? undefined : articleNumbersOf(byArticle, filter.articleIds);
  const tested = candidates?.length ?? ids.length;
  const kept: number[] = [];
  for (let i = 0; i < tested; i++) {
    const a = candidates === undefined ? i : (candidates[i] as number);
    if (sourceSet && !sourceSet.has(sources[a] as string)) continue;
    const day = days[a];
    if ((filter.since !== undefined || filter.until !== undefined) && day === undefined) continue;
    if (filter.since !== undefined && (day as string) < filter.since) continue;
    if (filter.until !== undefined && (day as string) > filter.until) continue;
    kept.push(a);
  }
  // The kept articles' rows, gathered from the per-article lists: no pass over every row.
  const { starts, rows: listed } = byArticle;
  let count = 0;
  for (const a of kept) count += (starts[a + 1] as number) - (starts[a] as number);
  const rows = new Uint32Array(count);
  let at = 0;
  let ordered = true;
  for (const a of kept) {
    for (let j = starts[a] as number, end = starts[a + 1] as number; j < end; j++) {
      const row = listed[j] as number;
      if (at > 0 && row < (rows[at - 1] as number)) ordered = false;
      rows[at++] = row;
    }
  }
  // Articles' rows interleave only after updates appended to an article; then they are sorted.
  if (!ordered) rows.sort();
  const allowed = new Uint8Array(table.articleNumbers().length);
  for (let i = 0; i < count; i++) allowed[rows[i] as number] = 1;
  return { allowed, rows };
}

/** Per table: each article's rows in order (`rows` from `starts[a]` to `starts[a + 1]`), and each article id's number. */
interface ArticleRows {
  starts: Uint32Array;
  rows: Uint32Array;
  numberOf: Map<string, number>;
}
const rowLists = new WeakMap<Parameters<typeof compileFilter>[0], ArticleRows>();

function articleRows(table: Parameters<typeof compileFilter>[0]): ArticleRows {
  let lists = rowLists.get(table);
  if (lists === undefined) {
    const { ids } = articleFacts(table);
    const numbers = table.articleNumbers();
    const starts = new Uint32Array(ids.length + 1);
    for (let r = 0; r < numbers.length; r++) starts[(numbers[r] as number) + 1]! += 1;
    for (let a = 0; a < ids.length; a++) starts[a + 1]! += starts[a] as number;
    const next = starts.slice(0, ids.length);
    const rows = new Uint32Array(numbers.length);
    for (let r = 0; r < numbers.length; r++) rows[next[numbers[r] as number]!++] = r;
    lists = { starts, rows, numberOf: new Map(ids.map((id, a) => [id, a])) };
    rowLists.set(table, lists);
  }
  return lists;
}

/** The article numbers of `articleIds` that the table holds, ascending, each once. */
function articleNumbersOf(lists: ArticleRows, articleIds: readonly string[]): Uint32Array {
  const found = new Set<number>();
  for (const id of articleIds) {
    const a = lists.numberOf.get(id);
    if (a !== undefined) found.add(a);
  }
  return Uint32Array.from(found).sort();
}
