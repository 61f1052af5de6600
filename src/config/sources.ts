import path from 'node:path';
import { z } from 'zod';
import { KijiError, ErrorCodes } from '../errors.js';
import { withoutUndefined } from '../util.js';
import { projectRoot } from './settings.js';

/** Settings of the web sources (feeds, article pages): what is fetched, from where, and within which limits. */
export interface SourceSettings {
  /** JSON file listing the feeds to poll (see `src/sources/feeds-file.ts`). */
  feedsFile: string;
  /** Whether FEEDS_FILE was set: a missing default file means "no feeds", a missing named one is an error. */
  feedsFileNamed: boolean;
  /** Allow URLs that resolve to loopback, private, link-local or metadata addresses (a local feed server, tests). */
  allowPrivateNetwork: boolean;
  userAgent: string;
  /** Whole fetch, redirects and body included (1-300). */
  timeoutSeconds: number;
  /** Establishing one connection (1-60). */
  connectTimeoutSeconds: number;
  /** Largest body accepted, counted after decompression too (1 KiB - 100 MiB). */
  maxBytes: number;
  /** Redirects followed before giving up (0-20). */
  maxRedirects: number;
  /** Requests in flight to one host at a time (1-16). */
  hostConcurrency: number;
  /** Channel where the bot posts "New articles" after a poll; unset: the bot announces nothing. */
  newsChannelId?: string;
}

export const sourceDefaults: Readonly<SourceSettings> = {
  feedsFile: path.join(projectRoot, 'data', 'feeds.json'),
  feedsFileNamed: false,
  allowPrivateNetwork: false,
  userAgent: 'kiji/0.1 (news feed reader for a question-answering bot)',
  timeoutSeconds: 20,
  connectTimeoutSeconds: 10,
  maxBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
  hostConcurrency: 2,
};

/** Environment variable of each setting (documented in .env.example). */
export const sourceEnvNames = {
  feedsFile: 'FEEDS_FILE',
  allowPrivateNetwork: 'INGEST_ALLOW_PRIVATE_NETWORK',
  userAgent: 'INGEST_USER_AGENT',
  timeoutSeconds: 'INGEST_TIMEOUT_SECONDS',
  connectTimeoutSeconds: 'INGEST_CONNECT_TIMEOUT_SECONDS',
  maxBytes: 'INGEST_MAX_BYTES',
  maxRedirects: 'INGEST_MAX_REDIRECTS',
  hostConcurrency: 'INGEST_HOST_CONCURRENCY',
  newsChannelId: 'NEWS_CHANNEL_ID',
} as const satisfies Record<Exclude<keyof SourceSettings, 'feedsFileNamed'>, string>;

const yesNo = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  feedsFile: z.string().min(1).optional(),
  allowPrivateNetwork: yesNo.optional(),
  userAgent: z.string().min(1).max(300).optional(),
  timeoutSeconds: z.coerce.number().min(1).max(300).optional(),
  connectTimeoutSeconds: z.coerce.number().min(1).max(60).optional(),
  maxBytes: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).optional(),
  maxRedirects: z.coerce.number().int().min(0).max(20).optional(),
  hostConcurrency: z.coerce.number().int().min(1).max(16).optional(),
  newsChannelId: z.string().regex(/^\d{17,20}$/, 'a channel id is 17 to 20 digits (Discord: right-click the channel > Copy Channel ID)').optional(),
});

/** Reads the source settings from an environment (default `process.env`) over `sourceDefaults`. */
export function loadSourceSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<SourceSettings> = {}): SourceSettings {
  const raw: Record<string, string> = {};
  for (const [key, name] of Object.entries(sourceEnvNames)) {
    const value = env[name]?.trim();
    if (value) raw[key] = value;
  }
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0]) as keyof typeof sourceEnvNames;
    throw new KijiError(ErrorCodes.CONFIG_INVALID, `${sourceEnvNames[key]}=${JSON.stringify(raw[key])} is not valid: ${issue.message}.`, {
      hint: 'Fix it in .env (see .env.example for the allowed values).',
    });
  }
  const merged: SourceSettings = { ...sourceDefaults, ...withoutUndefined(parsed.data), feedsFileNamed: raw.feedsFile !== undefined, ...withoutUndefined(overrides) };
  merged.feedsFile = path.isAbsolute(merged.feedsFile) ? merged.feedsFile : path.resolve(projectRoot, merged.feedsFile);
  return merged;
}
