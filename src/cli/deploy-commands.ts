import { loadDotenv } from '../config/env.js';
import { loadDiscordSettings } from '../config/discord.js';
import { deployCommands } from '../discord/deploy.js';
import { runMain } from './run.js';

/** `npm run deploy-commands`: registers every slash command (src/discord/commands/index.ts) with Discord. */
runMain(async () => {
  loadDotenv();
  const discord = loadDiscordSettings(process.env);
  const result = await deployCommands(discord);
  const where =
    result.scope === 'guild'
      ? `in guild ${discord.guildId} (available now)`
      : 'globally (they can take up to an hour to appear; set DISCORD_GUILD_ID for instant registration in one server)';
  process.stdout.write(`Registered ${result.names.length} commands (${result.names.map((n) => `/${n}`).join(', ')}) ${where}.\n`);
});
