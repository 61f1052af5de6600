import { readEnvSettings } from './env.js';
import path from 'node:path';
import { z } from 'zod';
import { KijiError, ErrorCodes } from '../errors.js';
import { projectRoot } from './settings.js';

/** Where and how the bot keeps its log of questions (see src/questionlog/). */
export interface QuestionLogSettings {
  /** false (`QUESTION_LOG=off`): nothing is written, no file is created, /stats says the log is off. */
  enabled: boolean;
  /** The SQLite file; its folder is created when missing. */
  path: string;
  /** Questions older than this many days are deleted, with their results and feedback (1-3650). */
  retentionDays: number;
  /**
   * Key of the HMAC that turns a user id into the stored hash. Unset: a random key is made once and
   * kept in the database, which is enough unless hashes must match across databases.
   */
  salt?: string;
}

export const questionLogDefaults = {
  enabled: true,
  path: path.join(projectRoot, 'data', 'kiji.db'),
  retentionDays: 90,
} as const satisfies Omit<QuestionLogSettings, 'salt'>;

const schema = z.object({
  QUESTION_LOG: z.enum(['on', 'off'], { error: 'QUESTION_LOG must be on or off.' }).optional(),
  QUESTION_LOG_PATH: z.string().optional(),
  QUESTION_LOG_DAYS: z.coerce
    .number({ error: 'QUESTION_LOG_DAYS must be a number of days.' })
    .int({ error: 'QUESTION_LOG_DAYS must be a whole number of days.' })
    .min(1, { error: 'QUESTION_LOG_DAYS must be between 1 and 3650.' })
    .max(3650, { error: 'QUESTION_LOG_DAYS must be between 1 and 3650.' })
    .optional(),
  // Shorter keys make the hashes of a small population (a server's members) cheaper to reverse.
  QUESTION_LOG_SALT: z.string().min(16, { error: 'QUESTION_LOG_SALT must be at least 16 characters (or empty for a generated one).' }).optional(),
});

/** The environment variables the question log is configured by (documented in .env.example). */
export const questionLogEnvNames = Object.keys(schema.shape) as readonly string[];

/**
 * Reads the question log's settings once, at start; every problem is reported at once.
 *
 * @example loadQuestionLogSettings({ QUESTION_LOG_DAYS: '30' })
 *   // { enabled: true, path: '<project>/data/kiji.db', retentionDays: 30 }
 */
export function loadQuestionLogSettings(env: NodeJS.ProcessEnv = process.env): QuestionLogSettings {
  const value = readEnvSettings(schema, env, (problems) =>
    new KijiError(ErrorCodes.CONFIG_INVALID, `The question log settings are not usable:\n${problems}`, {
      hint: 'Fix them in .env (see .env.example), or set QUESTION_LOG=off.',
    }),
  );
  const file = value.QUESTION_LOG_PATH ?? questionLogDefaults.path;
  return {
    enabled: value.QUESTION_LOG !== 'off',
    // A relative path is taken from the project root, as for the other data paths.
    path: path.isAbsolute(file) ? file : path.resolve(projectRoot, file),
    retentionDays: value.QUESTION_LOG_DAYS ?? questionLogDefaults.retentionDays,
    ...(value.QUESTION_LOG_SALT ? { salt: value.QUESTION_LOG_SALT } : {}),
  };
}
