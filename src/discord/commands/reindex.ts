import { MessageFlags, PermissionFlagsBits } from 'discord.js';
import type { BuildReport } from '../../retrieval/types.js';
import { describeProblem } from '../../articles/load.js';
import { quiet, type Command, type CommandDefinition } from '../command.js';
import { cutEnd, escapeText } from '../excerpt.js';
import { discordLimits } from '../messages.js';
import { stringsFor } from '../strings.js';

const data = {
  name: 'reindex',
  description: 'Rebuild the index from the articles folder (Manage Server only).',
  description_localizations: { ja: '記事フォルダーから索引を再構築します（サーバー管理権限が必要）' },
  // Hidden from members without Manage Server by default; checked again at run time because
  // server admins can grant the command to anyone in Integrations settings.
  default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
} as const satisfies CommandDefinition;

/** Problems with the articles, one line each, escaped: paths and reasons come from files on disk, not from us. */
function skippedLines(report: BuildReport): string[] {
  return report.skipped.map((problem) => `- ${escapeText(describeProblem(problem))}`);
}

export default {
  data,
  async execute(interaction, context) {
    const strings = stringsFor(interaction.locale);
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
      await interaction.reply(quiet({ content: strings.reindexForbidden, flags: MessageFlags.Ephemeral }));
      return { outcome: 'forbidden' };
    }
    if (context.reindexing) {
      await interaction.reply(quiet({ content: strings.reindexBusy, flags: MessageFlags.Ephemeral }));
      return { outcome: 'busy' };
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    // The library keeps answering from the old index until the new one is swapped in.
    const rebuild = context.library.reindex();
    context.reindexing = rebuild;
    let report: BuildReport;
    try {
      report = await rebuild;
    } finally {
      context.reindexing = undefined;
    }
    const text = [strings.reindexDone(report), ...skippedLines(report)].join('\n');
    await interaction.editReply(quiet({ content: cutEnd(text, discordLimits.content) }));
    return { outcome: 'reindexed', results: report.passages };
  },
} satisfies Command<typeof data>;
