import {
  ApplicationCommandOptionType,
  type ChatInputCommandInteraction,
  type InteractionContextType,
  type LocalizationMap,
  type MessageMentionOptions,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { SearchGate } from './defer.js';
import type { Library } from '../retrieval/types.js';
import type { Cooldown } from './cooldown.js';
import type { QuestionLog } from '../questionlog/question-log.js';
import type { Conversations } from './followup.js';

type OptionBase = {
  readonly name: string;
  readonly description: string;
  readonly description_localizations?: Readonly<LocalizationMap>;
  readonly required?: boolean;
};

/** The option kinds kiji's commands use, as Discord's JSON, written `as const` so types can be read off them. */
export type OptionDefinition = OptionBase &
  (
    | { readonly type: ApplicationCommandOptionType.String; readonly min_length?: number; readonly max_length?: number }
    | {
        readonly type: ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number;
        readonly min_value?: number;
        readonly max_value?: number;
      }
    | { readonly type: ApplicationCommandOptionType.Boolean }
  );

/** A chat-input command as registered with Discord (`RESTPostAPIChatInputApplicationCommandsJSONBody`, read-only). */
export interface CommandDefinition {
  readonly name: string;
  readonly description: string;
  readonly description_localizations?: Readonly<LocalizationMap>;
  readonly options?: readonly OptionDefinition[];
  /** Permission bits as a decimal string; admins can still override this per server. */
  readonly default_member_permissions?: string;
  readonly contexts?: readonly InteractionContextType[];
}

type ValueOf<T> = T extends ApplicationCommandOptionType.String
  ? string
  : T extends ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number
    ? number
    : T extends ApplicationCommandOptionType.Boolean
      ? boolean
      : never;

/**
 * The arguments of a command, typed from its definition: required options are always there.
 *
 * @example ArgumentsOf<typeof askDefinition> // { question: string; k: number | undefined; private: boolean | undefined }
 */
export type ArgumentsOf<D extends CommandDefinition> = D['options'] extends readonly OptionDefinition[]
  ? { [O in D['options'][number] as O['name']]: O['required'] extends true ? ValueOf<O['type']> : ValueOf<O['type']> | undefined }
  : Record<string, never>;

const runtimeType = {
  [ApplicationCommandOptionType.String]: 'string',
  [ApplicationCommandOptionType.Integer]: 'number',
  [ApplicationCommandOptionType.Number]: 'number',
  [ApplicationCommandOptionType.Boolean]: 'boolean',
} as const;

/** Reads an interaction's options as its command defines them; a value of the wrong type counts as absent. */
export function argumentsOf<D extends CommandDefinition>(interaction: ChatInputCommandInteraction, definition: D): ArgumentsOf<D> {
  const args: Record<string, string | number | boolean | undefined> = {};
  for (const option of definition.options ?? []) {
    const value = interaction.options.get(option.name, option.required ?? false)?.value;
    args[option.name] = typeof value === runtimeType[option.type] ? (value as string | number | boolean) : undefined;
  }
  return args as ArgumentsOf<D>;
}

/** The JSON Discord's registration endpoint takes. */
export function registrationBody(definition: CommandDefinition): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    ...definition,
    options: definition.options?.map((option) => ({ ...option })),
    contexts: definition.contexts && [...definition.contexts],
  } as RESTPostAPIChatInputApplicationCommandsJSONBody;
}

/** What one handled interaction leads to, for its log line. */
export interface Outcome {
  outcome: 'answered' | 'nothing' | 'empty' | 'cooldown' | 'forbidden' | 'busy' | 'stale' | 'shown' | 'reindexed' | 'error';
  results?: number;
}

/** What every handler gets besides the interaction. */
export interface BotContext {
  library: Library;
  /** Excerpts per /ask page when the asker gives no `k` (1-10). */
  defaultK: number;
  cooldown: Cooldown;
  /** The rebuild in progress, so a second /reindex waits for it instead of starting another. */
  reindexing: Promise<unknown> | undefined;
  /** Runs every search of an interaction, acknowledging it first when the search is slow or many are running. */
  searches: SearchGate;
  /** Where answered questions are recorded (a log that records nothing when the log is off); recording never throws. */
  questionLog: QuestionLog;
  /** Follow-up conversations (kiji threads and private follow-ups), in memory. */
  conversations: Conversations;
}

export interface Command<D extends CommandDefinition = CommandDefinition> {
  data: D;
  execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<Outcome>;
}

/** Nobody is ever pinged by what the bot writes, whatever the question or the article says. */
export const allowedMentions: MessageMentionOptions = { parse: [] };

/** `payload` with pings turned off; every reply, edit and follow-up goes through this. */
export function quiet<const T extends object>(payload: T): T & { allowedMentions: MessageMentionOptions } {
  return { ...payload, allowedMentions: { parse: [] } };
}
