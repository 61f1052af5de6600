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
  type ModalSubmitInteraction,
} from 'discord.js';
import { describeError, ErrorCodes, isKijiError, KijiError } from '../errors.js';
import type { DiscordSettings } from '../config/discord.js';
import type { Library } from '../retrieval/types.js';
import type { ArticleUpdates } from '../sources/updates.js';
import { disabledQuestionLog, recordingNeverThrows, type QuestionLog } from '../questionlog/question-log.js';
import { handleButton, handleModal } from './buttons.js';
import { allowedMentions, quiet, type BotContext, type Command, type Outcome } from './command.js';
import { commands as allCommands } from './commands/index.js';
import { Cooldown, PressLimit } from './cooldown.js';
import { SearchGate } from './defer.js';
import { Conversations, conversationFromTurns, earlierKept } from './conversations.js';
import { catalogOf } from './filters.js';
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
  /** The article stores and feeds behind /add, /remove and /feeds; the caller starts and stops it. */
  updates?: ArticleUpdates;
}

export interface Bot {
  client: Client;
  /**
   * Logs in and resolves once the gateway reports the bot ready. Rejects with a `CONFIG_INVALID`
   * KijiError saying what to do when the login fails or Discord closes the gateway for good.
   */
  start(): Promise<void>;
  /**
   * Resolves when Discord closes the gateway with a code it will not take back (see
   * `fatalGatewayCloses`): the bot is then disconnected for good, and should exit non-zero.
   */
  fatal: Promise<KijiError>;
  /** Closes the gateway connection; interactions in flight may still finish their REST calls. */
  stop(): Promise<void>;
}

const portal = 'https://discord.com/developers/applications';

/**
 * Gateway close codes after which Discord does not take the bot back until a person changes
 * something (discord.js stops reconnecting on exactly these), with what happened and what to change.
 */
export const fatalGatewayCloses: Readonly<Record<number, { what: string; todo: string }>> = {
  4004: {
    what: 'Discord refused the bot token (gateway close 4004, authentication failed): it was reset or is wrong.',
    todo: `Reset the token in the Developer Portal (${portal} > your application > Bot > Reset Token), put it in DISCORD_TOKEN and start the bot again.`,
  },
  4010: {
    what: 'Discord refused the shard the bot asked for (gateway close 4010, invalid shard).',
    todo: 'kiji connects as one shard: reinstall with `npm ci` and start again; if it persists, report it with the log.',
  },
  4011: {
    what: 'Discord requires this bot to connect in several shards (gateway close 4011, sharding required): it is in too many servers for one connection.',
    todo: 'kiji runs as one shard: remove the bot from servers that do not need it.',
  },
  4012: {
    what: 'Discord refused the gateway API version the bot asked for (gateway close 4012, invalid API version).',
    todo: 'Reinstall the pinned discord.js with `npm ci`, or update kiji.',
  },
  4013: {
    what: 'Discord refused the intents the bot asked for (gateway close 4013, invalid intents).',
    todo: 'kiji needs only the Guilds intent: reinstall with `npm ci`, or update kiji.',
  },
  4014: {
    what: 'The bot asked for a privileged intent that is not enabled for it (gateway close 4014, disallowed intents).',
    todo: `Enable the intent in the Developer Portal (${portal} > your application > Bot > Privileged Gateway Intents), or do not request privileged intents (kiji itself needs only Guilds).`,
  },
};

/** The error for a gateway close `code`, or undefined when discord.js will reconnect by itself. */
export function fatalCloseError(code: number): KijiError | undefined {
  const known = fatalGatewayCloses[code];
  return known && new KijiError(ErrorCodes.CONFIG_INVALID, known.what, { hint: known.todo });
}

