import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBot, fatalGatewayCloses } from '../../src/discord/bot.js';
import { FakeDiscord } from '../fake-discord/server.js';
import { FakeLibrary, sampleArticles } from './fake-library.js';
import { testToken } from './harness.js';
import { spawnBot } from './spawn-bot.js';

const fatalCodes = [4004, 4010, 4011, 4012, 4013, 4014];

function botOn(fake: FakeDiscord, logs: string[] = []) {
  return createBot({
    discord: { token: testToken, clientId: fake.applicationId, apiBaseUrl: fake.apiBaseUrl, askCooldownSeconds: 0 },
    library: new FakeLibrary(sampleArticles),
    log: (line) => logs.push(line),
  });
}

describe('the bot on a gateway close Discord will not take back', () => {
  it.each(fatalCodes)('start() rejects on close %i at login with what to do', async (code) => {
    const fake = await FakeDiscord.start({ token: testToken, closeOnIdentify: code });
    const bot = botOn(fake);
    try {
      const error = await bot.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: fatalGatewayCloses[code]!.what, hint: fatalGatewayCloses[code]!.todo });
      expect((error as Error).message).toContain(`gateway close ${code}`);
    } finally {
      await bot.stop();
      await fake.close();
    }
  });

  it('reports a close after it was ready through `fatal`, with a log line', async () => {
    const fake = await FakeDiscord.start({ token: testToken });
    const logs: string[] = [];
    const bot = botOn(fake, logs);
    try {
      await bot.start();
      fake.closeGateway(4014);
      const error = await bot.fatal;
      expect(error.message).toMatch(/gateway close 4014, disallowed intents/);
      expect(error.hint).toMatch(/Privileged Gateway Intents/);
      expect(logs.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ event: 'fatal', code: 4014 }));
    } finally {
      await bot.stop();
      await fake.close();
    }
  });

  it('does not take an ordinary drop for a fatal one: it reconnects', async () => {
    const fake = await FakeDiscord.start({ token: testToken });
    const bot = botOn(fake);
    try {
      await bot.start();
      fake.closeGateway(4000);
      for (let i = 0; i < 150 && fake.identified < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fake.identified).toBe(2);
      const settled = await Promise.race([bot.fatal.then(() => 'fatal'), new Promise((resolve) => setTimeout(() => resolve('alive'), 200))]);
      expect(settled).toBe('alive');
    } finally {
      await bot.stop();
      await fake.close();
    }
  });
});

describe('npm start on a fatal gateway close or a refused login', () => {
  let indexDir: string;
  beforeAll(async () => {
    indexDir = await mkdtemp(path.join(os.tmpdir(), 'kiji-gateway-close-'));
  });
  afterAll(async () => {
    await rm(indexDir, { recursive: true, force: true });
  });

  /** `npm start` against `fake` until it exits; `whenReady` runs once the bot has identified. */
  async function start(fake: FakeDiscord, token = testToken, whenReady?: () => void) {
    const { child, output, exited } = spawnBot(fake, indexDir, token);
    if (whenReady) {
      await Promise.race([fake.connected(), exited]);
      // READY is sent right after the identify; give the bot a moment to take it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      whenReady();
    }
    const timeout = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [code, signal] = await exited;
    clearTimeout(timeout);
    return { code, signal, ...output() };
  }

  it.each([
    [4004, /^kiji: Discord refused the bot token \(gateway close 4004, authentication failed\).* Reset the token in the Developer Portal/],
    [4014, /^kiji: The bot asked for a privileged intent that is not enabled for it \(gateway close 4014, disallowed intents\)\. Enable the intent in the Developer Portal/],
  ])('exits 1 with one line saying what to do on close %i at login', async (code, line) => {
    const fake = await FakeDiscord.start({ token: testToken, closeOnIdentify: code });
    try {
      const result = await start(fake);
      expect(result.signal).toBeNull();
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(line)]);
      expect(result.stdout).toContain(`"event":"fatal"`);
      expect(result.stdout).not.toContain(testToken);
    } finally {
      await fake.close();
    }
  });

  it('exits 1 when Discord closes with 4004 while it runs (the token was reset)', async () => {
    const fake = await FakeDiscord.start({ token: testToken });
    try {
      const result = await start(fake, testToken, () => fake.closeGateway(4004));
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^kiji: Discord refused the bot token \(gateway close 4004/)]);
      expect(result.stdout).toContain('"event":"ready"');
    } finally {
      await fake.close();
    }
  });

  it('exits 1 with what to do when the token is refused at login (401)', async () => {
    const fake = await FakeDiscord.start({ token: testToken });
    try {
      const result = await start(fake, testToken.replace('GfAkE1', 'Wrong1'));
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^kiji: Discord refused the bot token at login \(401\)\. Reset the token in the Developer Portal/)]);
    } finally {
      await fake.close();
    }
  });
});
