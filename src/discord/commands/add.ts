import { ApplicationCommandOptionType, InteractionContextType, PermissionFlagsBits } from 'discord.js';
import { ArticleUpdates } from '../../sources/updates.js';
import { argumentsOf, type Command, type CommandDefinition } from '../command.js';
import { addedLine, answer, orRefusal, privately, updatesFor, updateStringsFor } from '../updates-replies.js';

const data = {
  name: 'add',
  description: 'Index one article: a web page, or an uploaded .txt/.md/.jsonl/.html file (Manage Server only).',
  description_localizations: { ja: 'ウェブページかアップロードしたファイルの記事を索引に追加します（サーバー管理権限が必要）' },
  // Hidden from members without Manage Server by default, and checked again at run time (see updatesFor).
  default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
  contexts: [InteractionContextType.Guild],
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'url',
      description: 'Address of the article page (give this or file)',
      description_localizations: { ja: '記事ページのアドレス（url か file のどちらか）' },
      max_length: 2000,
    },
    {
      type: ApplicationCommandOptionType.Attachment,
      name: 'file',
      description: 'An article file: .txt, .md, .jsonl or .html (give this or url)',
      description_localizations: { ja: '記事ファイル: .txt / .md / .jsonl / .html（url か file のどちらか）' },
    },
  ],
} as const satisfies CommandDefinition;

const oneOf = {
  en: 'Give exactly one of `url` (a web page) or `file` (an uploaded .txt, .md, .jsonl or .html file).',
  ja: '`url`（ウェブページ）か `file`（.txt / .md / .jsonl / .html のファイル）のどちらか一つを指定してください。',
};

export default {
  data,
  async execute(interaction, context) {
    const updates = await updatesFor(interaction, context);
    if (!(updates instanceof ArticleUpdates)) return updates;
    const strings = updateStringsFor(interaction.locale);
    const url = argumentsOf(interaction, data).url?.trim();
    const file = interaction.options.getAttachment('file');
    if (Boolean(url) === Boolean(file)) {
      await answer(interaction, interaction.locale?.startsWith('ja') ? oneOf.ja : oneOf.en);
      return { outcome: 'refused' };
    }
    return orRefusal(interaction, async () => {
      // The wrong type or size of a file is known before anything is fetched: refused at once, not deferred.
      if (file) updates.checkAttachment(file.name, file.size);
      // A fetch and an index update take seconds.
      await interaction.deferReply(privately);
      const added = url ? [await updates.addUrl(url)] : await updates.addAttachment(file!.name, file!.url, file!.size);
      await answer(interaction, added.map((article) => addedLine(article, strings)).join('\n'));
      return { outcome: added.some((a) => a.outcome === 'added' || a.outcome === 'changed') ? 'updated' : 'shown', results: added.length };
    });
  },
} satisfies Command<typeof data>;
