import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envNames, projectRoot } from '../../src/config/settings.js';
import { discordEnvNames } from '../../src/config/discord.js';
import { sourceEnvNames } from '../../src/config/sources.js';
import { questionLogEnvNames } from '../../src/config/question-log.js';

describe('.env.example', () => {
  it('documents every setting kiji reads from the environment, and nothing else', () => {
    const text = fs.readFileSync(path.join(projectRoot, '.env.example'), 'utf8');
    const documented = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    const read = [...Object.values(envNames), ...discordEnvNames, ...Object.values(sourceEnvNames), ...questionLogEnvNames];
    expect([...documented].sort()).toEqual([...read].sort());
  });
});
