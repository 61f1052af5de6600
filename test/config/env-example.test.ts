import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envNames, projectRoot } from '../../src/config/settings.js';
import { discordEnvNames } from '../../src/config/discord.js';
import { sourceEnvNames } from '../../src/config/sources.js';
import { questionLogEnvNames } from '../../src/config/question-log.js';

const srcDir = path.join(projectRoot, 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') ? [file] : [];
  });
}

/** The code without its comments (a `//` after a colon or quote is part of a URL or a string). */
function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The config loaders and the names each reads from the environment it is handed. */
const loaders: Record<string, readonly string[]> = {
  loadSettings: Object.values(envNames),
  loadDiscordSettings: discordEnvNames,
  loadSourceSettings: Object.values(sourceEnvNames),
  loadQuestionLogSettings: questionLogEnvNames,
};

/**
 * Every environment variable src/ reads: `process.env.NAME` and `process.env['NAME']` anywhere, and
 * the names of each config loader that is handed `process.env` (by a caller, or as its own default).
 * Any other use of `process.env` (passing it whole elsewhere) is reported in `unknown`.
 */
function environmentReads(): { names: Set<string>; unknown: string[] } {
  const names = new Set<string>();
  const unknown: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const code = withoutComments(fs.readFileSync(file, 'utf8'));
    // A loader's own default (`env = process.env`) may sit on a line of its own below `function name(`.
    let lastFunction: string | undefined;
    for (const line of code.split('\n')) {
      lastFunction = /function (\w+)\(/.exec(line)?.[1] ?? lastFunction;
      for (const match of line.matchAll(/process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])?/g)) {
        const name = match[1] ?? match[2];
        if (name !== undefined) {
          names.add(name);
          continue;
        }
        const loader = /(\w+)\(\s*process\.env\b/.exec(line)?.[1] ?? (/=\s*process\.env\b/.test(line) ? lastFunction : undefined);
        if (loader !== undefined && loaders[loader]) for (const read of loaders[loader]) names.add(read);
        else unknown.push(`${path.relative(projectRoot, file)}: ${line.trim()}`);
      }
    }
  }
  return { names, unknown };
}

describe('.env.example', () => {
  const text = fs.readFileSync(path.join(projectRoot, '.env.example'), 'utf8');
  const documented = new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
  const { names, unknown } = environmentReads();

  it('finds the environment reads in src/ (the scan itself works)', () => {
    expect(unknown).toEqual([]);
    // One read of each kind: a direct one in the CLI, and one the settings loader makes.
    expect(names).toContain('KIJI_DEBUG');
    expect(names).toContain('ARTICLES_PATH');
    expect(names).toContain('DISCORD_TOKEN');
  });

  it('documents every environment variable src/ reads', () => {
    expect([...names].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents nothing that src/ does not read', () => {
    expect([...documented].filter((name) => !names.has(name))).toEqual([]);
  });
});
