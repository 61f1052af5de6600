import { ApplicationCommandOptionType, InteractionContextType, PermissionFlagsBits } from 'discord.js';
import { ArticleUpdates } from '../../sources/updates.js';
import { argumentsOf, type Command, type CommandDefinition } from '../command.js';
import { cutEnd, fitEscaped } from '../excerpt.js';
import { answer, mayUpdate, privately, updatesFor } from '../updates-replies.js';

const data = {
  name: 'remove',
  description: 'Remove an article added with /add or by a feed (Manage Server only).',
  description_localizations: { ja: '/add やフィードで追加した記事を削除します（サーバー管理権限が必要）' },
  default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
  contexts: [InteractionContextType.Guild],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'article',
      description: 'Title of the article (pick one of the suggestions)',
      description_localizations: { ja: '記事のタイトル（候補から選んでください）' },
      required: true,
      autocomplete: true,
    },
  ],
} as const satisfies CommandDefinition;

/** Discord shows at most 25 suggestions, each name and value at most 100 characters. */
const suggestionsMax = 25;
const choiceMax = 100;

const en = {
  removed: (title: string) => `Removed: **${title}**. The index no longer cites it.`,
  byHand: (title: string) =>
    `**${title}** was not added by kiji (with /add or a feed): it comes from a file placed in the articles folder. Remove that file by hand, then run /reindex.`,
  missing: (typed: string) => `No article added with /add or a feed is called "${typed}". Pick one of the suggestions while typing.`,
};

const ja: typeof en = {
  removed: (title) => `削除しました: **${title}**。今後は引用されません。`,
  byHand: (title) => `**${title}** は kiji が（/add やフィードで）追加した記事ではなく、記事フォルダーに置かれたファイルの記事です。そのファイルを手で削除してから /reindex を実行してください。`,
  missing: (typed) => `/add やフィードで追加した記事に「${typed}」はありません。入力中に表示される候補から選んでください。`,
};

export default {
  data,
  async execute(interaction, context) {
    const updates = await updatesFor(interaction, context);
    if (!(updates instanceof ArticleUpdates)) return updates;
    const strings = interaction.locale?.startsWith('ja') ? ja : en;
    const typed = argumentsOf(interaction, data).article;
    // Removing is a file write plus an index update: seconds.
    await interaction.deferReply(privately);
    const removed = await updates.remove(typed);
    if (removed) {
      await answer(interaction, strings.removed(fitEscaped(removed.title, 300)));
      return { outcome: 'updated', results: 1 };
    }
    const indexed = context.library.articles().find((a) => a.id === typed || a.title === typed.trim());
    await answer(interaction, indexed ? strings.byHand(fitEscaped(indexed.title, 300)) : strings.missing(fitEscaped(typed, 200)));
    return { outcome: 'refused' };
  },
  async autocomplete(interaction, context) {
    if (!mayUpdate(interaction, context)) return void (await interaction.respond([]));
    const typed = interaction.options.getFocused().trim().toLowerCase();
    const choices = context.updates
      .removable()
      .filter((a) => a.title.toLowerCase().includes(typed))
      .slice(0, suggestionsMax)
      .map((a) => ({ name: cutEnd(a.title, choiceMax), value: a.id }));
    await interaction.respond(choices);
  },
} satisfies Command<typeof data>;
