import type { KeywordDoc, KeywordOptions } from '../../src/keywords/bm25.js';
import { mulberry32 } from '../../scripts/lib/random.js';

// Corpora for keyword search tests: random text over a small alphabet drawn with a skewed (Zipf-like)
// frequency, so queries mix terms found in most passages with rare ones, and many passages repeat word
// for word (ties broken by doc id).

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

export function randomCorpus(seed: number, count: number, length: number): { docs: KeywordDoc[]; queries: string[] } {
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

export const channels: KeywordOptions['channels'] = [
  { field: 'context', analyzer: 'bigram', weight: 1 },
  { field: 'text', analyzer: 'unigram', weight: 0.75 },
  { field: 'title', analyzer: 'bigram', weight: 0.5, b: 0 },
];

