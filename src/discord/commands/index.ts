import type { Command } from '../command.js';
import ask from './ask.js';
import reindex from './reindex.js';
import sources from './sources.js';
import stats from './stats.js';

/** Every slash command, as registered by deploy-commands and dispatched by the bot. */
export const commands: readonly Command[] = [ask, sources, reindex, stats];
