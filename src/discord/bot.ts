import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import {
  Client,
  Events,
  GatewayIntentBits,
  MessageFlags,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
} from 'discord.js';
import { describeError } from '../errors.js';
import type { DiscordSettings } from '../config/discord.js';
import type { Library } from '../retrieval/types.js';
import { disabledQuestionLog, recordingNeverThrows, type QuestionLog } from '../questionlog/question-log.js';
import { handleButton } from './buttons.js';
import { allowedMentions, quiet, type BotContext, type Command, type Outcome } from './command.js';
import { commands as allCommands } from './commands/index.js';
import { Cooldown } from './cooldown.js';
import { SearchGate } from './defer.js';
import { stringsFor } from './strings.js';

/** The bot's log format: one JSON object a line, with the time first. */
export function jsonLine(entry: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date().toISOString(), ...entry });
}

export interface BotOptions {
  discord: DiscordSettings;
  library: Library;
  /** Excerpts per /ask page by default (the core's `k`, capped at 10). */
  defaultK?: number;
  /** Receives one JSON line per interaction and per client error; stdout by default. */
  log?: (line: string) => void;
  commands?: readonly Command[];
  /** When to acknowledge an interaction before its answer (see `SearchGate`); the defaults unless set (tests). */
  deferAfterMs?: number;
  deferWhenBusy?: number;
  /** Records every answered question; none recorded when absent. The caller opens and closes it. */
  questionLog?: QuestionLog;
}

export interface Bot {
  client: Client;
  /** Logs in and resolves once the gateway reports the bot ready. */
  start(): Promise<void>;
  /** Closes the gateway connection; interactions in flight may still finish their REST calls. */
  stop(): Promise<void>;
}

/**
 * The bot: a discord.js client with the Guilds intent only (slash commands need no other), wired to
 * the commands and buttons. This is the entry point for interactions: every error of a handler ends
 * here, as a private apology to the user and a log line, and never stops the process.
 */
export function createBot(options: BotOptions): Bot {
  const { discord, library } = options;
  const write = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const commands = new Map((options.commands ?? allCommands).map((command) => [command.data.name, command]));
  const context: BotContext = {
    library,
    defaultK: Math.min(options.defaultK ?? 5, 10),
    cooldown: new Cooldown(discord.askCooldownSeconds),
    reindexing: undefined,
    searches: new SearchGate(options.deferAfterMs, options.deferWhenBusy),
    // A question the log failed to keep must not cost the reader the answer: logged, then ignored.
    questionLog: recordingNeverThrows(options.questionLog ?? disabledQuestionLog(), (error) =>
      log({ event: 'question_log_error', error: describeError(error) }),
    ),
  };
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    // A second guard: replies set this themselves too.
    allowedMentions,
    ...(discord.apiBaseUrl ? { rest: { api: discord.apiBaseUrl } } : {}),
  });

  /** One JSON line; the bot token (and an interaction's token, when known) never get into it. */
  const log = (entry: Record<string, unknown>, secrets: string[] = []) => {
    let line = jsonLine(entry);
    for (const secret of [discord.token, ...secrets]) line = line.split(secret).join('[redacted]');
    write(line);
  };

  async function dispatch(interaction: ChatInputCommandInteraction | ButtonInteraction): Promise<Outcome> {
    if (interaction.isButton()) return handleButton(interaction, context);
    const command = commands.get(interaction.commandName);
    if (!command) {
      // Registered by another version of the bot: say so rather than leave "The application did not respond".
      await interaction.reply(quiet({ content: stringsFor(interaction.locale).unknownCommand, flags: MessageFlags.Ephemeral }));
      return { outcome: 'stale' };
    }
    return command.execute(interaction, context);
  }

  client.on(Events.InteractionCreate, async (interaction: Interaction) => {
    if (!interaction.isChatInputCommand() && !interaction.isButton()) return;
    const started = performance.now();
    let result: Outcome & { error?: string; replyError?: string };
    try {
      result = await dispatch(interaction);
    } catch (error) {
      result = { outcome: 'error', error: describeError(error) };
      try {
        await apologize(interaction);
      } catch (replyError) {
        result.replyError = describeError(replyError);
      }
    }
    log(
      {
        event: 'interaction',
        command: interaction.isChatInputCommand() ? interaction.commandName : `button:${interaction.customId.split(':')[1] ?? '?'}`,
        interaction: interaction.id,
        user: interaction.user.id,
        guild: interaction.guildId,
        locale: interaction.locale,
        latencyMs: Math.round(performance.now() - started),
        ...result,
      },
      [interaction.token],
    );
  });

  client.on(Events.Error, (error) => log({ event: 'client_error', error: describeError(error) }));
  client.on(Events.ShardError, (error, shardId) => log({ event: 'shard_error', shard: shardId, error: describeError(error) }));

  return {
    client,
    async start() {
      const ready = once(client, Events.ClientReady);
      await client.login(discord.token);
      await ready;
      log({ event: 'ready', user: client.user?.tag, guilds: client.guilds.cache.size, build: library.buildId });
    },
    async stop() {
      await client.destroy();
    },
  };
}

/**
 * The private apology after a failed handler. A public "thinking…" placeholder is replaced by a private
 * follow-up (a deferred public reply cannot turn private); a button's message is left as it was.
 */
async function apologize(interaction: ChatInputCommandInteraction | ButtonInteraction): Promise<void> {
  const apology = quiet({ content: stringsFor(interaction.locale).apology, flags: MessageFlags.Ephemeral });
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply(apology);
  } else if (interaction.isChatInputCommand() && interaction.deferred && !interaction.replied) {
    if (interaction.ephemeral) {
      await interaction.editReply(quiet({ content: stringsFor(interaction.locale).apology }));
    } else {
      await interaction.followUp(apology);
      await interaction.deleteReply();
    }
  } else {
    await interaction.followUp(apology);
  }
}
