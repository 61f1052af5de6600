import { EventEmitter } from 'node:events';
import type { DiscordSettings } from '../../src/config/discord.js';
import { createBot, type Bot, type BotOptions } from '../../src/discord/bot.js';
import type { Library } from '../../src/retrieval/types.js';
import { FakeDiscord } from '../fake-discord/server.js';

/** Shaped like a real bot token (three dot-separated parts); worthless anywhere but the fake. */
export const testToken = 'MTQwMDAwMDAwMDAwMDAwMDAx.GfAkE1.abcdefghijklmnopqrstuvwxyz0123456789';

export interface Harness {
  fake: FakeDiscord;
  bot: Bot;
  /** The bot's log lines, parsed. */
  logs: Record<string, any>[];
  /** The log line of interaction `id`, written once its handler has finished (after the reply). */
  logLine(id: string): Promise<Record<string, any>>;
  stop(): Promise<void>;
  /** Stops the bot and starts a new one (nothing kept in memory) on the same fake Discord, with `bot` options. */
  restart(bot?: HarnessBotOptions): Promise<void>;
}

type HarnessBotOptions = Pick<BotOptions, 'deferAfterMs' | 'deferWhenBusy' | 'questionLog' | 'updates'>;

/** The fake Discord plus the real bot logged in to it, talking to `library`. */
export async function startHarness(library: Library, settings: Partial<DiscordSettings> = {}, bot: HarnessBotOptions = {}): Promise<Harness> {
  const fake = await FakeDiscord.start({ token: testToken });
  const logs: Record<string, any>[] = [];
  const logged = new EventEmitter().setMaxListeners(0);
  const connect = async (options: HarnessBotOptions) => {
    const started = createBot({
      ...options,
      discord: { token: testToken, clientId: fake.applicationId, apiBaseUrl: fake.apiBaseUrl, askCooldownSeconds: 0, ...settings },
      library,
      log: (line) => {
        const entry = JSON.parse(line);
        logs.push(entry);
        logged.emit('line', entry);
      },
    });
    await started.start();
    return started;
  };
  let client = await connect(bot);
  return {
    fake,
    get bot() {
      return client;
    },
    logs,
    async restart(options = bot) {
      await client.stop();
      client = await connect(options);
    },
    logLine(id) {
      const found = logs.find((entry) => entry.interaction === id);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const listener = (entry: Record<string, any>) => {
          if (entry.interaction !== id) return;
          logged.off('line', listener);
          resolve(entry);
        };
        logged.on('line', listener);
      });
    },
    async stop() {
      await client.stop();
      await fake.close();
    },
  };
}
