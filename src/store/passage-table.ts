import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Passage } from '../passages/passage.js';
import type { Article } from '../articles/article.js';
import { withoutUndefined } from '../util.js';
import type { ArticleSummary } from '../retrieval/types.js';
import { corrupt } from './manifest.js';

/** Article-level fields, stored once per article rather than once per passage. */
export type StoredArticle = Pick<Article, 'id' | 'title' | 'subtitle' | 'source' | 'published' | 'url'>;

/**
 * The passage store, column by column. Texts live in one UTF-8 blob and are decoded only when a
 * passage is cited, so loading a million passages parses a few arrays instead of a million objects.
 */
const columnsSchema = z.object({
  articles: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      subtitle: z.string().optional(),
      source: z.string().optional(),
      published: z.string().optional(),
      url: z.string().optional(),
    }),
  ),
  sections: z.array(z.string()),
  ids: z.array(z.string()),
  hashes: z.array(z.string()),
  article: z.array(z.number().int()),
  paragraph: z.array(z.number().int()),
  /** Index into `sections`, -1 for none. */
  section: z.array(z.number().int()),
  /** Vector label in the HNSW index, -1 for a passage without a vector. */
  label: z.array(z.number().int()),
  /** Byte offsets into the text blob; length = passages + 1. */
  textOffsets: z.array(z.number().int()),
});

type Columns = z.infer<typeof columnsSchema>;

/** The UTF-8 text blob: in memory, or read passage by passage from its file. */
interface TextBlob {
  readonly byteLength: number;
  read(start: number, end: number): Uint8Array;
}

function memoryBlob(bytes: Uint8Array): TextBlob {
  return { byteLength: bytes.byteLength, read: (start, end) => bytes.subarray(start, end) };
}

/**
 * Texts are read only to cite a passage (a handful a query), so a loaded table leaves them on disk
 * and reads each by offset: at 1M passages the blob is 425 MB, and holding it cost that much RSS
 * and over a second of load. The descriptor stays open for the table's life (closed on collection).
 */
function fileBlob(file: string): TextBlob {
  const fd = fs.openSync(file, 'r');
  const byteLength = fs.fstatSync(fd).size;
  const blob: TextBlob = {
    byteLength,
    read: (start, end) => {
      const out = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < out.length) {
        const n = fs.readSync(fd, out, done, out.length - done, start + done);
        if (n === 0) throw corrupt(file, `ended early at byte ${start + done} (changed since it was opened?)`);
        done += n;
      }
      return out;
    },
  };
  closeOnCollect.register(blob, fd);
  return blob;
}

const closeOnCollect = new FinalizationRegistry<number>((fd) => fs.close(fd, () => {}));

export class PassageTable {
  /** Built on first use: at 1M passages the map costs ~0.5 s, and search finds rows without it. */
  private rowById: Map<string, number> | undefined;
  private readonly decoder = new TextDecoder();

  private constructor(
    private readonly columns: Columns,
    private readonly texts: TextBlob,
  ) {}

  /** Builds a table from passages in order; `labels[i]` is passage i's vector label (-1: none). */
  static fromPassages(passages: readonly Passage[], labels: readonly number[]): PassageTable {
    const columns: Columns = {
      articles: [],
      sections: [],
      ids: [],
      hashes: [],
      article: [],
      paragraph: [],
      section: [],
      label: [],
      textOffsets: [0],
    };
    const articleRow = new Map<string, number>();
    const sectionRow = new Map<string, number>();
    // One joined string encoded once: encoding 100k texts one by one and concatenating took ~1 s.
    const texts: string[] = [];
    let offset = 0;
    passages.forEach((p, i) => {
      let a = articleRow.get(p.articleId);
      if (a === undefined) {
        a = columns.articles.length;
        articleRow.set(p.articleId, a);
        columns.articles.push(
          withoutUndefined({ id: p.articleId, title: p.title, subtitle: p.subtitle, source: p.source, published: p.published, url: p.url }),
        );
      }
      let s = -1;
      if (p.section !== undefined) {
        s = sectionRow.get(p.section) ?? -1;
        if (s < 0) {
          s = columns.sections.length;
          sectionRow.set(p.section, s);
          columns.sections.push(p.section);
        }
      }
      texts.push(p.text);
      offset += Buffer.byteLength(p.text, 'utf8');
      columns.ids.push(p.id);
      columns.hashes.push(p.hash);
      columns.article.push(a);
      columns.paragraph.push(p.paragraph);
      columns.section.push(s);
      columns.label.push(labels[i] ?? -1);
      columns.textOffsets.push(offset);
    });
    let blob = Buffer.from(texts.join(''), 'utf8');
    // A text ending in a lone high surrogate joins the next one's lone low surrogate into one
    // character; then encode text by text so the offsets hold.
    if (blob.length !== offset) blob = Buffer.concat(texts.map((text) => Buffer.from(text, 'utf8')));
    return new PassageTable(columns, memoryBlob(blob));
  }

