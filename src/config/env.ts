import path from 'node:path';
import { config } from 'dotenv';
import type { z } from 'zod';
import type { KijiError } from '../errors.js';
import { projectRoot } from './settings.js';

/**
 * Loads `<project>/.env` into process.env (real environment variables win). Entry points call
 * this once; everything else receives settings, never reads the environment.
 */
export function loadDotenv(): void {
  config({ path: path.join(projectRoot, '.env'), quiet: true });
}

/**
 * Reads the variables `schema` names from `env` and checks them all at once. An empty value (as in
 * .env.example) means unset. On failure `refuse` gets every problem, one `- ` line each, and returns
 * the error to throw, so each group of settings words its own message and hint.
 */
export function readEnvSettings<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv, refuse: (problems: string) => KijiError): z.infer<S> {
  const raw = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, env[name]?.trim() || undefined]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw refuse(parsed.error.issues.map((issue) => `- ${issue.message}`).join('\n'));
  return parsed.data;
}
