/**
 * The live build and its delta segments seen as one index: one row numbering (the base's rows first,
 * then each delta's in list order), which rows are alive, and the collection statistics every
 * segment's keyword search scores with.
 */
import type { CollectionStats, KeywordIndex } from '../keywords/bm25.js';
import type { Passage } from '../passages/passage.js';
import type { ArticleSummary } from '../index-types.js';
import type { PassageTable } from './passage-table.js';
import type { LoadedDelta, SegmentsList } from './segments.js';

/** The rows a search may return: a byte per row (1 allowed), and the allowed rows in order. */
export interface RowFilter {
  readonly allowed: Uint8Array;
  readonly rows: Uint32Array;
}

/** What search, filters and the library read of passage rows; a PassageTable is one, a `SegmentSet`'s `table` another. */
export interface PassageRows {
  readonly size: number;
  id(row: number): string;
  /** The live row holding passage `id`. */
  rowOf(id: string): number | undefined;
  hash(row: number): string;
  text(row: number): string;
  passage(row: number, text?: string): Passage;
  /** Each row's article number, an index into `articleSummaries()`. */
  articleNumbers(): Uint32Array;
  articleSummaries(): ArticleSummary[];
}

export interface SegmentSet {
  list: SegmentsList;
  deltas: LoadedDelta[];
  /** Global row of each delta's first row. */
  offsets: number[];
  /** Rows of base and deltas together. */
  size: number;
  baseSize: number;
  /** A byte per global row: 1 alive, 0 superseded by a later delta. */
  alive: Uint8Array;
  /** Dead rows of the base. */
  deadBase: number;
  /** Deltas of the list that failed to load (left out; their articles return with the next merge). */
  damaged: { name: string; reason: string }[];
  table: PassageRows;
  /** Live articles, as `Library.articles` lists them. */
  articles(): ArticleSummary[];
  /**
   * The collection's statistics. Make one per search: it carries that query's analysis to every
   * segment. Document frequencies are memoized for the set, as they do not change while it lives.
   */
  stats(): CollectionStats;
}

const segmentSetLimits = {
  /** Query term keys whose collection frequency a set keeps; past this the memo starts over, so a long-lived set stays small. */
  memoizedTerms: 1 << 16,
} as const;

/**
 * The set made of `base` (its table and keyword index) and `deltas` (those of `list` that loaded, in
 * its order; `damaged` those that did not). Deletions come from `list`: a damaged delta's supersedes
 * still apply, so the old versions of its articles do not come back.
 */
export function segmentSet(base: { table: PassageTable; keywords: KeywordIndex }, list: SegmentsList, deltas: LoadedDelta[], damaged: SegmentSet['damaged']): SegmentSet {
  const baseSize = base.table.size;
  const offsets: number[] = [];
  let size = baseSize;
  for (const d of deltas) {
    offsets.push(size);
    size += d.table.size;
  }
  const alive = new Uint8Array(size).fill(1);
  const byName = new Map(deltas.map((d, i) => [d.name, i]));
  // Each entry kills the rows of its superseded articles in the base and in every delta before it.
  let deadBase = 0;
  list.deltas.forEach((entry, position) => {
    if (entry.supersedes.length === 0) return;
    const ids = new Set(entry.supersedes);
    for (const id of ids) {
      for (const row of rowsOfArticle(base.table, id)) {
        if (alive[row] === 1) deadBase++;
        alive[row] = 0;
      }
    }
    for (let earlier = 0; earlier < position; earlier++) {
      const i = byName.get(list.deltas[earlier]!.name);
      if (i === undefined) continue;
      const delta = deltas[i]!;
      const numbers = delta.table.articleNumbers();
      const summaries = delta.table.articleSummaries();
      for (let r = 0; r < numbers.length; r++) if (ids.has(summaries[numbers[r]!]!.id)) alive[offsets[i]! + r] = 0;
    }
  });
  const keywordSegments = [base.keywords, ...deltas.map((d) => d.keywords)];
  const n = size;
  // Each key would otherwise cost a dictionary search in every segment on every query.
  const dfMemo = new Map<string, number>();
  const df = (key: string): number => {
    let count = dfMemo.get(key);
    if (count === undefined) {
      count = 0;
      for (const k of keywordSegments) count += k.docFrequency(key);
      if (dfMemo.size >= segmentSetLimits.memoizedTerms) dfMemo.clear();
      dfMemo.set(key, count);
    }
    return count;
  };
  // What segments derive from these statistics is kept for as long as the set lives.
  const scope = {};
  const set: SegmentSet = {
    list,
    deltas,
    offsets,
    size,
    baseSize,
    alive,
    deadBase,
    damaged,
    table: new SegmentRows(base.table, deltas, offsets, alive),
    articles: () => liveArticles(set),
    stats: () => ({ n, df, scope }),
  };
  return set;
}

const summariesOf = new WeakMap<PassageTable, ArticleSummary[]>();

