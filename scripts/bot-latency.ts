/**
 * Interaction-to-reply latency of the bot, measured against the fake Discord (test/fake-discord) on this
 * machine: the real discord.js client, the real library on a fresh index of data/articles.
 *
 *   npx tsx scripts/bot-latency.ts [sequential-count=30]
 *
 * SEMANTIC_SEARCH defaults to off here (keyword search; no model download); set SEMANTIC_SEARCH=auto
 * with a cached model to measure hybrid search.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadSettings } from '../src/config/settings.js';
import { createBot } from '../src/discord/bot.js';
import { openLibrary } from '../src/library.js';
import { FakeDiscord } from '../test/fake-discord/server.js';

const token = 'MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.abcdefghijklmnopqrstuvwxyz0123456789';
const questions = [
  '有志連合の首脳会合はどこで開かれたか',
  'パリ 首脳会合',
  'ゼレンスキー マクロン 協議',
  'ベネズエラ ロシア',
  '多国籍軍 派遣 宣言',
  'Where was the summit held?',
];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const sequentialCount = Number(process.argv[2] ?? 30);
const indexDir = await mkdtemp(path.join(os.tmpdir(), 'kiji-latency-'));
const settings = loadSettings({ ...process.env, SEMANTIC_SEARCH: process.env.SEMANTIC_SEARCH ?? 'off', INDEX_DIR: indexDir });
const library = await openLibrary(settings, { buildIfMissing: true });
const fake = await FakeDiscord.start();
const bot = createBot({
  discord: { token, clientId: fake.applicationId, apiBaseUrl: fake.apiBaseUrl, askCooldownSeconds: 0 },
  library,
  defaultK: settings.k,
  log: () => {},
});
await bot.start();

async function ask(i: number): Promise<{ ms: number; deferMs: number; cited: boolean }> {
  const started = performance.now();
  const id = fake.slash('ask', { question: questions[i % questions.length]! }, { userId: `5${String(i).padStart(17, '0')}` });
  const deferred = fake.waitFor((r) => r.interactionId === id && r.path.endsWith('/callback') && r.status < 300).then(() => performance.now() - started);
  const reply = await fake.reply(id, 60000);
  return { ms: performance.now() - started, deferMs: await deferred, cited: reply.message.embeds?.length === 1 };
}

function report(label: string, runs: { ms: number; deferMs: number; cited: boolean }[], expected: number): void {
  const ms = runs.map((r) => r.ms);
  const defer = runs.map((r) => r.deferMs);
  console.log(
    `${label}: answered ${runs.length}/${expected} (${runs.filter((r) => r.cited).length} with citations); ` +
      `reply p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms; ` +
      `deferral p50 ${percentile(defer, 50).toFixed(1)} ms, p95 ${percentile(defer, 95).toFixed(1)} ms`,
  );
}

try {
  console.log(`library: real (${library.semanticOff ? `keyword only: ${library.semanticOff}` : 'hybrid'}), ${library.articles().length} articles; Discord: fake on 127.0.0.1`);
  await ask(0); // warm-up: first REST connection and JIT, not counted
  const sequential = [];
  for (let i = 0; i < sequentialCount; i++) sequential.push(await ask(i));
  report(`sequential x${sequentialCount}`, sequential, sequentialCount);
  const concurrent = await Promise.all(Array.from({ length: 50 }, (_, i) => ask(i)));
  report('concurrent x50', concurrent, 50);
} finally {
  await bot.stop();
  await fake.close();
  await rm(indexDir, { recursive: true, force: true });
}
