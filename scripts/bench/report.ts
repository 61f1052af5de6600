import fs from 'node:fs';
import { sizeLabel } from './cache.js';
import { speedHistory } from './speed-history.js';
import type { FilteredResult } from './filtered.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the figures come back from report.json as plain data. */
type R = Record<string, any>;

const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(2)} ms`);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const mark = (ok: boolean | undefined): string => (ok === undefined ? 'n/a' : ok ? 'met' : '**NOT met**');

export function floors(r: R): { floor: string; figure: string; ok: boolean | undefined }[] {
  const out: { floor: string; figure: string; ok: boolean | undefined }[] = [];
  const e = r.embed;
  if (e) out.push({ floor: 'kiji overhead of a full embed run < 10%', figure: e.skipped ?? `${pct(e.overhead)} (${e.kijiPerSecond} vs ${e.barePerSecond} passages/s)`, ok: e.skipped ? undefined : e.overhead < 0.1 });
  const inc = r.incremental;
  if (inc) out.push({ floor: `unchanged ${sizeLabel(inc.size)} re-run < 3 s, no model load`, figure: `${inc.median} ms median, ${inc.modelLoads} model loads`, ok: inc.size >= 100_000 ? inc.median < 3000 && inc.modelLoads === 0 : undefined });
  const rerun = r.rerun;
  if (rerun) {
    out.push({
      floor: `unchanged ${sizeLabel(rerun.size)} re-run with the model unavailable < 1 s, index kept`,
      figure: `${rerun.median} ms median (${rerun.cpuMedian} ms CPU), ${rerun.embedded} embedded, ${rerun.rebuilt ? 'a new build published' : 'no new build'}`,
      ok: rerun.size >= 100_000 ? rerun.median < 1000 && rerun.embedded === 0 && !rerun.rebuilt : undefined,
    });
  }
  for (const f of r.freshness ?? []) {
    const limit = f.size >= 1_000_000 ? 5000 : 2000;
    out.push({
      floor: `10 new articles answerable < ${limit / 1000} s at ${sizeLabel(f.size)} (embedding excluded)`,
      figure: `${ms(f.answerable.max)} worst of ${f.updates} updates (median ${ms(f.answerable.median)}), ${f.found} of ${f.updates} found (each new article in its word's results, first by keyword)`,
      ok: f.size >= 100_000 ? f.answerable.max < limit && f.found === f.updates : undefined,
    });
    out.push({
      floor: `search p95 with up to 20 updates as deltas within 20% of the ${f.reference.kind === 'merged' ? 'merged index' : 'index without deltas'} at ${sizeLabel(f.size)}`,
      figure: f.latency.map((l: R) => `${l.deltas} updates ${ms(l.latency.p95)}${l.segments === undefined ? '' : ` (${l.segments} segments)`}`).join(', ') + `; ${f.reference.kind} ${ms(f.reference.latency.p95)} (worst ratio ${f.worstRatio})`,
      ok: f.size >= 100_000 ? f.worstRatio <= 1.2 : undefined,
    });
  }
  for (const s of r.scale ?? []) {
    out.push({ floor: `recall@10 >= 0.98 at ${sizeLabel(s.size)}`, figure: String(s.recallAt10), ok: s.recallAt10 >= 0.98 });
    if (s.filtered && s.size >= 100_000) {
      const f = s.filtered;
      out.push({
        floor: `filtered search (~1% of passages) p95 < 20 ms at ${sizeLabel(s.size)}, exactly k results`,
        figure: `${ms(f.fused.p95)}, ${f.exactK} of ${f.queries} queries with k results, ${f.outside} outside the filter`,
        ok: f.fused.p95 < 20 && f.exactK === f.queries && f.outside === 0,
      });
    }
    if (s.size >= 1_000_000) {
      out.push({ floor: 'search p95 (all but the query embedding) < 10 ms at 1M', figure: ms(s.fused.p95), ok: s.fused.p95 < 10 });
      out.push({ floor: 'RSS after load < 3 GB at 1M', figure: `${s.rssAfterLoadMB} MB`, ok: s.rssAfterLoadMB < 3072 });
      const load = loadFigures(s);
      out.push({ floor: 'load < 5 s at 1M', figure: load.figure, ok: load.ms < 5000 });
    }
  }
  if (r.loop) out.push({ floor: 'event-loop delay p99 < 100 ms during a build', figure: `${r.loop.inWorker.p99} ms (in process: ${r.loop.inProcess.p99} ms)`, ok: r.loop.inWorker.p99 < 100 });
  for (const p of r.peer ?? []) {
    // Disk size counts, as in the like-for-like row (the issue lists it with the times); hybrid search
    // does work LangChain has no counterpart for.
    const worse = Object.entries(p.ratios).filter(([k, v]) => k !== 'searchHybridP50' && (v as number) >= 1).map(([k]) => k);
    out.push({ floor: `kiji faster than LangChain HNSWLib at ${sizeLabel(p.size)} (whole kiji: + keyword index, passage store)`, figure: worse.length === 0 ? 'all ratios < 1' : `ratio >= 1 on ${worse.map((k) => `${k} ${p.ratios[k]}`).join(', ')}`, ok: worse.length === 0 });
    if (p.sameJob) {
      const v = p.sameJob.ratios as Record<string, number>;
      const slower = Object.entries(v).filter(([, x]) => x >= 1).map(([k, x]) => `${k} ${x}`);
      out.push({ floor: `kiji faster than LangChain HNSWLib at ${sizeLabel(p.size)} (like for like: vectors + passage store, LangChain's job)`, figure: slower.length === 0 ? `all ratios < 1 (${Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ')})` : `ratio >= 1 on ${slower.join(', ')}`, ok: slower.length === 0 });
    }
  }
  return out;
}

