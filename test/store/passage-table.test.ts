import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEXTS_IN_MEMORY_BYTES, PassageTable } from '../../src/store/passage-table.js';
import { isKijiError } from '../../src/errors.js';
import type { Passage } from '../../src/passages/passage.js';

function passage(articleId: string, paragraph: number, text: string, extra: Partial<Passage> = {}): Passage {
  return { id: `${articleId}#${paragraph}`, articleId, title: `${articleId}の見出し`, paragraph, text, hash: `${articleId}${paragraph}`.padEnd(16, '0').slice(0, 16), ...extra };
}

const passages: Passage[] = [
  passage('a', 1, '東京で国際会議が開かれた。', { subtitle: '副題', source: '共同', published: '2026-01-06', url: 'https://example.com/a', section: '概要' }),
  passage('a', 2, '二つ目の段落。', { subtitle: '副題', source: '共同', published: '2026-01-06', url: 'https://example.com/a', section: '詳細' }),
  passage('b', 1, '短い', { source: 'Reuters' }),
  passage('b', 2, ''),
  // Lone surrogates at a text boundary would merge into one character if texts were joined naively.
  passage('c', 1, 'end\uD83D', { section: '概要', hash: 'ffffffffffffffff' }),
  passage('c', 2, '\uDE00start', { hash: '0123456789abcdef' }),
];
const labels = [3, -1, 0, 5, 1, 2];

function roundTrip(table: PassageTable): PassageTable {
  const { columns, texts } = table.serialize();
  return PassageTable.deserialize(columns, texts, 'passages.bin');
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return isKijiError(error) ? `${error.code}${error.message.includes('\n') ? ' (multi-line)' : ''}` : `raw ${String(error)}`;
  }
}

