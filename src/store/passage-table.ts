import { createHash } from 'node:crypto';
import type { Passage } from '../passages/passage.js';
import type { Article } from '../articles/article.js';
import { withoutUndefined } from '../util.js';
import type { ArticleSummary } from '../index-types.js';
import { checkHeader, closeOnCollect, corruptFile, fromLeBytes, headerBytes, leBytes, memorySource, openSource, type FileHeader, type NumberArray, type NumberArrayType, type Source } from '../binary-file.js';

/** Article-level fields, stored once per article rather than once per passage. */
export type StoredArticle = Pick<Article, 'id' | 'title' | 'subtitle' | 'source' | 'published' | 'url'>;

/*
 * passages.bin, the passage store column by column (little-endian):
 *   header (32 bytes): magic "KIJIPTBL", u32 layout version, u32 passages, u32 articles,
 *                      u32 sections, u32 block count, u32 texts.bin's encoding (0 UTF-8, 1 UTF-16LE;
 *                      layout 1, always UTF-8, wrote 0)
 *   directory:         f64 byte offset and f64 byte length of each block, in the order of `blockNames`
 *   blocks:            each starting at a multiple of 8 bytes
 * Number columns are typed arrays viewed in place (no per-row objects at load, which for a million
 * passages would take seconds of parsing and decoding). A string column is a
 * UTF-8 blob plus u32 offsets (no offsets when every value has the same byte length, as hashes
 * do), decoded one value at a time when asked for. Texts live in texts.bin: held whole when it is
 * small (`TEXTS_IN_MEMORY_BYTES`), read per cited passage when it is not.
 */
const LAYOUT_VERSION = 2;
// Layout 1 is layout 2 with UTF-8 texts: tables written before the encoding was chosen still load.
const HEADER: FileHeader = { magic: 'KIJIPTBL', kind: 'a kiji passage table', versions: [1, LAYOUT_VERSION] };

/**
 * How texts.bin spells its texts: whichever is smaller for the corpus. Japanese takes 3 bytes a
 * character in UTF-8 and 2 in UTF-16, and a UTF-16 text is copied into a string rather than decoded
 * (several times faster, for every cited passage); English stays UTF-8.
 */
type TextEncoding = 'utf8' | 'utf16le';
const TEXT_ENCODINGS: readonly TextEncoding[] = ['utf8', 'utf16le'];
const HEADER_BYTES = 32;

const articleFields = ['id', 'title', 'subtitle', 'source', 'published', 'url'] as const;
type ArticleField = (typeof articleFields)[number];
const optionalArticleFields: ReadonlySet<ArticleField> = new Set(['subtitle', 'source', 'published', 'url']);

const blockNames = [
  'article',
  'paragraph',
  'section',
  'label',
  'textOffsets',
  ...stringBlocks('ids', false),
  ...stringBlocks('hashes', false),
  ...stringBlocks('sections', false),
  ...articleFields.flatMap((f) => stringBlocks(`article.${f}`, optionalArticleFields.has(f))),
];

function stringBlocks(name: string, optional: boolean): string[] {
  return optional ? [`${name}`, `${name}.offsets`, `${name}.present`] : [`${name}`, `${name}.offsets`];
}

/** Strings as one UTF-8 blob, decoded one at a time when asked for. */
class StringColumn {
  private constructor(
    private readonly bytes: Buffer,
    /** Value i is bytes offsets[i] .. offsets[i+1]; undefined when every value is `width` bytes. */
    private readonly offsets: Uint32Array | undefined,
    private readonly width: number,
    readonly length: number,
    /** 0 where an optional value is absent; undefined when all are present. */
    private readonly present: Uint8Array | undefined,
  ) {}

  static of(values: readonly (string | undefined)[]): StringColumn {
    const lengths = values.map((v) => (v === undefined ? 0 : Buffer.byteLength(v, 'utf8')));
    let total = 0;
    for (const l of lengths) total += l;
    if (total > 0xffffffff) throw new Error(`A passage table column holds ${total} bytes of text; at most 4 GB fit.`);
    let bytes = Buffer.from(values.map((v) => v ?? '').join(''), 'utf8');
    // A value ending in a lone high surrogate joins the next one's lone low surrogate into one
    // character; then encode value by value so the offsets hold.
    if (bytes.length !== total) bytes = Buffer.concat(values.map((v) => Buffer.from(v ?? '', 'utf8')));
    const absent = values.some((v) => v === undefined);
    const present = absent ? Uint8Array.from(values, (v) => (v === undefined ? 0 : 1)) : undefined;
    const width = lengths[0] ?? 0;
    if (!absent && lengths.every((l) => l === width)) return new StringColumn(bytes, undefined, width, values.length, undefined);
    const offsets = new Uint32Array(values.length + 1);
    lengths.forEach((l, i) => (offsets[i + 1] = offsets[i]! + l));
    return new StringColumn(bytes, offsets, 0, values.length, present);
  }

