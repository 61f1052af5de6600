import fs from 'node:fs';
import { openLibrary } from '../../src/library.js';
import { settingsFor } from './loop.js';
import { benchQuestions } from './questions.js';
import { latency } from './stats.js';

/**
 * Interaction sent to reply received, through the fake Discord (REST + gateway on 127.0.0.1) and
 * the real bot and library, query embedding included.
 */
export async function benchBot(articlesPath: string, model: string, asks: number, waves: number, log: (l: string) => void) {
  const harnessFile = new URL('../../test/discord/harness.ts', import.meta.url);
  if (!fs.existsSync(harnessFile)) return { skipped: 'pending: test/discord/harness.ts (fake Discord + bot) is not there yet' };
  const { startHarness } = (await import(harnessFile.href)) as typeof import('../../test/discord/harness.js');
  const library = await openLibrary(settingsFor(articlesPath, model), { buildIfMissing: true, log });
  const harness = await startHarness(library, { askCooldownSeconds: 0 });
  const questions = benchQuestions(asks + 20 * waves);
  const ask = async (question: string, user: number): Promise<number> => {
    const t = performance.now();
    const id = harness.fake.slash('ask', { question }, { userId: String(100000000000000000n + BigInt(user)) });
    await harness.fake.reply(id, 60_000);
    return performance.now() - t;
  };
  try {
    for (const q of questions.slice(0, 3)) await ask(q, 0);
    const one: number[] = [];
    for (let i = 0; i < asks; i++) one.push(await ask(questions[i]!, i));
    const twenty: number[] = [];
    for (let w = 0; w < waves; w++) {
      const batch = questions.slice(asks + w * 20, asks + (w + 1) * 20);
      twenty.push(...(await Promise.all(batch.map((q, u) => ask(q, 1000 + w * 20 + u)))));
    }
    return { model, one: latency(one), twenty: latency(twenty) };
  } finally {
    await harness.stop();
  }
}
