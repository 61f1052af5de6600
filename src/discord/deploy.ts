import { DiscordAPIError, REST, Routes } from 'discord.js';
import type { DiscordSettings } from '../config/discord.js';
import { ErrorCodes, KijiError } from '../errors.js';
import { registrationBody, type Command } from './command.js';
import { commands as allCommands } from './commands/index.js';

export interface DeployResult {
  scope: 'guild' | 'global';
  names: string[];
}

/**
 * Registers the slash commands with Discord, replacing whatever this application had registered:
 * in one guild when `guildId` is set (visible at once, for development), globally otherwise.
 */
export async function deployCommands(discord: DiscordSettings, commands: readonly Command[] = allCommands): Promise<DeployResult> {
  const rest = new REST(discord.apiBaseUrl ? { api: discord.apiBaseUrl } : {}).setToken(discord.token);
  const route = discord.guildId
    ? Routes.applicationGuildCommands(discord.clientId, discord.guildId)
    : Routes.applicationCommands(discord.clientId);
  let registered: { name: string }[];
  try {
    registered = (await rest.put(route, { body: commands.map((command) => registrationBody(command.data)) })) as { name: string }[];
  } catch (error) {
    if (!(error instanceof DiscordAPIError) || ![401, 403, 404].includes(error.status)) throw error;
    throw new KijiError(ErrorCodes.CONFIG_INVALID, `Discord refused the registration (${error.status} ${error.message}).`, {
      cause: error,
      hint:
        error.status === 401
          ? 'The token was rejected: reset it in the developer portal (Bot > Reset Token) and update DISCORD_TOKEN.'
          : "Check that DISCORD_CLIENT_ID is this bot's Application ID and that the bot was invited to DISCORD_GUILD_ID with the applications.commands scope.",
    });
  }
  return { scope: discord.guildId ? 'guild' : 'global', names: registered.map((command) => command.name) };
}
