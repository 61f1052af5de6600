import {
  ApplicationCommandOptionType,
  type AutocompleteInteraction,
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
import type { ArticleUpdates } from '../sources/updates.js';
import type { Conversations } from './conversations.js';

type OptionBase = {
  readonly name: string;
  readonly description: string;
  readonly description_localizations?: Readonly<LocalizationMap>;
  readonly required?: boolean;
};

/** The option kinds kiji's commands use, as Discord's JSON, written `as const` so types can be read off them. */
export type OptionDefinition = OptionBase &
  (
    | { readonly type: ApplicationCommandOptionType.String; readonly min_length?: number; readonly max_length?: number; readonly autocomplete?: boolean }
    | {
        readonly type: ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number;
        readonly min_value?: number;
        readonly max_value?: number;
      }
    | { readonly type: ApplicationCommandOptionType.Boolean }
    /** Its value is the attachment's id; `interaction.options.getAttachment` gives the attachment. */
    | { readonly type: ApplicationCommandOptionType.Attachment }
    /** Read a subcommand's own options with `argumentsOf(interaction, subcommand)`: discord.js lifts them to the top. */
    | { readonly type: ApplicationCommandOptionType.Subcommand; readonly options?: readonly OptionDefinition[] }
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
      : T extends ApplicationCommandOptionType.Attachment
        ? string
        : never;

/**
 * The arguments of a command, typed from its definition: required options are always there.
 *
 * @example ArgumentsOf<typeof askDefinition> // { question: string; k: number | undefined; private: boolean | undefined }
 */
export type ArgumentsOf<D extends Pick<CommandDefinition, 'options'>> = D['options'] extends readonly OptionDefinition[]
  ? { [O in D['options'][number] as O['name']]: O['required'] extends true ? ValueOf<O['type']> : ValueOf<O['type']> | undefined }
  : Record<string, never>;

const runtimeType: Partial<Record<ApplicationCommandOptionType, 'string' | 'number' | 'boolean'>> = {
  [ApplicationCommandOptionType.String]: 'string',
  [ApplicationCommandOptionType.Integer]: 'number',
  [ApplicationCommandOptionType.Number]: 'number',
  [ApplicationCommandOptionType.Boolean]: 'boolean',
  [ApplicationCommandOptionType.Attachment]: 'string',
};

/** Reads an interaction's options as its command defines them; a value of the wrong type counts as absent. */
export function argumentsOf<D extends Pick<CommandDefinition, 'options'>>(interaction: ChatInputCommandInteraction, definition: D): ArgumentsOf<D> {
  const args: Record<string, string | number | boolean | undefined> = {};
  for (const option of definition.options ?? []) {
    if (option.type === ApplicationCommandOptionType.Subcommand) continue;
    const value = interaction.options.get(option.name, option.required ?? false)?.value;
    args[option.name] = typeof value === runtimeType[option.type] ? (value as string | number | boolean) : undefined;
  }
  return args as ArgumentsOf<D>;
}

/** The JSON Discord's registration endpoint takes. */
export function registrationBody(definition: CommandDefinition): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    ...definition,
    options: definition.options?.map((option) => ('options' in option && option.options ? { ...option, options: option.options.map((o) => ({ ...o })) } : { ...option })),
    contexts: definition.contexts && [...definition.contexts],
  } as RESTPostAPIChatInputApplicationCommandsJSONBody;
}

/** What one handled interaction leads to, for its log line. */
export interface Outcome {
  outcome: 'answered' | 'nothing' | 'empty' | 'cooldown' | 'forbidden' | 'busy' | 'stale' | 'shown' | 'reindexed' | 'updated' | 'refused' | 'error';
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
  /** /add, /remove and /feeds work through this; absent when the bot runs without an articles folder of its own (tests). */
  updates?: ArticleUpdates;
  /** Follow-up conversations (kiji threads and private follow-ups), in memory. */
  conversations: Conversations;
}

export interface Command<D extends CommandDefinition = CommandDefinition> {
  data: D;
  execute(interaction: ChatInputCommandInteraction, context: BotContext): Promise<Outcome>;
  /** Suggestions for an option marked `autocomplete`; the bot routes autocomplete interactions here. */
  autocomplete?(interaction: AutocompleteInteraction, context: BotContext): Promise<void>;
}

/** Nobody is ever pinged by what the bot writes, whatever the question or the article says. */
export const allowedMentions: MessageMentionOptions = { parse: [] };

/** `payload` with pings turned off; every reply, edit and follow-up goes through this. */
export function quiet<const T extends object>(payload: T): T & { allowedMentions: MessageMentionOptions } {
  return { ...payload, allowedMentions: { parse: [] } };
}