/**
 * Load time as `npm start` gets it (glibc huge pages for malloc), next to the time without
 * them; both are medians of loads in fresh processes. Older reports have the in-process figure only.
 */
function loadFigures(s: R): { ms: number; figure: string; cell: string } {
  const fresh = s.loadFresh as { withHugePages: R; withoutHugePages: R } | undefined;
  if (!fresh) return { ms: s.loadMs, figure: ms(s.loadMs), cell: ms(s.loadMs) };
  const huge = fresh.withHugePages.totalMs as number;
  const plain = fresh.withoutHugePages.totalMs as number;
  return {
    ms: huge,
    figure: `${ms(huge)} with glibc huge pages (as \`npm start\` runs), ${ms(plain)} without (medians of ${fresh.withHugePages.runs} fresh processes each)`,
    cell: `${ms(huge)} / ${ms(plain)}`,
  };
}

/** The hand-written part of docs/benchmarks.md: how to run the bench and what each row measures. */
export const preambleFile = new URL('./preamble.md', import.meta.url);

/** `2026-12-07T15:10:04.123Z` -> `2026-12-07 15:10 UTC`. */
const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

function machineLine(r: R): string {
  const m = r.machine;
  return `${m.cores} cores, ${m.cpu}, ${m.memoryGB} GB RAM, Node ${m.node}, ${m.platform}${m.freshMemoryMBps ? `, fresh memory written at ${m.freshMemoryMBps} MB/s` : ''}`;
}

/** bench/out/report.md: this run's tables. */
export function renderReport(r: R): string {
  const lines = ['# kiji benchmark report', ''];
  lines.push(`Machine: ${machineLine(r)}. Run ${r.startedAt}${r.quick ? ' (--quick)' : ''}, ${r.totalSeconds} s.`);
  return [...lines, ...reportBody(r)].join('\n') + '\n';
}

/**
 * docs/benchmarks.md: the same tables under a header naming the command, machine and date, after the
 * hand-written preamble. Every run rewrites it, so the file always shows one run and how it was made.
 */
export function renderBenchmarksDoc(r: R, preamble: string = fs.readFileSync(preambleFile, 'utf8')): string {
  const lines = ['# kiji benchmarks', ''];
  lines.push('<!-- Generated by `npm run bench` (scripts/bench/report.ts): do not edit. Edit scripts/bench/preamble.md or the report code, then run the bench. -->', '');
  lines.push(`Generated by \`npm run bench\` on ${when(r.startedAt)}: \`${r.command}\`, ${r.totalSeconds} s, on ${machineLine(r)}.`);
  if (r.keptRows?.length) lines.push(`Rows ${r.keptRows.join(', ')} were not run this time: they are kept from the previous run in bench/out/report.json.`);
  lines.push('', preamble.trim(), '');
  lines.push('# This run', '');
  return [...lines, ...reportBody(r)].join('\n') + '\n';
}

