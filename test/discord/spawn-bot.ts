import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { projectRoot } from '../../src/config/settings.js';
import type { FakeDiscord } from '../fake-discord/server.js';
import { testToken } from './harness.js';


export interface SpawnedBot {
  child: ChildProcess;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code and signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** `npm start` as a child process logged in to `fake`, keyword-only, with its index in `indexDir`. */
export function spawnBot(fake: FakeDiscord, indexDir: string, token = testToken): SpawnedBot {
  // Node with tsx's loader rather than the tsx CLI: the CLI relays signals to its own child and, when
  // that child does not acknowledge within 30 ms (a loaded machine), kills it and exits 143.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src', 'cli', 'bot.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      DISCORD_TOKEN: token,
      DISCORD_CLIENT_ID: fake.applicationId,
      DISCORD_GUILD_ID: '',
      DISCORD_API_BASE_URL: fake.apiBaseUrl,
      SEMANTIC_SEARCH: 'off',
      INDEX_DIR: indexDir,
      QUESTION_LOG_PATH: path.join(indexDir, 'kiji.db'),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, output: () => ({ stdout, stderr }), exited };
}