  /** `texts` is the blob itself or the path of texts.bin (then read per cited passage; see `fileBlob`). */
  static deserialize(json: Buffer, textsOrFile: Buffer | string, file: string): PassageTable {
    let texts: TextBlob;
    try {
      texts = typeof textsOrFile === 'string' ? fileBlob(textsOrFile) : memoryBlob(textsOrFile);
    } catch (cause) {
      throw corrupt(typeof textsOrFile === 'string' ? textsOrFile : file, 'cannot be opened', cause);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(json.toString('utf8'));
    } catch (cause) {
      throw corrupt(file, 'is not valid JSON', cause);
    }
    const c = checkColumns(raw, file);
    const n = c.ids.length;
    const lengthsAgree = [c.hashes, c.article, c.paragraph, c.section, c.label].every((col) => col.length === n);
    if (!lengthsAgree || c.textOffsets.length !== n + 1 || c.textOffsets[n] !== texts.byteLength) {
      throw corrupt(file, 'has columns of different lengths');
    }
    return new PassageTable(c, texts);
  }

  serialize(): { json: Buffer; texts: Buffer } {
    return { json: Buffer.from(JSON.stringify(this.columns)), texts: Buffer.from(this.allTexts()) };
  }

  private allTexts(): Uint8Array {
    return this.texts.read(0, this.texts.byteLength);
  }

  get size(): number {
    return this.columns.ids.length;
  }

  /** Changes whenever anything a reader could see changes (ids, hashes, metadata, labels aside). */
  digest(): string {
    const { label: _labels, ...content } = this.columns;
    return createHash('sha256').update(JSON.stringify(content)).update(this.allTexts()).digest('hex').slice(0, 32);
  }

  rowOf(id: string): number | undefined {
    if (!this.rowById) {
      this.rowById = new Map();
      this.columns.ids.forEach((id, row) => this.rowById!.set(id, row));
    }
    return this.rowById.get(id);
  }

  id(row: number): string {
    return this.columns.ids[row]!;
  }

  hash(row: number): string {
    return this.columns.hashes[row]!;
  }

  label(row: number): number {
    return this.columns.label[row]!;
  }

  labels(): readonly number[] {
    return this.columns.label;
  }

  text(row: number): string {
    const offsets = this.columns.textOffsets;
    return this.decoder.decode(this.texts.read(offsets[row]!, offsets[row + 1]!));
  }

  section(row: number): string | undefined {
    const s = this.columns.section[row]!;
    return s < 0 ? undefined : this.columns.sections[s];
  }

  article(row: number): StoredArticle {
    return this.columns.articles[this.columns.article[row]!]!;
  }

  /** `text`, when the caller already read this row's text, saves reading it again. */
  passage(row: number, text: string = this.text(row)): Passage {
    const a = this.article(row);
    return withoutUndefined({
      id: this.id(row),
      articleId: a.id,
      title: a.title,
      subtitle: a.subtitle,
      source: a.source,
      published: a.published,
      url: a.url,
      section: this.section(row),
      paragraph: this.columns.paragraph[row]!,
      text,
      hash: this.hash(row),
    });
  }

  articleSummaries(): ArticleSummary[] {
    const counts = new Array<number>(this.columns.articles.length).fill(0);
    for (const a of this.columns.article) counts[a]! += 1;
    return this.columns.articles.map((a, i) =>
      withoutUndefined({ id: a.id, title: a.title, source: a.source, published: a.published, url: a.url, passages: counts[i]! }),
    );
  }
}

/**
 * Checks the parsed JSON against `columnsSchema`. The per-passage columns (a million elements each
 * at 1M passages) are checked by plain loops: zod took most of the load time there (see
 * "Benchmarks" in README.md); the small parts still go through zod.
 */
function checkColumns(raw: unknown, file: string): Columns {
  const bad = (what: string): never => {
    throw corrupt(file, `has an unexpected shape (${what})`);
  };
  if (typeof raw !== 'object' || raw === null) return bad('not an object');
  const r = raw as Record<string, unknown>;
  const small = columnsSchema.pick({ articles: true, sections: true }).safeParse({ articles: r.articles, sections: r.sections });
  if (!small.success) return bad(small.error.issues[0]?.message ?? 'articles or sections');
  const strings = (key: 'ids' | 'hashes'): string[] => {
    const col = r[key];
    if (!Array.isArray(col)) return bad(`${key} is not an array`);
    for (const x of col) if (typeof x !== 'string') return bad(`${key} holds a non-string`);
    return col as string[];
  };
  const ints = (key: 'article' | 'paragraph' | 'section' | 'label' | 'textOffsets'): number[] => {
    const col = r[key];
    if (!Array.isArray(col)) return bad(`${key} is not an array`);
    for (const x of col) if (!Number.isInteger(x)) return bad(`${key} holds a non-integer`);
    return col as number[];
  };
  return {
    ...small.data,
    ids: strings('ids'),
    hashes: strings('hashes'),
    article: ints('article'),
    paragraph: ints('paragraph'),
    section: ints('section'),
    label: ints('label'),
    textOffsets: ints('textOffsets'),
  };
}
