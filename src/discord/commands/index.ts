import type { Command } from '../command.js';
import add from './add.js';
import ask from './ask.js';
import feeds from './feeds.js';
import reindex from './reindex.js';
import remove from './remove.js';
import sources from './sources.js';
import stats from './stats.js';

/** Every slash command, as registered by deploy-commands and dispatched by the bot. */
export const commands: readonly Command[] = [ask, sources, reindex, stats, add, remove, feeds];
