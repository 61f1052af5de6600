import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { projectRoot } from '../../src/config/settings.js';
import { deployCommands } from '../../src/discord/deploy.js';
import { isKijiError } from '../../src/errors.js';
import { FakeDiscord } from '../fake-discord/server.js';
import { testToken } from './harness.js';
import { spawnBot } from './spawn-bot.js';

const run = promisify(execFile);
// Each case starts a TypeScript process: seconds on a busy machine, not a measurement.
vi.setConfig({ testTimeout: 60000 });
const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');

/**
 * Runs an entry point as `npm start` / `npm run deploy-commands` would. The Discord variables are
 * always passed (empty when unset) so a developer's own .env cannot leak in: dotenv never overrides.
 */
async function cli(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const discordEnv = { DISCORD_TOKEN: '', DISCORD_CLIENT_ID: '', DISCORD_GUILD_ID: '', DISCORD_API_BASE_URL: '', ...env };
  try {
    const { stdout, stderr } = await run(tsx, [path.join(projectRoot, 'src', 'cli', script)], {
      cwd: projectRoot,
      env: { ...process.env, ...discordEnv },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm start without settings', () => {
  it('says what is missing and where to get it, exits non-zero, no stack trace', async () => {
    const result = await cli('bot.ts', {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DISCORD_TOKEN is missing');
    expect(result.stderr).toContain('Bot > Reset Token');
    expect(result.stderr).toContain('DISCORD_CLIENT_ID is missing');
    expect(result.stderr).toContain('General Information');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('npm start with settings', () => {
  it('loads the library, logs in, answers, logs JSON without the token, and stops cleanly on SIGTERM', async () => {
    const fake = await FakeDiscord.start({ token: testToken });
    const indexDir = await mkdtemp(path.join(os.tmpdir(), 'kiji-bot-cli-'));
    const { child, output, exited } = spawnBot(fake, indexDir);
    try {
      const crashed = exited.then(() => Promise.reject(new Error(`The bot exited before logging in: ${output().stderr}`)));
      await Promise.race([fake.connected(), crashed]);
      const reply = await fake.reply(fake.slash('ask', { question: 'パリ 首脳会合' }));
      expect(reply.message.embeds[0].fields.length).toBeGreaterThan(0);
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      const { stdout } = output();
      const events = stdout.trim().split('\n').map((line) => JSON.parse(line).event);
      expect(events).toEqual(expect.arrayContaining(['library', 'ready', 'interaction', 'shutdown']));
      expect(stdout).not.toContain(testToken);
    } finally {
      child.kill('SIGKILL');
      await fake.close();
      await rm(indexDir, { recursive: true, force: true });
    }
  });
});

describe('npm run deploy-commands', () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await FakeDiscord.start({ token: testToken });
  });
  afterAll(async () => {
    await fake?.close();
  });
  const base = () => ({ DISCORD_TOKEN: testToken, DISCORD_CLIENT_ID: fake.applicationId, DISCORD_API_BASE_URL: fake.apiBaseUrl });

  it('registers guild commands when DISCORD_GUILD_ID is set, through DISCORD_API_BASE_URL', async () => {
    const result = await cli('deploy-commands.ts', { ...base(), DISCORD_GUILD_ID: fake.guildId });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Registered 7 commands (/ask, /sources, /reindex, /stats, /add, /remove, /feeds) in guild');
    const put = await fake.waitFor((r) => r.method === 'PUT' && r.path === `/api/v10/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`);
    expect(put.headers.authorization).toBe(`Bot ${testToken}`);
    const [ask, , reindex] = put.body;
    expect(ask.options.map((o: any) => [o.name, o.type, o.required ?? false, o.autocomplete ?? false])).toEqual([
      ['question', 3, true, false],
      ['k', 4, false, false],
      ['private', 5, false, false],
      ['source', 3, false, true],
      ['article', 3, false, true],
      ['since', 3, false, true],
      ['until', 3, false, true],
    ]);
    expect(reindex.default_member_permissions).toBe('32');
    const byName = new Map<string, any>(put.body.map((c: any) => [c.name, c]));
    for (const name of ['add', 'remove', 'feeds']) expect(byName.get(name).default_member_permissions).toBe('32');
    expect(byName.get('add').options.map((o: any) => [o.name, o.type])).toEqual([['url', 3], ['file', 11]]);
    expect(byName.get('remove').options[0]).toMatchObject({ name: 'article', type: 3, required: true, autocomplete: true });
    expect(byName.get('feeds').options.map((o: any) => [o.name, o.type, (o.options ?? []).map((p: any) => p.name)])).toEqual([
      ['list', 1, []],
      ['add', 1, ['url', 'name', 'interval_minutes', 'full_text']],
      ['remove', 1, ['name']],
    ]);
  });

  it('registers global commands otherwise', async () => {
    const settings = { token: testToken, clientId: fake.applicationId, apiBaseUrl: fake.apiBaseUrl, askCooldownSeconds: 0 };
    expect(await deployCommands(settings)).toEqual({ scope: 'global', names: ['ask', 'sources', 'reindex', 'stats', 'add', 'remove', 'feeds'] });
    await fake.waitFor((r) => r.method === 'PUT' && r.path === `/api/v10/applications/${fake.applicationId}/commands`);
  });

  it('explains a rejected token', async () => {
    const settings = { token: testToken.replace('GfAkE1', 'Wrong1'), clientId: fake.applicationId, apiBaseUrl: fake.apiBaseUrl, askCooldownSeconds: 0 };
    const error = await deployCommands(settings).catch((e: unknown) => e);
    expect(isKijiError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error & { hint: string }).hint).toContain('The token was rejected');
  });
});
