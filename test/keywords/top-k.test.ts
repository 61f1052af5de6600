import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeywordIndex, type KeywordOptions } from '../../src/keywords/bm25.js';
import { channels, randomCorpus } from './random-corpus.js';
import { ANALYZERS, stripQuestionWords } from '../../src/keywords/tokenize.js';
import { WHOLE_QUERY_POSTINGS } from '../../src/keywords/top-k.js';
import { isKijiError } from '../../src/errors.js';
import { mulberry32 } from '../../scripts/lib/random.js';

// The pruned search (`search`) must return exactly what scoring every posting returns
// (`searchExhaustive`): same docs, order, scores and coverage, on random corpora (random-corpus.ts).
// Below its postings budget a search is exact; the large corpus's queries pass the default budget,
// so its indexes here have none (the budget has its own tests in budget.test.ts).

/** `index` with no postings budget: every search exact. */
export function exact(index: KeywordIndex): KeywordIndex {
  index.maxPostings = Infinity;
  return index;
}

function expectSameAsExhaustive(index: KeywordIndex, queries: string[], ks: number[]): void {
  for (const k of ks) {
    for (const query of queries) {
      expect(index.search(query, k), `${query} (k ${k})`).toEqual(index.searchExhaustive(query, k));
    }
  }
}

describe('pruned keyword search equals scoring every posting', () => {
  // Small: queries hold few postings, so they are summed whole.
  const small = randomCorpus(1, 600, 30);
  // Large: more than one window of docs (32768) and lists of hundreds of blocks, so queries take the
  // pruned path (whole lists for the rare terms, then probes into the common ones).
  const large = randomCorpus(2, 40_000, 40);
  const largeIndex = exact(KeywordIndex.build(large.docs, { channels }));

  it.each([
    ['defaults', {}],
    ['three channels', { channels }],
    ['no coordination', { channels, coordination: 0 }],
  ] as [string, Partial<KeywordOptions>][])('on a small corpus, %s', (_, options) => {
    expectSameAsExhaustive(KeywordIndex.build(small.docs, options), small.queries, [1, 5, 50, 200]);
  });

  it('on a large corpus, for several k', () => {
    expectSameAsExhaustive(largeIndex, large.queries, [1, 10, 60, 300]);
  });

  it('on a large corpus without coordination (depth = k)', () => {
    const index = exact(KeywordIndex.build(large.docs, { channels, coordination: 0 }));
    expectSameAsExhaustive(index, large.queries.slice(0, 20), [1, 7, 50]);
  });

  it('takes the pruned path on the large corpus', () => {
    // Guards the tests above: a query with few postings is summed whole, which would leave pruning untested.
    const df = new Map<string, number>();
    for (const doc of large.docs) {
      const terms = new Set<string>();
      channels.forEach((channel, c) => {
        const value = channel.field === 'title' ? (doc.title ?? '') : channel.field === 'text' ? doc.text : [doc.title, doc.section, doc.text].filter(Boolean).join('\n');
        for (const token of ANALYZERS[channel.analyzer](value)) terms.add(`${c}:${token}`);
      });
      for (const term of terms) df.set(term, (df.get(term) ?? 0) + 1);
    }
    const postings = (query: string) => {
      const terms = new Set<string>();
      channels.forEach((channel, c) => ANALYZERS[channel.analyzer](stripQuestionWords(query)).forEach((token) => terms.add(`${c}:${token}`)));
      return [...terms].reduce((sum, term) => sum + (df.get(term) ?? 0), 0);
    };
    const pruned = large.queries.filter((q) => postings(q) > WHOLE_QUERY_POSTINGS);
    expect(pruned.length).toBeGreaterThan(large.queries.length / 2);
  });

  /** Damages one random byte of the postings at a time; `open` gets the damaged bytes (put back after). */
  function damageTrials(seed: number, trials: number, open: (bytes: Uint8Array) => KeywordIndex): void {
    const bytes = largeIndex.serialize().slice();
    const random = mulberry32(seed);
    // The postings are the last ~90% of the file; a damaged byte there is only found when read.
    const from = Math.floor(bytes.byteLength * 0.1);
    for (let trial = 0; trial < trials; trial++) {
      const at = from + Math.floor(random() * (bytes.byteLength - from));
      const saved = bytes[at] as number;
      bytes[at] = (saved + 1 + Math.floor(random() * 255)) & 0xff;
      let damaged: KeywordIndex | undefined;
      try {
        damaged = open(bytes);
        for (const query of large.queries.slice(0, 3)) damaged.search(query, 50);
      } catch (error) {
        expect(isKijiError(error), String(error)).toBe(true);
      } finally {
        damaged?.close();
      }
      bytes[at] = saved;
    }
  }

  it('never hangs or fails with a raw error when a byte of the postings is damaged', () => {
    damageTrials(3, 150, (bytes) => KeywordIndex.deserialize(bytes));
  });

  describe('reading the postings from a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-topk-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('answers as the in-memory index does, read as needed or read whole', () => {
      const file = path.join(dir, 'keywords.bin');
      fs.writeFileSync(file, largeIndex.serialize());
      for (const inMemoryBytes of [0, Infinity]) {
        const opened = exact(KeywordIndex.open(file, inMemoryBytes));
        try {
          for (const query of large.queries.slice(0, 20)) {
            expect(opened.search(query, 50)).toEqual(largeIndex.searchExhaustive(query, 50));
          }
        } finally {
          opened.close();
        }
      }
    });

    it('never fails with a raw error when a byte of the postings is damaged in a file read as needed', () => {
      const file = path.join(dir, 'damaged.bin');
      damageTrials(4, 40, (bytes) => {
        fs.writeFileSync(file, bytes);
        return KeywordIndex.open(file, 0);
      });
    });
  });
});