  /** Checks blocks read from a file; `bad` throws. */
  static fromBlocks(blocks: Uint8Array[], count: number, bad: (what: string) => never, name: string): StringColumn {
    const [bytesBlock, offsetsBlock, presentBlock] = blocks as [Uint8Array, Uint8Array, Uint8Array | undefined];
    const bytes = Buffer.from(bytesBlock.buffer, bytesBlock.byteOffset, bytesBlock.byteLength);
    let present: Uint8Array | undefined;
    if (presentBlock && presentBlock.byteLength > 0) {
      if (presentBlock.byteLength !== count) bad(`${name} has ${presentBlock.byteLength} presence flags for ${count} values`);
      for (const p of presentBlock) if (p > 1) bad(`${name} has a presence flag of ${p}`);
      present = presentBlock;
    }
    if (offsetsBlock.byteLength === 0) {
      if (present) bad(`${name} has absent values but no offsets`);
      if (count === 0 ? bytes.length !== 0 : bytes.length % count !== 0) bad(`${name} holds ${bytes.length} bytes, not ${count} values of one width`);
      return new StringColumn(bytes, undefined, count === 0 ? 0 : bytes.length / count, count, undefined);
    }
    if (offsetsBlock.byteLength !== (count + 1) * 4) bad(`${name} has ${offsetsBlock.byteLength / 4} offsets for ${count} values`);
    const offsets = fromLeBytes<Uint32Array>(Uint32Array, offsetsBlock);
    if (offsets[0] !== 0 || offsets[count] !== bytes.length) bad(`${name} offsets do not span its ${bytes.length} bytes`);
    for (let i = 0; i < count; i++) if (offsets[i]! > offsets[i + 1]!) bad(`${name} offsets go backwards at ${i}`);
    return new StringColumn(bytes, offsets, 0, count, present);
  }

  /** bytes, offsets (empty: one width), and for an optional column the presence flags (empty: all present). */
  blocks(optional: boolean): Uint8Array[] {
    const out = [this.bytes, this.offsets ? leBytes(this.offsets) : new Uint8Array(0)];
    if (optional) out.push(this.present ?? new Uint8Array(0));
    return out;
  }

  get(i: number): string | undefined {
    if (this.present?.[i] === 0) return undefined;
    const start = this.offsets ? this.offsets[i]! : i * this.width;
    const end = this.offsets ? this.offsets[i + 1]! : start + this.width;
    return this.bytes.toString('utf8', start, end);
  }

  /** Every value, for building a lookup once. */
  all(): string[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i) ?? '');
  }
}

interface Columns {
  /** Article row of each passage. */
  article: Uint32Array;
  paragraph: Int32Array;
  /** Index into `sections`, -1 for none. */
  section: Int32Array;
  /** Vector label in the HNSW index, -1 for a passage without a vector. */
  label: Int32Array;
  /** Byte offsets into the text blob; length = passages + 1. */
  textOffsets: Float64Array;
  textEncoding: TextEncoding;
  ids: StringColumn;
  hashes: StringColumn;
  sections: StringColumn;
  articles: Record<ArticleField, StringColumn>;
}

/** The text blob: in memory, or read passage by passage from its file. */
interface TextBlob {
  readonly byteLength: number;
  read(start: number, end: number): Uint8Array;
  /** Bytes start..end-1 as text. */
  text(start: number, end: number, encoding: TextEncoding): string;
}

/**
 * The texts as a blob, from `source`. Texts are read only to cite a passage (a handful a query), so a
 * large table leaves them on disk and reads each by offset: holding them all would cost their whole
 * size in memory and in load time. An open file stays open for the table's life (closed on collection).
 */
function textBlob(source: Source): TextBlob {
  const bytes = source.bytes;
  if (bytes) {
    // Decoded straight from the one Buffer: a subarray view per text plus a TextDecoder is slower.
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { byteLength: bytes.byteLength, read: (start, end) => bytes.subarray(start, end), text: (start, end, encoding) => buffer.toString(encoding, start, end) };
  }
  const read = (start: number, end: number): Buffer => {
    const out = Buffer.allocUnsafe(end - start);
    source.readInto(out, start, end - start);
    return out;
  };
  const blob: TextBlob = { byteLength: source.size, read, text: (start, end, encoding) => read(start, end).toString(encoding) };
  closeOnCollect(blob, source);
  return blob;
}

