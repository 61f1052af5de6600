import { readEnvSettings } from './env.js';
import { z } from 'zod';
import { KijiError, ErrorCodes } from '../errors.js';

/** Everything the Discord front end needs besides the retrieval core's `Settings`. */
export interface DiscordSettings {
  /** Bot token (developer portal > your application > Bot > Reset Token). Never logged. */
  token: string;
  /** Application ID (developer portal > General Information). */
  clientId: string;
  /** Register commands in this guild only (instant) instead of globally (can take up to an hour). */
  guildId?: string;
  /** REST base URL without the version, e.g. `http://127.0.0.1:8080/api` for nirn-proxy; Discord's own when unset. */
  apiBaseUrl?: string;
  /** Seconds a user waits between two /ask (0 turns the cooldown off; 0-600). */
  askCooldownSeconds: number;
}

export const discordDefaults = {
  askCooldownSeconds: 3,
} as const satisfies Partial<DiscordSettings>;

const portal = 'https://discord.com/developers/applications';

// A bot token is three base64url parts joined by dots: user id, timestamp, HMAC.
const tokenShape = /^[\w-]{18,}\.[\w-]{4,}\.[\w-]{20,}$/;
const snowflake = /^\d{17,20}$/;

function required(name: string, where: string) {
  return z.string({ error: `${name} is missing: ${where}` });
}

const tokenWhere = `in ${portal} open your application > Bot > Reset Token, and copy the token.`;
const idWhere = `in ${portal} open your application > General Information, and copy the Application ID.`;

const schema = z.object({
  DISCORD_TOKEN: required('DISCORD_TOKEN', tokenWhere)
    .refine((value) => !/^bot\s/i.test(value), {
      error: 'DISCORD_TOKEN starts with "Bot ": put the token alone, without the "Bot " prefix.',
    })
    .refine((value) => /^bot\s/i.test(value) || tokenShape.test(value), {
      error: `DISCORD_TOKEN does not look like a bot token (three parts separated by dots; the client secret and public key are not it): ${tokenWhere}`,
    }),
  DISCORD_CLIENT_ID: required('DISCORD_CLIENT_ID', idWhere).regex(snowflake, {
    error: `DISCORD_CLIENT_ID must be a numeric id of 17 to 20 digits: ${idWhere}`,
  }),
  DISCORD_GUILD_ID: z
    .string()
    .regex(snowflake, {
      error:
        'DISCORD_GUILD_ID must be a numeric id of 17 to 20 digits: in Discord turn on Settings > Advanced > Developer Mode, right-click the server and Copy Server ID (or leave it empty for global commands).',
    })
    .optional(),
  DISCORD_API_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'DISCORD_API_BASE_URL must be an http(s) URL such as http://127.0.0.1:8080/api.' })
    .transform((value) => value.replace(/\/+$/, ''))
    .refine((value) => !/\/v\d+$/.test(value), {
      error: 'DISCORD_API_BASE_URL must not end with the API version (use .../api, not .../api/v10).',
    })
    .optional(),
  ASK_COOLDOWN_SECONDS: z.coerce
    .number({ error: 'ASK_COOLDOWN_SECONDS must be a number of seconds.' })
    .int({ error: 'ASK_COOLDOWN_SECONDS must be a whole number of seconds.' })
    .min(0, { error: 'ASK_COOLDOWN_SECONDS must be between 0 (off) and 600.' })
    .max(600, { error: 'ASK_COOLDOWN_SECONDS must be between 0 (off) and 600.' })
    .optional(),
});

/** The environment variables the bot's settings are read from (documented in .env.example). */
export const discordEnvNames = Object.keys(schema.shape) as readonly string[];

/**
 * Reads and checks the Discord settings once, at start. Every problem is reported at once, each with
 * where to get the value, so a first run needs one round of fixing.
 *
 * @example loadDiscordSettings({ DISCORD_TOKEN: 'MTIz…', DISCORD_CLIENT_ID: '123456789012345678' })
 *   // { token: 'MTIz…', clientId: '123456789012345678', askCooldownSeconds: 3 }
 */
export function loadDiscordSettings(env: NodeJS.ProcessEnv = process.env): DiscordSettings {
  // The fixes are per line, so they go in the message rather than in one trailing hint.
  const value = readEnvSettings(schema, env, (problems) =>
    new KijiError(
      ErrorCodes.CONFIG_INVALID,
      `The Discord settings are not usable; set them in .env in the project folder (see .env.example) and run again:\n${problems}`,
    ),
  );
  return {
    token: value.DISCORD_TOKEN,
    clientId: value.DISCORD_CLIENT_ID,
    ...(value.DISCORD_GUILD_ID ? { guildId: value.DISCORD_GUILD_ID } : {}),
    ...(value.DISCORD_API_BASE_URL ? { apiBaseUrl: value.DISCORD_API_BASE_URL } : {}),
    askCooldownSeconds: value.ASK_COOLDOWN_SECONDS ?? discordDefaults.askCooldownSeconds,
  };
}
