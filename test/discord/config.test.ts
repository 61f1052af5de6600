import { describe, expect, it } from 'vitest';
import { loadDiscordSettings } from '../../src/config/discord.js';
import { Cooldown } from '../../src/discord/cooldown.js';
import { describeError } from '../../src/errors.js';
import { stringsFor } from '../../src/discord/strings.js';

const token = 'MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.abcdefghijklmnopqrstuvwxyz0123456789';
const ok = { DISCORD_TOKEN: token, DISCORD_CLIENT_ID: '140000000000000001' };

function problem(env: Record<string, string>): string {
  try {
    loadDiscordSettings(env);
  } catch (error) {
    return describeError(error);
  }
  throw new Error('expected the settings to be refused');
}

describe('loadDiscordSettings', () => {
  it('reads valid settings with defaults, treating empty optional values as unset', () => {
    expect(loadDiscordSettings({ ...ok, DISCORD_GUILD_ID: '', DISCORD_API_BASE_URL: 'http://127.0.0.1:8080/api/' })).toEqual({
      token,
      clientId: '140000000000000001',
      apiBaseUrl: 'http://127.0.0.1:8080/api',
      askCooldownSeconds: 3,
    });
  });

  it.each([
    ['missing token and id', {}, ['DISCORD_TOKEN is missing', 'Reset Token', 'DISCORD_CLIENT_ID is missing', 'Application ID']],
    ['a "Bot " prefix', { ...ok, DISCORD_TOKEN: `Bot ${token}` }, ['without the "Bot " prefix']],
    ['a client secret instead of a token', { ...ok, DISCORD_TOKEN: 'a'.repeat(32) }, ['does not look like a bot token']],
    ['a non-numeric client id', { ...ok, DISCORD_CLIENT_ID: 'kiji' }, ['DISCORD_CLIENT_ID must be a numeric id']],
    ['a short guild id', { ...ok, DISCORD_GUILD_ID: '123' }, ['DISCORD_GUILD_ID must be a numeric id', 'Copy Server ID']],
    ['a versioned API URL', { ...ok, DISCORD_API_BASE_URL: 'http://127.0.0.1:8080/api/v10' }, ['not end with the API version']],
    ['a non-http API URL', { ...ok, DISCORD_API_BASE_URL: 'ftp://x/api' }, ['must be an http(s) URL']],
    ['a negative cooldown', { ...ok, ASK_COOLDOWN_SECONDS: '-1' }, ['between 0 (off) and 600']],
  ])('explains %s', (_name, env, expected) => {
    const message = problem(env as Record<string, string>);
    for (const part of expected) expect(message).toContain(part);
    expect(message).not.toContain(token);
  });
});

describe('Cooldown', () => {
  it('refuses a second question within the cooldown with the seconds left, then allows it', () => {
    let now = 1_000_000;
    const cooldown = new Cooldown(3, () => now);
    expect(cooldown.take('u1')).toBe(0);
    now += 1200;
    expect(cooldown.take('u1')).toBe(2);
    expect(cooldown.take('u2')).toBe(0);
    now += 1800;
    expect(cooldown.take('u1')).toBe(0);
  });

  it('is off at 0 seconds', () => {
    const cooldown = new Cooldown(0, () => 0);
    expect([cooldown.take('u'), cooldown.take('u')]).toEqual([0, 0]);
  });
});

describe('strings', () => {
  it.each([
    ['ja', '記事からの引用'],
    ['ja-JP', '記事からの引用'],
    ['en-GB', 'Cited excerpts'],
    ['fr', 'Cited excerpts'],
    [undefined, 'Cited excerpts'],
  ])('locale %s gets %s', (locale, title) => {
    expect(stringsFor(locale).answerTitle).toBe(title);
  });
});
