/**
 * What was made faster, with the figures measured when each change landed (on the benchmark VM,
 * by the command named; see the commit for the details). Not re-measured by a bench run: the
 * report prints them as history, beside this run's own figures.
 */
export interface SpeedChange {
  change: string;
  figure: string;
  before: string;
  after: string;
  measuredWith: string;
  commit: string;
}

export const speedHistory: readonly SpeedChange[] = [
  { change: 'Passages embedded in length-sorted batches', figure: 'full embed, 159 JSQuAD passages, e5-shaped model', before: '12.8 s', after: '7.1 s', measuredWith: '`npm run bench -- --only embed --quick`', commit: 'e4aad2e' },
  { change: 'Keyword postings read from the file per query term', figure: 'keyword index load, 100k', before: '5.5 s', after: '31 ms', measuredWith: '`npm run bench`', commit: 'b09e95e' },
  { change: 'Near-duplicates collapsed lazily', figure: 'fused search p95, 10k', before: '56 ms', after: '7.5 ms', measuredWith: '`npm run bench`', commit: 'b09e95e' },
  { change: 'Passage texts left on disk until cited', figure: 'RSS after load, 1M', before: '425 MB of texts', after: '0 (read when cited)', measuredWith: '`npm run bench`', commit: 'b09e95e' },
  { change: 'Binary passage table instead of passages.json', figure: 'passage table load, 1M', before: '2 s', after: '0.3 s CPU', measuredWith: '`npm run bench:load`', commit: 'a166b73' },
  { change: 'glibc huge pages for the HNSW read (`npm start`)', figure: 'HNSW-thread CPU of a 1M load', before: '14 s', after: '8 s', measuredWith: '`npm run bench:load`', commit: 'a166b73' },
  { change: 'Keyword index built on a worker thread beside the HNSW inserts', figure: 'build, 10k', before: '5.6 s', after: '3.6 s', measuredWith: '`npm run bench -- --only peer`', commit: '7e32d6b' },
  { change: 'Each examined passage read and tokenized once', figure: 'vector-mode search p50, 10k', before: '0.59 ms', after: '0.36 ms', measuredWith: '`npm run bench -- --only peer`', commit: '7e32d6b' },
  { change: 'Block-max pruning in keyword search', figure: 'keyword search p50 / p95, 1M', before: '55 / 102 ms', after: '21 / 51 ms', measuredWith: '`npx tsx scripts/bench/keyword-latency.ts`', commit: '65a393d' },
  { change: 'Quick answers in the interaction\'s first response', figure: 'bot, 20 askers at once, p95', before: '644-653 ms', after: '102-128 ms', measuredWith: '`npm run bench -- --only bot`', commit: '0de9267' },
  { change: 'Index loaded beside the embedding model', figure: 'start-up with the e5-shaped model, 1M', before: '10.1-12.6 s', after: '7.8-8.6 s', measuredWith: 'a throwaway A/B script (commit message); `scripts/bench/startup.ts` since', commit: '214ad5f' },
  { change: 'hnswlib loader patched to one pass (no 2M `lseek` calls)', figure: 'load median, 1M (huge pages)', before: '7.0-7.5 s', after: '2.1-4.4 s', measuredWith: '`npm run bench`, runs before and after', commit: 'a022fb2' },
  { change: 'A swapped-out index freed when its last search ends', figure: 'RSS after a second 1M load, 2 s later', before: '3,638 MB', after: '1,896 MB', measuredWith: 'a throwaway script (commit message)', commit: 'd758046' },
  { change: 'Keyword build: per-channel dictionaries, titles analysed once', figure: 'keyword build, 10k', before: '3,170 ms', after: '2,683 ms', measuredWith: 'a throwaway A/B script (commit message)', commit: 'e400835' },
  { change: 'Index updates tokenize on both threads', figure: 'adding one article to 100k passages', before: '37.8-38.7 s', after: '22.3-23.8 s', measuredWith: 'a throwaway A/B script (commit message)', commit: '26af798' },
  { change: 'Vectors inserted on every core (patched hnswlib-node `addPoints`)', figure: 'inserting 10k vectors', before: '1.8-2.0 s', after: '0.93-0.96 s', measuredWith: 'a throwaway A/B script (commit message); the like-for-like peer row since', commit: '16a4a59' },
  { change: 'The same, at scale: the whole 1M synthetic build', figure: 'build of 1M passages (synthetic vectors)', before: '3,481 s (2026-11-25)', after: '684 s (2026-11-26)', measuredWith: '`scripts/bench/cache.ts 1m` then a throwaway script doing the same build (different days, not alternating)', commit: '16a4a59' },
  { change: 'Float32Array query passed to hnswlib as it is (patched `searchKnn`)', figure: 'VectorStore.search, 10k, k 5', before: '144-147 us', after: '101-110 us', measuredWith: 'a throwaway script (commit message)', commit: 'bb0800b' },
  { change: 'Texts of an index up to 64 MB held in memory', figure: 'vector search + 5 passages with texts, 10k', before: '227-235 us', after: '140 us', measuredWith: 'a throwaway script (commit message)', commit: '21c924d' },
  { change: 'Keyword build: short tokens looked up by their UTF-16 units', figure: 'keyword build median, 10k', before: '2,741 ms', after: '2,487 ms', measuredWith: 'a throwaway A/B script (commit message)', commit: '147d213' },
  { change: 'Keyword layout: one reused buffer for every term\'s segment', figure: 'laying out the 10k analysis', before: '655-1,089 ms', after: '269-577 ms', measuredWith: 'a throwaway script (commit message)', commit: '7969b5a' },
  { change: 'Keyword analysis: no closure per token', figure: 'keyword build median, 10k', before: '2,657 ms', after: '2,408 ms', measuredWith: 'a throwaway A/B script (commit message)', commit: '74865c6' },
  { change: 'HNSW graph renumbered depth-first once a build is in (patched `reorderForLocality`; before each save until 8c098e0)', figure: 'HNSW search p50, 100k, fresh queries', before: '316-324 us', after: '238-240 us', measuredWith: 'a throwaway A/B script (commit message); like-for-like search ratio 100k 1.01-1.12 -> 0.88 in `npm run bench -- --only peer`', commit: '470629c' },
  { change: 'Loaded HNSW graph mapped from its file (patched loader)', figure: 'load median, 1M (huge pages)', before: '4.7-5.3 s', after: '0.85-0.96 s', measuredWith: '`npm run bench -- --only scale --sizes 1m` and a throwaway script (commit message)', commit: 'b981555' },
  { change: 'Search compares bigrams as numbers; analyzers read a character table', figure: 'vector-mode searchIndex p50, 10k', before: '291-326 us', after: '249-282 us', measuredWith: 'a throwaway A/B script (commit message)', commit: '09c7a82' },
  { change: 'The graph renumbered in the build, not in every save', figure: 'VectorStore.save of a new 10k graph', before: '57-66 ms (renumber 9.6-10.9 + write 47.6-55.4)', after: 'the write alone', measuredWith: 'a throwaway script (commit message); like-for-like save ratio 1.031 in one run before, 0.173 in one after', commit: '8c098e0' },
  { change: 'Keyword build: both term frequencies in one list, postings weighed as placed', figure: 'peak RSS of a 100k keyword build', before: '1,094-1,104 MB', after: '892 MB', measuredWith: 'a throwaway A/B script (commit messages)', commit: 'f88d6e8, c2d91c6' },
  { change: 'Keyword postings compressed (doc gaps in 1-4 bytes, 15-bit weights)', figure: 'keywords.bin at 10k / 100k / 1M', before: '26.1 / 248 / 2,437 MB', after: '12.8 / 106 / 1,003 MB (search time within ~5%)', measuredWith: '`scripts/bench/cache.ts` rebuilding the cached indexes; a throwaway A/B script for search (commit message)', commit: '72a2400' },
  { change: 'Keyword search split by passage range over a second thread (from 400k passages)', figure: 'keyword search p50 / p95, 1M', before: '21.3 / 59.1 ms', after: '17.2 / 38.0 ms', measuredWith: 'a throwaway A/B script alternating split and unsplit searches in one process; full runs 19.9 / 49.3 -> 13.0 / 31.1 ms', commit: '0e7f0bf, 14d84d2' },
  { change: 'Keyword search within a postings budget (100k in full lists; the commonest terms rescore the best 10)', figure: 'keyword search p50 / p95, 1M, one thread', before: '18.5 / 46.4 ms (exact)', after: '4.3 / 5.7 ms', measuredWith: '`npm run bench -- --only scale --sizes 1m` (exact in a pass of its own); answers: `scripts/bench/budget-quality.ts`', commit: 'd456658' },
  { change: 'Keyword postings budget lowered to 50k', figure: 'fused search p50 / p95, 1M', before: '5.4 / 7.4 ms', after: '4.1 / 6.2 ms', measuredWith: 'a throwaway script alternating the two budgets in one process (commit message); full run 8.35 ms p95', commit: 'bbb14a0' },
  { change: 'Search: bigram codes, gram sets and answer tallies in plain arrays (no typed array per sentence); texts decoded by Buffer', figure: 'vector-mode searchIndex p50, 10k', before: '292 us', after: '270 us', measuredWith: 'a throwaway loop over 1,000 bench questions x 3 (commit message)', commit: 'fbc70e1' },
  { change: 'Keyword term lookup compares the key bytes in place (no Buffer view per binary-search step)', figure: 'hybrid searchIndex mean, 10k', before: '1,215-1,608 us', after: '1,099-1,132 us', measuredWith: 'a throwaway A/B loop, alternating builds of the code (commit message); peer hybrid p50 1.63 -> 1.30 ms in `npm run bench -- --only peer`', commit: '5167008' },
  { change: 'Passage texts in UTF-16 when smaller (Japanese): copied into strings, not decoded', figure: 'texts.bin at 10k / 1M; vector-mode searchIndex, 10k', before: '4.24 / 425 MB; 268-277 us', after: '3.09 / 309 MB; 262-264 us', measuredWith: '`scripts/bench/upgrade-cache.ts --all` on the cached indexes; a throwaway loop alternating the two layouts of one index (commit message)', commit: '6fa2b24' },
  { change: 'Keyword impacts in one byte (7-bit steps beside the body flag)', figure: 'keywords.bin at 10k / 100k / 1M', before: '12.8 / 106 / 1,003 MB', after: '10.1 / 80 / 737 MB (the same JSQuAD answers)', measuredWith: '`scripts/bench/cache.ts` rebuilding the cached keyword indexes; answers: `npm run eval -- --mode keyword` and `scripts/bench/budget-quality.ts`', commit: '3dafa64' },
];