describe('PassageTable', () => {
  it('round-trips every field through passages.bin', () => {
    const table = PassageTable.fromPassages(passages, labels);
    const copy = roundTrip(table);
    expect(copy.size).toBe(passages.length);
    for (let row = 0; row < passages.length; row++) {
      expect(copy.passage(row)).toEqual(table.passage(row));
      expect(copy.label(row)).toBe(labels[row]);
      expect(copy.rowOf(passages[row]!.id)).toBe(row);
    }
    expect(copy.passage(0)).toEqual(passages[0]);
    expect(copy.passage(2)).toEqual(passages[2]);
    // Mostly Japanese: stored as UTF-16, where a lone surrogate keeps its own spelling and stays in its own text.
    expect(table.serialize().texts.length).toBe(2 * passages.reduce((n, p) => n + p.text.length, 0));
    expect([copy.text(4), copy.text(5)]).toEqual(['end\uD83D', '\uDE00start']);
    expect([...copy.labels()]).toEqual(labels);
    expect(copy.articleSummaries()).toEqual(table.articleSummaries());
    expect(copy.articleSummaries().map((a) => a.passages)).toEqual([2, 2, 2]);
    expect(copy.digest()).toBe(table.digest());
    expect(copy.serialize().columns.equals(table.serialize().columns)).toBe(true);
  });

  it('round-trips an empty table', () => {
    const copy = roundTrip(PassageTable.fromPassages([], []));
    expect(copy.size).toBe(0);
    expect(copy.articleSummaries()).toEqual([]);
  });

  it('reads texts from texts.bin when given its path: per passage when it is large, whole when it is small', () => {
    const { columns, texts } = PassageTable.fromPassages(passages, labels).serialize();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-table-')), 'texts.bin');
    fs.writeFileSync(file, texts);
    const onDisk = PassageTable.deserialize(columns, file, 'passages.bin', texts.length - 1);
    const inMemory = PassageTable.deserialize(columns, file, 'passages.bin', texts.length);
    expect(texts.length).toBeLessThan(TEXTS_IN_MEMORY_BYTES);
    // Changed after loading: the table on disk reads the new bytes, the one in memory kept the old.
    const changed = Buffer.from(texts);
    Buffer.from('西', 'utf16le').copy(changed, 0);
    fs.writeFileSync(file, changed);
    expect(inMemory.text(0)).toBe('東京で国際会議が開かれた。');
    expect(onDisk.text(0)).toBe('西京で国際会議が開かれた。');
    expect(onDisk.text(3)).toBe('');
    expect(inMemory.text(3)).toBe('');
  });

  it('stores English texts as UTF-8, where they are smaller, and reads tables of layout 1 (always UTF-8)', () => {
    const english = [
      passage('e', 1, 'Leaders met in Paris on Tuesday.'),
      passage('e', 2, 'end\uD83D', { hash: 'ffffffffffffffff' }),
      passage('e', 3, '\uDE00start and a longer tail of plain ASCII', { hash: '0123456789abcdef' }),
    ];
    const table = PassageTable.fromPassages(english, []);
    const { columns, texts } = table.serialize();
    expect(texts.toString('utf8')).toBe('Leaders met in Paris on Tuesday.end\uFFFD\uFFFDstart and a longer tail of plain ASCII');
    // A lone surrogate is stored as U+FFFD (UTF-8 has no other spelling), each in its own text.
    expect([roundTrip(table).text(1), roundTrip(table).text(2)]).toEqual(['end\uFFFD', '\uFFFDstart and a longer tail of plain ASCII']);
    // What kiji wrote before the encoding was chosen: layout 1, its last header word 0.
    const layout1 = Buffer.from(columns);
    layout1.writeUInt32LE(1, 8);
    expect(PassageTable.deserialize(layout1, texts, 'passages.bin').passage(0)).toEqual(english[0]);
    // A layout-1 table whose word is not 0 still means UTF-8; a layout-2 encoding kiji does not know is refused.
    layout1.writeUInt32LE(1, 28);
    expect(PassageTable.deserialize(layout1, texts, 'passages.bin').text(0)).toBe('Leaders met in Paris on Tuesday.');
    const unknown = Buffer.from(columns);
    unknown.writeUInt32LE(2, 28);
    expect(codeOf(() => PassageTable.deserialize(unknown, texts, 'passages.bin'))).toBe('INDEX_CORRUPT');
  });

  it('refuses UTF-16 text offsets that split a unit', () => {
    const { columns, texts } = PassageTable.fromPassages(passages, labels).serialize();
    const table = PassageTable.deserialize(columns, texts, 'passages.bin');
    expect(table.text(1)).toBe('二つ目の段落。');
    // textOffsets is the fifth block: move passage 1's start (offset 26) to 27.
    const at = columns.readDoubleLE(32 + 4 * 16) + 8;
    expect(columns.readDoubleLE(at)).toBe(26);
    const odd = Buffer.from(columns);
    odd.writeDoubleLE(27, at);
    expect(codeOf(() => PassageTable.deserialize(odd, texts, 'passages.bin'))).toBe('INDEX_CORRUPT');
  });

  it('changes its digest with content but not with labels', () => {
    const base = PassageTable.fromPassages(passages, labels).digest();
    expect(PassageTable.fromPassages(passages, []).digest()).toBe(base);
    expect(PassageTable.fromPassages(passages.map((p, i) => (i === 1 ? { ...p, text: p.text + '。' } : p)), labels).digest()).not.toBe(base);
    expect(PassageTable.fromPassages(passages.map((p, i) => (i === 2 ? { ...p, url: 'https://example.com/b' } : p)), labels).digest()).not.toBe(base);
  });

  it('reports a truncated or damaged file as one-line INDEX_CORRUPT, never a raw error', () => {
    const { columns, texts } = PassageTable.fromPassages(passages, labels).serialize();
    // Every truncation that cuts into a block (the last block may be followed by up to 7 padding bytes).
    const lastByte = columns.length - 8;
    for (let length = 0; length < lastByte; length++) {
      expect(codeOf(() => PassageTable.deserialize(columns.subarray(0, length), texts, 'passages.bin')), `truncated to ${length}`).toBe('INDEX_CORRUPT');
    }
    // Every single-byte change is either harmless (inside a string) or INDEX_CORRUPT.
    for (let at = 0; at < columns.length; at++) {
      const damaged = Buffer.from(columns);
      damaged[at] = damaged[at]! ^ 0xa5;
      expect(['ok', 'INDEX_CORRUPT'], `byte ${at} changed`).toContain(codeOf(() => PassageTable.deserialize(damaged, texts, 'passages.bin')));
    }
    expect(codeOf(() => PassageTable.deserialize(Buffer.from('{"articles":[]}'), texts, 'passages.bin'))).toBe('INDEX_CORRUPT');
    expect(codeOf(() => PassageTable.deserialize(columns, texts.subarray(1), 'passages.bin'))).toBe('INDEX_CORRUPT');
  });

  it('reads a table from a buffer that does not start on an aligned offset', () => {
    const { columns, texts } = PassageTable.fromPassages(passages, labels).serialize();
    const padded = Buffer.alloc(columns.length + 3);
    columns.copy(padded, 3);
    const table = PassageTable.deserialize(padded.subarray(3), texts, 'passages.bin');
    expect(table.passage(1)).toEqual(passages[1]);
    expect(table.label(5)).toBe(2);
  });
});