/** A failed `client.login` as one line saying what to do. */
function loginError(error: unknown): KijiError {
  if (isKijiError(error)) return error;
  if ((error as { code?: unknown }).code === 'TokenInvalid') {
    return new KijiError(ErrorCodes.CONFIG_INVALID, 'Discord refused the bot token at login (401).', { hint: fatalGatewayCloses[4004]!.todo, cause: error });
  }
  return new KijiError(ErrorCodes.CONFIG_INVALID, `Could not log in to Discord (${describeError(error)}).`, {
    hint: 'Check the network connection (and DISCORD_API_BASE_URL, if set), then start the bot again.',
    cause: error,
  });
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
  // A question the log failed to keep must not cost the reader the answer: logged, then ignored.
  const questionLog = recordingNeverThrows(options.questionLog ?? disabledQuestionLog(), (error) => log({ event: 'question_log_error', error: describeError(error) }));
  const context: BotContext = {
    library,
    defaultK: Math.min(options.defaultK ?? 5, 10),
    cooldown: new Cooldown(discord.askCooldownSeconds),
    reindexing: undefined,
    searches: new SearchGate(options.deferAfterMs, options.deferWhenBusy),
    // After a restart, a kiji thread's conversation is read back from the question log.
    conversations: new Conversations(undefined, undefined, undefined, (key) => conversationFromTurns(questionLog.conversation(key, earlierKept))),
    questionLog,
    ...(options.updates ? { updates: options.updates } : {}),
  };
  const presses = new PressLimit();
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

  async function dispatch(interaction: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction): Promise<Outcome> {
    if (interaction.isButton()) return handleButton(interaction, context, presses);
    if (interaction.isModalSubmit()) return handleModal(interaction, context);
    const command = commands.get(interaction.commandName);
    if (!command) {
      // Registered by another version of the bot: say so rather than leave "The application did not respond".
      await interaction.reply(quiet({ content: stringsFor(interaction.locale).unknownCommand, flags: MessageFlags.Ephemeral }));
      return { outcome: 'stale' };
    }
    return command.execute(interaction, context);
  }

  client.on(Events.InteractionCreate, async (interaction: Interaction) => {
    if (interaction.isAutocomplete()) {
      // Suggestions only: no reply to apologize with, and too many to log one line each.
      await commands
        .get(interaction.commandName)
        ?.autocomplete?.(interaction, context)
        .catch((error: unknown) => log({ event: 'autocomplete_error', command: interaction.commandName, error: describeError(error) }));
      return;
    }
    if (!interaction.isChatInputCommand() && !interaction.isButton() && !interaction.isModalSubmit()) return;
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
        command: interaction.isChatInputCommand()
          ? interaction.commandName
          : `${interaction.isModalSubmit() ? 'modal' : 'button'}:${interaction.customId.split(':')[1] ?? '?'}`,
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

  let reportFatal!: (error: KijiError) => void;
  const fatal = new Promise<KijiError>((resolve) => (reportFatal = resolve));
  // discord.js emits this, and stops reconnecting, on the fatal closes only; the process would
  // otherwise idle on with nothing connected, or end with code 0.
  client.on(Events.ShardDisconnect, (event, shardId) => {
    const error = fatalCloseError(event.code);
    if (!error) return;
    log({ event: 'fatal', shard: shardId, code: event.code, error: describeError(error) });
    reportFatal(error);
  });

  client.on(Events.Error, (error) => log({ event: 'client_error', error: describeError(error) }));
  client.on(Events.ShardError, (error, shardId) => log({ event: 'shard_error', shard: shardId, error: describeError(error) }));

  return {
    client,
    fatal,
    async start() {
      const ready = once(client, Events.ClientReady);
      const closed = fatal.then((error) => Promise.reject(error));
      closed.catch(() => {});
      try {
        await Promise.race([client.login(discord.token).then(() => ready), closed]);
      } catch (error) {
        throw loginError(error);
      }
      log({ event: 'ready', user: client.user?.tag, guilds: client.guilds.cache.size, build: library.buildId });
      // The first /ask autocomplete must answer within Discord's 3 s: its lists are built now instead.
      catalogOf(library);
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
async function apologize(interaction: ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction): Promise<void> {
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
