import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeywordIndex, type KeywordDoc, type KeywordOptions } from '../../src/keywords/bm25.js';
import { ANALYZERS, stripQuestionWords } from '../../src/keywords/tokenize.js';
import { WHOLE_QUERY_POSTINGS } from '../../src/keywords/top-k.js';
import { mulberry32 } from '../../scripts/lib/shared-data.js';
import { isKijiError } from '../../src/errors.js';

// The pruned search (`search`) must return exactly what scoring every posting returns
// (`searchExhaustive`): same docs, order, scores and coverage. Corpora here are random text over a
// small alphabet drawn with a skewed (Zipf-like) frequency, so queries mix terms found in most
// passages with rare ones, and many passages repeat word for word (ties broken by doc id).

const ALPHABET = Array.from('日本年人大国中出生時行者事会自分前後地方新場員立開手力問代明動京目通言理体田主題意不作用度強公持野以思家世多正安院心界教文元重近考画海売知道集別物使品計死特私始朝運終台広住無真有口少町料工建空急止送切転研足究楽起着店病質待試族銀早映親験英医仕去味写字答夜音注帰古歌買悪図週室歩風紙黒花春赤青館屋色走秋夏習駅洋旅服夕借曜飲肉貸堂鳥飯勉冬昼茶弟牛魚兄犬妹姉漢');

function zipfPicker(random: () => number, size: number): () => number {
  const weights = Array.from({ length: size }, (_, i) => 1 / (i + 1));
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w));
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function randomCorpus(seed: number, count: number, length: number): { docs: KeywordDoc[]; queries: string[] } {
  const random = mulberry32(seed);
  const pick = zipfPicker(random, ALPHABET.length);
  const text = (chars: number) => Array.from({ length: chars }, () => ALPHABET[pick()]).join('');
  const titles = Array.from({ length: 40 }, () => text(6));
  const docs: KeywordDoc[] = [];
  for (let d = 0; d < count; d++) {
    // About one passage in eight repeats an earlier one word for word: equal scores, decided by doc id.
    const copy = d > 10 && random() < 0.125 ? docs[Math.floor(random() * d)] : undefined;
    docs.push({
      id: `p${d}`,
      text: copy?.text ?? text(Math.floor(length / 2 + random() * length)),
      title: copy?.title ?? titles[Math.floor(random() * titles.length)],
      ...(random() < 0.3 ? { section: text(3) } : {}),
    });
  }
  // Queries: pieces of passages (so some passage matches most of a query), and random text.
  const queries = Array.from({ length: 40 }, (_, i) => {
    if (i % 4 === 3) return text(4 + Math.floor(random() * 20));
    const doc = docs[Math.floor(random() * docs.length)] as KeywordDoc;
    const start = Math.floor(random() * Math.max(1, doc.text.length - 12));
    return doc.text.slice(start, start + 6 + Math.floor(random() * 20));
  });
  return { docs, queries };
}

const channels: KeywordOptions['channels'] = [
  { field: 'context', analyzer: 'bigram', weight: 1 },
  { field: 'text', analyzer: 'unigram', weight: 0.75, headingWeight: 0.5 },
  { field: 'title', analyzer: 'bigram', weight: 0.5, b: 0 },
];

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
  const largeIndex = KeywordIndex.build(large.docs, { channels });

  it.each([
    ['defaults', {}],
    ['heading coverage 0.3', { channels, headingCoverage: 0.3 }],
    ['no coordination', { channels, coordination: 0 }],
  ] as [string, Partial<KeywordOptions>][])('on a small corpus, %s', (_, options) => {
    expectSameAsExhaustive(KeywordIndex.build(small.docs, options), small.queries, [1, 5, 50, 200]);
  });

  it('on a large corpus, for several k', () => {
    expectSameAsExhaustive(largeIndex, large.queries, [1, 10, 60, 300]);
  });

  it('on a large corpus with heading-only matches discounted and without coordination (depth = k)', () => {
    const index = KeywordIndex.build(large.docs, { channels, headingCoverage: 0.25, coordination: 0 });
    expectSameAsExhaustive(index, large.queries.slice(0, 20), [1, 7, 50]);
  });

  it('split by doc range and merged, on the large corpus', () => {
    // Uneven cuts, an empty part, and parts of one 32k window or less (summed whole) beside pruned ones.
    const n = large.docs.length;
    const splits = [[0, n], [0, 20_000, n], [0, 1, 9_999, 10_000, 33_000, n], [0, 0, 7_000, n]];
    for (const cuts of splits) {
      for (const k of [1, 10, 60]) {
        for (const query of large.queries.slice(0, 12)) {
          const parts = cuts.slice(1).map((hi, i) => largeIndex.searchPart(query, k, cuts[i] as number, hi));
          expect(largeIndex.mergeParts(parts, k), `${query} (k ${k}, cuts ${cuts.join(' ')})`).toEqual(largeIndex.searchExhaustive(query, k));
        }
      }
    }
  });

  it('takes the pruned path on the large corpus', () => {
    // Guards the tests above: a query with few postings is summed whole, which would leave pruning untested.
    const df = new Map<string, number>();
    for (const doc of large.docs) {
      const terms = new Set<string>();
      channels.forEach((channel, c) => {
        const value = channel.field === 'title' ? (doc.title ?? '') : channel.field === 'text' ? `${doc.text}\n${doc.title}\n${doc.section ?? ''}` : [doc.title, doc.section, doc.text].filter(Boolean).join('\n');
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
        const opened = KeywordIndex.open(file, inMemoryBytes);
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