function reportBody(r: R): string[] {
  const lines: string[] = [];
  lines.push('Absolute times hold for this machine only (shared with other work while measured); ratios are measured in the same run, alternating the contenders.', '');
  lines.push('## Floors', '', '| Floor | Figure | |', '|---|---|---|');
  for (const f of floors(r)) lines.push(`| ${f.floor} | ${f.figure} | ${mark(f.ok)} |`);
  lines.push('');

  const e = r.embed;
  if (e) {
    lines.push('## Embedding throughput (e5-small-shaped model, int8)', '');
    if (e.skipped) lines.push(e.skipped, '');
    else {
      lines.push(`${e.passages} JSQuAD passages, batch 16, ${e.rounds} alternating round(s). kiji = buildIndex end to end (parse, chunk, hash, embed, HNSW, keyword index, atomic publish); bare = transformers.js \`pipeline('feature-extraction', model, {dtype:'q8'})\` on the same texts.`, '');
      lines.push('| | kiji | bare pipeline | kiji overhead |', '|---|---|---|---|');
      lines.push(`| runs | ${e.kijiMs.map(ms).join(', ')} | ${e.bareMs.map(ms).join(', ')} | ${pct(e.overhead)} (medians) |`);
      lines.push(`| passages/s | ${e.kijiPerSecond} | ${e.barePerSecond} | |`, '');
    }
  }
  const inc = r.incremental;
  if (inc) {
    lines.push('## Incremental re-run, unchanged corpus', '');
    lines.push(`${inc.size.toLocaleString('en')} synthetic passages, ${inc.runs} runs: ${inc.ms.join(', ')} ms; the embedder was requested ${inc.modelLoads} times, ${inc.embedded} passages embedded.`, '');
  }
  const rerun = r.rerun;
  if (rerun) {
    lines.push('## Unchanged re-run, model unavailable', '');
    lines.push(
      `${rerun.size.toLocaleString('en')} synthetic passages; \`buildIndex\` asking for a model other than the index's whose loader throws MODEL_UNAVAILABLE (asked ${rerun.modelRequests} times). Every run checks every byte of the previous build against its checksum. ${rerun.runs} runs: ${rerun.ms.join(', ')} ms wall, ${rerun.cpuMs.join(', ')} ms CPU (whole process). First run after the cached build, not in the median (it may read the articles to record their stamps): ${rerun.firstMs} ms, ${rerun.firstCpuMs} ms CPU. ${rerun.keptSemanticOff ? 'Every run reported semantic search off.' : '**A run did not report semantic search off.**'}`,
      '',
    );
    lines.push(`Through the CLI (\`node --import tsx src/cli/embed.ts\`, \`ALLOW_REMOTE_MODELS=false\`, process start-up included): ${rerun.cli.ms.join(', ')} ms wall, of which the build it reports: ${rerun.cli.buildMs.join(', ')} ms.`, '');
  }
  if (r.freshness?.length) {
    lines.push('## Freshness: new articles as delta segments', '');
    lines.push('Each update applies 10 new synthetic articles (5 passages each) to the synthetic index as a delta segment (store/segments.ts; small deltas are compacted into one as updates land, `segmentDefaults`): "answerable" is from the update\'s start until a search finds its first article, embedding time excluded; 20 updates in a row. Search latency (both halves, fusion, relevance, dedupe; query embedding excluded) after 0, 5 and 20 updates (in parentheses: the delta segments they are searched as) and on the reference, the contenders alternating query by query. The reference is the merged build (a full build over the same articles, reusing every vector) where a merge was run, else the build without deltas.', '');
    lines.push('| Size | Answerable (median / worst / first) | p50 / p95, 0 updates | 5 updates | 20 updates | Reference p50 / p95 | Merge |', '|---|---|---|---|---|---|---|');
    for (const f of r.freshness) {
      const at = (n: number): string => {
        const row = f.latency.find((l: R) => l.deltas === n);
        return row ? `${ms(row.latency.p50)} / ${ms(row.latency.p95)}${row.segments === undefined ? '' : ` (${row.segments})`}` : 'n/a';
      };
      const merge = f.reference.mergeMs === undefined ? 'not run' : `${ms(f.reference.mergeMs)}, ${f.reference.mergeEmbedded} embedded`;
      lines.push(`| ${sizeLabel(f.size)} | ${ms(f.answerable.median)} / ${ms(f.answerable.max)} / ${ms(f.answerable.first)} | ${at(0)} | ${at(5)} | ${at(20)} | ${f.reference.kind}: ${ms(f.reference.latency.p50)} / ${ms(f.reference.latency.p95)} | ${merge} |`);
    }
    lines.push('');
  }
  if (r.scale?.length) {
    lines.push('## Scale: search latency, recall, size, load', '');
    lines.push('Synthetic corpora: JSQuAD sentences recombined (plus dates and numbers), one passage a paragraph. Vectors: 384-d, a mixture of Gaussians shaped like text embeddings (shared direction + topic centre + 16-d topic subspace + small isotropic noise, normalized, ~1,000 passages a topic). Uniform random 384-d vectors would be a worst case no text model produces; recall on real embeddings may be a little lower than here.');
    type Scale = { size: number; keywordThreads?: number; keywordMaxPostings?: number; keywordExact?: { p50: number; p95: number }; keywordOverBudget?: number; keywordOverlapAt10?: number };
    const budgeted = (r.scale as Scale[]).filter((s) => s.keywordExact);
    const budget = budgeted[0]?.keywordMaxPostings;
    const budgetNote =
      budgeted.length > 0
        ? ` The keyword half reads at most ${budget === null || budget === undefined ? 'all' : budget.toLocaleString('en')} postings in full lists (\`KEYWORD_MAX_POSTINGS\`; the question's commonest terms beyond it only rescore the best 10); without that budget (exact BM25, timed in a pass of its own): ${budgeted.map((s) => `${sizeLabel(s.size)} ${ms(s.keywordExact!.p50)} / ${ms(s.keywordExact!.p95)}, ${pct(s.keywordOverBudget ?? 0)} of questions over the budget, top-10 overlap with exact ${s.keywordOverlapAt10}`).join('; ')}.`
        : '';
    const split = (r.scale as Scale[]).filter((s) => (s.keywordThreads ?? 0) > 0);
    const splitNote = split.length > 0 ? ` The keyword half is split by passage range over the calling thread and ${split.map((s) => `${s.keywordThreads} more at ${sizeLabel(s.size)}`).join(', ')}; RSS after load includes those threads.` : '';
    lines.push(`Latency excludes the query embedding (query vectors precomputed); real JSQuAD questions; k=5, 50 candidates a half.${budgetNote}${splitNote} HNSW M=${r.hnswDefaults.m}, efConstruction=${r.hnswDefaults.efConstruction}, ef=${r.hnswDefaults.efSearch} (the loaded store widens it for large graphs: ${(r.scale as { size: number; efInUse?: number }[]).map((s) => `${sizeLabel(s.size)} ef ${s.efInUse ?? r.hnswDefaults.efSearch}`).join(', ')}).`, '');
    lines.push('| passages | keyword p50/p95 | vector p50/p95 | fused p50/p95 | exact p50/p95 | recall@10 | on disk | load (huge pages / without) | RSS after load | build |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const s of r.scale) {
      lines.push(`| ${sizeLabel(s.size)} | ${ms(s.keyword.p50)} / ${ms(s.keyword.p95)} | ${ms(s.vector.p50)} / ${ms(s.vector.p95)} | ${ms(s.fused.p50)} / ${ms(s.fused.p95)} | ${ms(s.exact.p50)} / ${ms(s.exact.p95)} | ${s.recallAt10} | ${s.diskMB} MB | ${loadFigures(s).cell} | ${s.rssAfterLoadMB} MB | ${Math.round(s.buildMs / 1000)} s |`);
    }
    lines.push('', 'Load: median of fresh processes, with glibc huge pages for malloc (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, set by `npm start` and `npm run bench`) and without; the files are in the page cache (nothing here drops it). Load time by part, from the in-process load (the HNSW file is read on libuv\'s pool while the passage table and keyword index load, so the parts overlap and the load takes about as long as the HNSW part), and on-disk bytes by file:', '');
    lines.push('| passages | passage table | keyword index | HNSW | passage table + texts.bin | keywords.bin | vectors.hnsw |', '|---|---|---|---|---|---|---|');
    for (const s of r.scale) {
      const f = s.files;
      const mbOf = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;
      lines.push(`| ${sizeLabel(s.size)} | ${ms(s.loadBreakdownMs.passages)} | ${ms(s.loadBreakdownMs.keywords)} | ${ms(s.loadBreakdownMs.vectors)} | ${mbOf((f['passages.bin'] ?? f['passages.json']) + f['texts.bin'])} | ${mbOf(f['keywords.bin'])} | ${mbOf(f['vectors.hnsw'])} |`);
    }
    const filtered = (r.scale as { size: number; filtered?: FilteredResult }[]).filter((s) => s.filtered);
    if (filtered.length > 0) {
      lines.push('', 'Filtered search: a filter allowing every hundredth article (about 1% of passages), inside both halves; query embedding excluded. "k results": queries that got exactly k, searched with no relevance floor so that the filter alone decides the count. The vector half reads the allowed passages\' vectors exactly or walks the graph with them as a mask, whichever costs less at that index size (`exactSearchLimit`, docs/hnswlib-patch.md). "fused CPU": process CPU time per fused search, which waiting for a core on a shared machine does not inflate.', '');
      lines.push('| passages | allowed | keyword p50/p95 | vector p50/p95 | fused p50/p95 | fused CPU | k results | outside the filter |', '|---|---|---|---|---|---|---|---|');
      for (const { size, filtered: f } of filtered) {
        const cpu = f!.fusedCpuMs === undefined ? '-' : ms(f!.fusedCpuMs);
        lines.push(`| ${sizeLabel(size)} | ${f!.allowed} (${pct(f!.share)}) | ${ms(f!.keyword.p50)} / ${ms(f!.keyword.p95)} | ${ms(f!.vector.p50)} / ${ms(f!.vector.p95)} | ${ms(f!.fused.p50)} / ${ms(f!.fused.p95)} | ${cpu} | ${f!.exactK} of ${f!.queries} | ${f!.outside} |`);
      }
    }
    lines.push('', 'Recall@10 by ef (search breadth), same queries:', '');
    const efs = Object.keys(r.scale[0].recallByEf);
    lines.push(`| passages | ${efs.map((ef) => `ef ${ef}`).join(' | ')} | exact queries |`, `|---|${efs.map(() => '---').join('|')}|---|`);
    for (const s of r.scale) lines.push(`| ${sizeLabel(s.size)} | ${efs.map((ef) => s.recallByEf[ef]).join(' | ')} | ${s.exactQueries} |`);
    lines.push('');
  }
  if (r.peer?.length) {
    lines.push('## Peer: LangChain.js HNSWLib (same hnswlib-node, same M/efConstruction, same vectors and texts)', '');
    lines.push('Ratios are kiji / LangChain (below 1: kiji faster or smaller). kiji\'s build and files include its keyword index and passage table; LangChain\'s hold vectors and a JSON docstore only. Search: LangChain `similaritySearchVectorWithScore` with ef raised to kiji\'s; kiji `searchIndex` in vector mode (like for like) and hybrid (keyword + vector + fusion + answer sentence). Each question is searched by both sides in turn, kiji first for one question and LangChain first for the next (the second search of a question finds its graph pages in the CPU caches).', '');
    lines.push('| passages | build | save | load | search p50 (vector / hybrid) | on disk |', '|---|---|---|---|---|---|');
    for (const p of r.peer) {
      lines.push(`| ${sizeLabel(p.size)} | ${p.ratios.build} (${ms(p.kiji.buildMs)} vs ${ms(p.peer.buildMs)}) | ${p.ratios.save} (${ms(p.kiji.saveMs)} vs ${ms(p.peer.saveMs)}) | ${p.ratios.load} (${ms(p.kiji.loadMs)} vs ${ms(p.peer.loadMs)}) | ${p.ratios.searchVectorP50} / ${p.ratios.searchHybridP50} (${ms(p.kiji.searchVector.p50)} / ${ms(p.kiji.searchHybrid.p50)} vs ${ms(p.peer.search.p50)}) | ${p.ratios.diskBytes} (${(p.kiji.bytes / 2 ** 20).toFixed(0)} vs ${(p.peer.bytes / 2 ** 20).toFixed(0)} MB) |`);
    }
    lines.push('');
    const withSameJob = r.peer.filter((p: R) => p.sameJob);
    if (withSameJob.length) {
      lines.push(
        'Like for like, LangChain\'s job done by kiji\'s own stores: `VectorStore` (vectors) and `PassageTable` (texts and citation fields), no keyword index. Build: passages and vectors in, both in memory, against LangChain\'s in-memory `fromTexts`, timed right after it in each round. Save: their three files against LangChain\'s `save`. Load: as `loadIndex` loads them (texts read whole up to 64 MB, else left on disk). Search: a query vector in, 5 passages with their texts out, against `similaritySearchVectorWithScore`. On disk: the three files against LangChain\'s folder (index + JSON docstore).',
        '',
        '| passages | build | save | load | search p50 | on disk |',
        '|---|---|---|---|---|---|',
      );
      for (const p of withSameJob) {
        const v = p.sameJob!;
        lines.push(`| ${sizeLabel(p.size)} | ${v.ratios.build} (${ms(v.kiji.buildMs)} vs ${ms(p.peer.fromTextsMs)}) | ${v.ratios.save} (${ms(v.kiji.saveMs)} vs ${ms(p.peer.saveMs)}) | ${v.ratios.load} (${ms(v.kiji.loadMs)} vs ${ms(p.peer.loadMs)}) | ${v.ratios.searchP50} (${ms(v.kiji.search.p50)} vs ${ms(v.peerSearch.p50)}) | ${v.ratios.diskBytes} (${(v.kiji.bytes / 2 ** 20).toFixed(0)} vs ${(p.peer.bytes / 2 ** 20).toFixed(0)} MB) |`);
      }
      lines.push('');
    }
  }
  if (r.loop) {
    const l = r.loop;
    lines.push('## Event-loop delay while a build runs', '');
    lines.push(`Full build of JSQuAD paragraphs with ${l.model} (model load included), \`monitorEventLoopDelay\` at 10 ms resolution in the process that would serve the bot.`, '');
    lines.push('| build runs | p50 | p99 | max | build time |', '|---|---|---|---|---|');
    lines.push(`| in process (before) | ${l.inProcess.p50} ms | ${l.inProcess.p99} ms | ${l.inProcess.max} ms | ${ms(l.inProcess.buildMs)} |`);
    lines.push(`| buildInWorker (after; Library.reindex) | ${l.inWorker.p50} ms | ${l.inWorker.p99} ms | ${l.inWorker.max} ms | ${ms(l.inWorker.buildMs)} |`, '');
  }
  if (r.bot) {
    lines.push('## Bot latency through the fake Discord', '');
    if (r.bot.skipped) lines.push(r.bot.skipped, '');
    else {
      lines.push(`/ask sent to reply received, real bot + library on the 1,145 JSQuAD passages, query embedding included (model ${r.bot.model.split('/').pop()}).`, '');
      lines.push('| askers | p50 | p95 | asks |', '|---|---|---|---|');
      lines.push(`| 1 | ${ms(r.bot.one.p50)} | ${ms(r.bot.one.p95)} | ${r.bot.one.n} |`);
      lines.push(`| 20 at once | ${ms(r.bot.twenty.p50)} | ${ms(r.bot.twenty.p95)} | ${r.bot.twenty.n} |`, '');
    }
  }
  lines.push('## Made faster: before -> after', '');
  lines.push('Measured when each change landed, on this machine, by the command named (details in the commit); history, not re-measured by this run.', '');
  lines.push('| change | figure | before | after | measured with | commit |', '|---|---|---|---|---|---|');
  for (const c of speedHistory) lines.push(`| ${c.change} | ${c.figure} | ${c.before} | ${c.after} | ${c.measuredWith} | ${c.commit} |`);
  lines.push('');
  return lines;
}
