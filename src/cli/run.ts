import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KijiError, ErrorCodes, describeError } from '../errors.js';
import { loadDotenv } from '../config/env.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { searchModes, type SearchMode } from '../retrieval/types.js';

/** Flags every retrieval command shares, mapped onto settings. */
export const commonFlags = {
  articles: { type: 'string' },
  index: { type: 'string' },
  model: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(options: O, usage: string) {
  try {
    return parseArgs({ options, allowPositionals: false, strict: true }).values;
  } catch (error) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, describeError(error), { hint: `Usage: ${usage}` });
  }
}

/** Settings from .env and the environment, with the common flags on top. */
export function settingsFromFlags(values: { articles?: string | undefined; index?: string | undefined; model?: string | undefined }): Settings {
  loadDotenv();
  return loadSettings(process.env, {
    ...(values.articles ? { articlesPath: values.articles } : {}),
    ...(values.index ? { indexDir: values.index } : {}),
    ...(values.model ? { model: values.model } : {}),
  });
}

export function parsePositiveInt(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new KijiError(ErrorCodes.BAD_ARGUMENT, `--${name} must be a whole number from 1 to ${max}, got "${value}".`);
  }
  return n;
}

/** A search mode named on the command line (or in the REPL), checked; undefined when none was given. */
export function parseMode(value: string | undefined, name = '--mode'): SearchMode | undefined {
  if (value === undefined) return undefined;
  const mode = searchModes.find((m) => m === value);
  if (mode === undefined) throw new KijiError(ErrorCodes.BAD_ARGUMENT, `${name} must be one of ${searchModes.join(', ')}, got "${value}".`);
  return mode;
}

/** Diagnostics go to stderr so stdout stays clean for piping (--json). */
export const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * The only place a CLI turns an error into output: one line (message and hint), no stack
 * trace unless KIJI_DEBUG is set, and a non-zero exit code.
 */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => {
      process.exitCode ??= 0;
    },
    (error: unknown) => {
      process.stderr.write(`kiji: ${describeError(error)}\n`);
      if (process.env.KIJI_DEBUG) console.error(error);
      process.exitCode = error instanceof KijiError && error.code === ErrorCodes.BAD_ARGUMENT ? 2 : 1;
    },
  );
}
