import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { buildFromSettings, openLibrary } from '../../src/library.js';
import { isKijiError } from '../../src/errors.js';
import { releaseIndex } from '../../src/store/load.js';
import type { SearchResponse } from '../../src/retrieval/types.js';
import { faultCases, injectFault, type FaultFile, type FaultKind } from './faults.js';

/**
 * Fault injection on every file of a hybrid index built with the committed test model: each file
 * cut, zeroed, overwritten in 4 places or deleted. Then (a) loading and querying it throws a
 * KijiError with a code or answers with the intact text, never garbled text; (b) a build (the
 * `npm run embed` path) repairs it; (c) opening it as the bot does comes up and answers.
 * With KIJI_FAULT_TABLE=<file> the outcomes are written there as a Markdown table.
 */
const root = path.resolve(import.meta.dirname, '../..');
const testModel = path.join(root, 'test/fixtures/model/kiji-test-char');
const question = '有志連合の首脳会合はどこで開かれたか';
const parisSentence = 'パリで首脳会合を開催';

let work: string;
let articles: string;
let pristine: string;
/** Every passage text of the pristine index: an answer citing anything else is garbled. */
let texts: Set<string>;

function settingsFor(indexDir: string): Settings {
  return loadSettings({ ARTICLES_PATH: articles, INDEX_DIR: indexDir, ALLOW_REMOTE_MODELS: 'false', EMBEDDING_MODEL: testModel });
}

/** A damaged copy of the pristine index. */
function damagedCopy(file: FaultFile, kind: FaultKind, name: string): string {
  const dir = path.join(work, name);
  fs.cpSync(pristine, dir, { recursive: true });
  injectFault(dir, file, kind, 7);
  return dir;
}

function expectIntact(response: SearchResponse): void {
  for (const result of response.results) expect(texts.has(result.passage.text)).toBe(true);
}

/** The paragraph saying where the summit was held is among the answers (the tiny test model ranks it 4th in hybrid). */
function answersParis(response: SearchResponse): boolean {
  return response.results.some((r) => r.passage.text.includes(parisSentence));
}

const table = new Map<string, { query: string; embed: string; bot: string }>();

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-faults-'));
  articles = path.join(work, 'articles');
  fs.cpSync(path.join(root, 'data/articles'), articles, { recursive: true });
  pristine = path.join(work, 'pristine');
  await buildFromSettings(settingsFor(pristine));
  const library = await openLibrary(settingsFor(pristine));
  const table = library.loaded.table;
  texts = new Set(Array.from({ length: table.size }, (_, row) => table.text(row)));
  expect(answersParis(await library.search(question, { k: 5 }))).toBe(true);
  releaseIndex(library.loaded);
}, 120_000);

afterAll(() => {
  const out = process.env.KIJI_FAULT_TABLE;
  if (out && table.size > 0) {
    const lines = ['| file | fault | query on the damaged index | `npm run embed` then query | bot start (rebuildIfUnreadable) |', '|---|---|---|---|---|'];
    for (const [key, row] of table) lines.push(`| ${key.replace(' ', ' | ')} | ${row.query} | ${row.embed} | ${row.bot} |`);
    fs.writeFileSync(out, lines.join('\n') + '\n');
  }
  fs.rmSync(work, { recursive: true, force: true });
});

describe('a damaged index file', () => {
  it.each(faultCases)('%s, %s: refused with a code or answered intact; repaired by a build; the bot comes up', async (file, kind) => {
    const row = { query: '', embed: '', bot: '' };
    table.set(`${file} ${kind}`, row);

    // (a) Load and query, as `npm run query` does.
    const damaged = damagedCopy(file, kind, `${file}-${kind}-a`);
    const settings = settingsFor(damaged);
    try {
      const library = await openLibrary(settings);
      const response = await library.search(question, { k: 5 });
      expectIntact(response);
      row.query = `answers (${response.mode}${answersParis(response) ? ', with the Paris paragraph' : ''})`;
      releaseIndex(library.loaded);
    } catch (error) {
      // Anything but a KijiError with a code (a TypeError, a RangeError from a parser) fails here.
      if (!isKijiError(error)) throw error;
      row.query = `refused: ${error.code}`;
    }

    // (b) A build repairs it, reusing the vectors when vectors.hnsw and passages.bin are intact.
    const lines: string[] = [];
    const report = await buildFromSettings(settings, { log: (line) => lines.push(line) });
    const repaired = await openLibrary(settings);
    const response = await repaired.search(question, { k: 5 });
    expect(response.mode).toBe('hybrid');
    expect(answersParis(response)).toBe(true);
    expectIntact(response);
    releaseIndex(repaired.loaded);
    if (file === 'keywords.bin' || file === 'texts.bin' || file === 'CURRENT') expect(report.embedded).toBe(0);
    if (file !== 'CURRENT' && file !== 'manifest.json') expect(lines.join('\n')).toContain(`Repaired ${file}`);
    row.embed = `repaired: ${report.embedded} embedded, ${report.passages - report.embedded} vectors reused`;

    // (c) The bot's start on a damaged copy: comes up (rebuilding first when it must) and answers.
    const botCopy = damagedCopy(file, kind, `${file}-${kind}-c`);
    const botLog: string[] = [];
    const bot = await openLibrary(settingsFor(botCopy), { buildIfMissing: true, rebuildIfUnreadable: true, log: (line) => botLog.push(line) });
    const botResponse = await bot.search(question, { k: 5 });
    expect(answersParis(botResponse)).toBe(true);
    expectIntact(botResponse);
    releaseIndex(bot.loaded);
    row.bot = `up, answers (${botLog.some((l) => /Rebuilding|building it/.test(l)) ? 'rebuilt at start' : 'loaded as is'})`;
  }, 60_000);
});