/**
 * Texts of at most this many bytes are read whole when a table is loaded; larger ones stay on disk.
 * A read from the file per cited passage is slower than a copy from memory, but held in memory the
 * texts of a large corpus would break the memory budget (docs/architecture.md).
 */
export const TEXTS_IN_MEMORY_BYTES = 64 * 2 ** 20;

export class PassageTable {
  /** Built on first use: for a large table the map takes a noticeable part of a load, and search finds rows without it. */
  private rowById: Map<string, number> | undefined;
  /** Decoded on first use, article by article. */
  private readonly articleCache: (StoredArticle | undefined)[] = [];

  private constructor(
    private readonly columns: Columns,
    private readonly texts: TextBlob,
  ) {}

  /** Builds a table from passages in order; `labels[i]` is passage i's vector label (-1: none). */
  static fromPassages(passages: readonly Passage[], labels: readonly number[]): PassageTable {
    const n = passages.length;
    const article = new Uint32Array(n);
    const paragraph = new Int32Array(n);
    const section = new Int32Array(n);
    const label = new Int32Array(n);
    const textOffsets = new Float64Array(n + 1);
    const articles: Passage[] = [];
    const sections: string[] = [];
    const articleRow = new Map<string, number>();
    const sectionRow = new Map<string, number>();
    // One joined string encoded once: encoding texts one by one and concatenating is much slower.
    const texts: string[] = [];
    let utf8Bytes = 0;
    let utf16Bytes = 0;
    passages.forEach((p, i) => {
      let a = articleRow.get(p.articleId);
      if (a === undefined) {
        a = articles.length;
        articleRow.set(p.articleId, a);
        articles.push(p);
      }
      let s = -1;
      if (p.section !== undefined) {
        s = sectionRow.get(p.section) ?? -1;
        if (s < 0) {
          s = sections.length;
          sectionRow.set(p.section, s);
          sections.push(p.section);
        }
      }
      texts.push(p.text);
      utf8Bytes += Buffer.byteLength(p.text, 'utf8');
      utf16Bytes += 2 * p.text.length;
      article[i] = a;
      paragraph[i] = p.paragraph;
      section[i] = s;
      label[i] = labels[i] ?? -1;
      textOffsets[i + 1] = utf8Bytes;
    });
    const textEncoding: TextEncoding = utf16Bytes < utf8Bytes ? 'utf16le' : 'utf8';
    let blob: Buffer;
    if (textEncoding === 'utf16le') {
      // Every UTF-16 unit is two bytes, lone surrogates included: texts join without merging.
      for (let i = 0, at = 0; i < n; i++) textOffsets[i + 1] = at += 2 * (texts[i] as string).length;
      blob = Buffer.from(texts.join(''), 'utf16le');
    } else {
      blob = Buffer.from(texts.join(''), 'utf8');
      // As in StringColumn.of: lone surrogates at text boundaries would merge.
      if (blob.length !== utf8Bytes) blob = Buffer.concat(texts.map((text) => Buffer.from(text, 'utf8')));
    }
    const field = (f: ArticleField): StringColumn => StringColumn.of(articles.map((p) => (f === 'id' ? p.articleId : p[f])));
    const columns: Columns = {
      article,
      paragraph,
      section,
      label,
      textOffsets,
      textEncoding,
      ids: StringColumn.of(passages.map((p) => p.id)),
      hashes: StringColumn.of(passages.map((p) => p.hash)),
      sections: StringColumn.of(sections),
      articles: Object.fromEntries(articleFields.map((f) => [f, field(f)])) as Record<ArticleField, StringColumn>,
    };
    return new PassageTable(columns, textBlob(memorySource(blob)));
  }

  /**
   * Reads passages.bin (`bytes`). `textsOrFile` is the text blob itself or the path of texts.bin
   * (read whole if it has at most `textsInMemoryBytes` bytes, else per cited passage; see `textBlob`).
   * `file` names passages.bin in errors.
   */
  static deserialize(bytes: Buffer, textsOrFile: Buffer | string, file: string, textsInMemoryBytes = TEXTS_IN_MEMORY_BYTES): PassageTable {
    let texts: TextBlob;
    try {
      texts = textBlob(typeof textsOrFile === 'string' ? openSource(textsOrFile, textsInMemoryBytes) : memorySource(textsOrFile));
    } catch (cause) {
      throw corruptFile(typeof textsOrFile === 'string' ? textsOrFile : file, 'cannot be opened', cause);
    }
    return new PassageTable(readColumns(bytes, texts.byteLength, file), texts);
  }