/** The base's article summaries, decoded once per build rather than once per update. */
function baseSummaries(table: PassageTable): readonly ArticleSummary[] {
  let summaries = summariesOf.get(table);
  if (!summaries) summariesOf.set(table, (summaries = table.articleSummaries()));
  return summaries;
}

/** A build's rows grouped by article: article number by id, and each article's rows (`rows[starts[a] .. starts[a + 1]]`). */
interface ArticleRows {
  numberOf: Map<string, number>;
  starts: Uint32Array;
  rows: Uint32Array;
}
const articleRows = new WeakMap<PassageTable, ArticleRows>();

function articleRowsOf(table: PassageTable): ArticleRows {
  let index = articleRows.get(table);
  if (index) return index;
  const summaries = baseSummaries(table);
  const numbers = table.articleNumbers();
  const starts = new Uint32Array(summaries.length + 1);
  for (let row = 0; row < numbers.length; row++) starts[numbers[row]! + 1]!++;
  for (let a = 0; a < summaries.length; a++) starts[a + 1]! += starts[a]!;
  const rows = new Uint32Array(numbers.length);
  const next = starts.slice(0, summaries.length);
  for (let row = 0; row < numbers.length; row++) rows[next[numbers[row]!]!++] = row;
  index = { numberOf: new Map(summaries.map((s, a) => [s.id, a])), starts, rows };
  articleRows.set(table, index);
  return index;
}

/**
 * The rows of article `id` in a build (none when it holds no such article), found through an index
 * built once per build: an update looks up a few articles, and a map of every passage id of a large
 * build would cost more than the update.
 */
export function rowsOfArticle(table: PassageTable, id: string): Uint32Array {
  const { numberOf, starts, rows } = articleRowsOf(table);
  const a = numberOf.get(id);
  return a === undefined ? new Uint32Array(0) : rows.subarray(starts[a]!, starts[a + 1]!);
}

function liveArticles(set: SegmentSet): ArticleSummary[] {
  const counts = new Map<string, ArticleSummary>();
  const summaries = set.table.articleSummaries();
  const numbers = set.table.articleNumbers();
  for (let row = 0; row < numbers.length; row++) {
    if (set.alive[row] !== 1) continue;
    const s = summaries[numbers[row]!]!;
    const seen = counts.get(s.id);
    if (seen) seen.passages++;
    else counts.set(s.id, { ...s, passages: 1 });
  }
  return [...counts.values()];
}

/** The rows of the base and its deltas under one numbering. */
class SegmentRows implements PassageRows {
  private numbers: Uint32Array | undefined;
  private summaries: ArticleSummary[] | undefined;
  /** Article number of each delta's first article in `articleSummaries()`. */
  private articleOffsets: number[] | undefined;

  constructor(
    private readonly base: PassageTable,
    private readonly deltas: readonly LoadedDelta[],
    private readonly offsets: readonly number[],
    private readonly alive: Uint8Array,
  ) {}

  get size(): number {
    return this.alive.length;
  }

  /** The segment holding global row `row`, and the row within it. */
  private at(row: number): [PassageTable, number] {
    if (row < this.base.size) return [this.base, row];
    let i = this.offsets.length - 1;
    while (i > 0 && this.offsets[i]! > row) i--;
    return [this.deltas[i]!.table, row - this.offsets[i]!];
  }

  id(row: number): string {
    const [table, r] = this.at(row);
    return table.id(r);
  }

  hash(row: number): string {
    const [table, r] = this.at(row);
    return table.hash(r);
  }

  text(row: number): string {
    const [table, r] = this.at(row);
    return table.text(r);
  }

  passage(row: number, text?: string): Passage {
    const [table, r] = this.at(row);
    return text === undefined ? table.passage(r) : table.passage(r, text);
  }

  /** Newest first: a passage a delta re-added is found there, not in a dead row of the base. */
  rowOf(id: string): number | undefined {
    for (let i = this.deltas.length - 1; i >= 0; i--) {
      const r = this.deltas[i]!.table.rowOf(id);
      if (r !== undefined && this.alive[this.offsets[i]! + r] === 1) return this.offsets[i]! + r;
    }
    const r = this.base.rowOf(id);
    return r !== undefined && this.alive[r] === 1 ? r : undefined;
  }

  articleSummaries(): ArticleSummary[] {
    if (!this.summaries) {
      this.articleOffsets = [];
      const all = [...baseSummaries(this.base)];
      for (const d of this.deltas) {
        this.articleOffsets.push(all.length);
        all.push(...d.table.articleSummaries());
      }
      this.summaries = all;
    }
    return this.summaries;
  }

  articleNumbers(): Uint32Array {
    if (!this.numbers) {
      this.articleSummaries();
      const numbers = new Uint32Array(this.size);
      numbers.set(this.base.articleNumbers());
      this.deltas.forEach((d, i) => {
        const own = d.table.articleNumbers();
        const shift = this.articleOffsets![i]!;
        const at = this.offsets[i]!;
        for (let r = 0; r < own.length; r++) numbers[at + r] = own[r]! + shift;
      });
      this.numbers = numbers;
    }
    return this.numbers;
  }
}