  /** The two files of the table: `columns` for passages.bin, `texts` for texts.bin. */
  serialize(): { columns: Buffer; texts: Buffer } {
    const blocks = this.blocks();
    let at = HEADER_BYTES + blocks.length * 16;
    const placed = blocks.map((b) => {
      const offset = at;
      at = align8(at + b.byteLength);
      return offset;
    });
    const out = Buffer.alloc(at);
    const magicAndVersion = headerBytes(HEADER, LAYOUT_VERSION);
    out.set(magicAndVersion, 0);
    const counts = [this.size, this.columns.articles.id.length, this.columns.sections.length, blocks.length, TEXT_ENCODINGS.indexOf(this.columns.textEncoding)];
    counts.forEach((x, i) => out.writeUInt32LE(x, magicAndVersion.byteLength + i * 4));
    blocks.forEach((b, i) => {
      out.writeDoubleLE(placed[i]!, HEADER_BYTES + i * 16);
      out.writeDoubleLE(b.byteLength, HEADER_BYTES + i * 16 + 8);
      out.set(b, placed[i]!);
    });
    return { columns: out, texts: Buffer.from(this.allTexts()) };
  }

  /** The blocks of passages.bin, in the order of `blockNames`. */
  private blocks(): Uint8Array[] {
    const c = this.columns;
    return [
      leBytes(c.article),
      leBytes(c.paragraph),
      leBytes(c.section),
      leBytes(c.label),
      leBytes(c.textOffsets),
      ...c.ids.blocks(false),
      ...c.hashes.blocks(false),
      ...c.sections.blocks(false),
      ...articleFields.flatMap((f) => c.articles[f].blocks(optionalArticleFields.has(f))),
    ];
  }

  private allTexts(): Uint8Array {
    return this.texts.read(0, this.texts.byteLength);
  }

  get size(): number {
    return this.columns.label.length;
  }

  /** Changes whenever anything a reader could see changes (ids, hashes, metadata, labels aside). */
  digest(): string {
    const hash = createHash('sha256');
    const blocks = this.blocks();
    blockNames.forEach((name, i) => {
      if (name !== 'label') hash.update(`${name}:${blocks[i]!.byteLength};`).update(blocks[i]!);
    });
    return hash.update(this.allTexts()).digest('hex').slice(0, 32);
  }

  rowOf(id: string): number | undefined {
    if (!this.rowById) {
      this.rowById = new Map();
      this.columns.ids.all().forEach((id, row) => this.rowById!.set(id, row));
    }
    return this.rowById.get(id);
  }

  id(row: number): string {
    return this.columns.ids.get(row)!;
  }

  hash(row: number): string {
    return this.columns.hashes.get(row)!;
  }

  label(row: number): number {
    return this.columns.label[row]!;
  }

  /** Vector label of each row (-1: none). A view on the table's own array: do not modify. */
  labels(): Int32Array {
    return this.columns.label;
  }

  text(row: number): string {
    const offsets = this.columns.textOffsets;
    return this.texts.text(offsets[row]!, offsets[row + 1]!, this.columns.textEncoding);
  }

  section(row: number): string | undefined {
    const s = this.columns.section[row]!;
    return s < 0 ? undefined : this.columns.sections.get(s);
  }

  article(row: number): StoredArticle {
    return this.storedArticle(this.columns.article[row]!);
  }

  /** Each row's article number (an index into `articleSummaries()`); the table's own column, not a copy. */
  articleNumbers(): Uint32Array {
    return this.columns.article;
  }

  private storedArticle(a: number): StoredArticle {
    let stored = this.articleCache[a];
    if (!stored) {
      const f = this.columns.articles;
      stored = withoutUndefined({
        id: f.id.get(a)!,
        title: f.title.get(a)!,
        subtitle: f.subtitle.get(a),
        source: f.source.get(a),
        published: f.published.get(a),
        url: f.url.get(a),
      });
      this.articleCache[a] = stored;
    }
    return stored;
  }

  /** `text`, when the caller already read this row's text, saves reading it again. */
  passage(row: number, text: string = this.text(row)): Passage {
    const a = this.article(row);
    // Built field by field in the Passage order, absent fields left out: this runs for every cited
    // passage, and filtering a full object's entries cost as much as decoding its text.
    const p: Passage = { id: this.id(row), articleId: a.id, title: a.title } as Passage;
    if (a.subtitle !== undefined) p.subtitle = a.subtitle;
    if (a.source !== undefined) p.source = a.source;
    if (a.published !== undefined) p.published = a.published;
    if (a.url !== undefined) p.url = a.url;
    const section = this.section(row);
    if (section !== undefined) p.section = section;
    p.paragraph = this.columns.paragraph[row]!;
    p.text = text;
    p.hash = this.hash(row);
    return p;
  }

  articleSummaries(): ArticleSummary[] {
    const articles = this.columns.articles.id.length;
    const counts = new Array<number>(articles).fill(0);
    for (const a of this.columns.article) counts[a]! += 1;
    return Array.from({ length: articles }, (_, i) => {
      const a = this.storedArticle(i);
      return withoutUndefined({ id: a.id, title: a.title, source: a.source, published: a.published, url: a.url, passages: counts[i]! });
    });
  }
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * Reads and checks passages.bin. Every check is a loop over a typed array (cheap even for a large table),
 * so a damaged file gives one INDEX_CORRUPT line here rather than a wrong citation later.
 */
function readColumns(bytes: Buffer, textBytes: number, file: string): Columns {
  const bad = (what: string): never => {
    throw corruptFile(file, `is damaged or not a kiji passage table (${what})`);
  };
  if (bytes.length < HEADER_BYTES) bad(`${bytes.length} bytes, shorter than its header`);
  const version = checkHeader(bytes, HEADER, bad);
  const [n, articles, sections, blockCount, encodingCode] = [1, 2, 3, 4, 5].map((i) => bytes.readUInt32LE(8 + i * 4)) as [number, number, number, number, number];
  const textEncoding = TEXT_ENCODINGS[version === 1 ? 0 : encodingCode];
  if (textEncoding === undefined) bad(`text encoding ${encodingCode}, this kiji reads 0 (UTF-8) and 1 (UTF-16LE)`);
  if (blockCount !== blockNames.length) bad(`${blockCount} blocks, expected ${blockNames.length}`);
  if (bytes.length < HEADER_BYTES + blockCount * 16) bad('truncated directory');
  const blocks = new Map<string, Uint8Array>();
  blockNames.forEach((name, i) => {
    const offset = bytes.readDoubleLE(HEADER_BYTES + i * 16);
    const length = bytes.readDoubleLE(HEADER_BYTES + i * 16 + 8);
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > bytes.length) {
      bad(`block ${name} lies outside the file's ${bytes.length} bytes (truncated?)`);
    }
    blocks.set(name, bytes.subarray(offset, offset + length));
  });
  const numbers = <T extends NumberArray>(Type: NumberArrayType, name: string, count: number): T => {
    const block = blocks.get(name)!;
    if (block.byteLength !== count * Type.BYTES_PER_ELEMENT) bad(`${name} holds ${block.byteLength} bytes for ${count} values`);
    return fromLeBytes<T>(Type, block);
  };
  const strings = (name: string, count: number): StringColumn =>
    StringColumn.fromBlocks(
      [blocks.get(name)!, blocks.get(`${name}.offsets`)!, blocks.get(`${name}.present`)].filter((b) => b !== undefined),
      count,
      bad,
      name,
    );
  const article = numbers<Uint32Array>(Uint32Array, 'article', n);
  const paragraph = numbers<Int32Array>(Int32Array, 'paragraph', n);
  const section = numbers<Int32Array>(Int32Array, 'section', n);
  const label = numbers<Int32Array>(Int32Array, 'label', n);
  const textOffsets = numbers<Float64Array>(Float64Array, 'textOffsets', n + 1);
  for (let i = 0; i < n; i++) {
    if (article[i]! >= articles) bad(`passage ${i} points to article ${article[i]} of ${articles}`);
    if (section[i]! < -1 || section[i]! >= sections) bad(`passage ${i} points to section ${section[i]} of ${sections}`);
    if (label[i]! < -1) bad(`passage ${i} has vector label ${label[i]}`);
  }
  if (textOffsets[0] !== 0 || textOffsets[n] !== textBytes) bad(`text offsets do not span texts.bin's ${textBytes} bytes`);
  for (let i = 0; i < n; i++) {
    const next = textOffsets[i + 1]!;
    if (!(next >= textOffsets[i]!) || !Number.isInteger(next)) bad(`text offsets go backwards at passage ${i}`);
    if (textEncoding === 'utf16le' && next % 2 !== 0) bad(`text offset ${next} of passage ${i} splits a UTF-16 unit`);
  }
  return {
    article,
    paragraph,
    section,
    label,
    textOffsets,
    textEncoding: textEncoding!,
    ids: strings('ids', n),
    hashes: strings('hashes', n),
    sections: strings('sections', sections),
    articles: Object.fromEntries(articleFields.map((f) => [f, strings(`article.${f}`, articles)])) as Record<ArticleField, StringColumn>,
  };
}
