import { ApplicationCommandOptionType } from 'discord.js';
import { argumentsOf, quiet, type Command, type CommandDefinition } from '../command.js';
import { sourcesMessage } from '../messages.js';
import { stringsFor } from '../strings.js';

const data = {
  name: 'sources',
  description: 'List the indexed articles (title, source, date, passages).',
  description_localizations: { ja: '索引済みの記事を一覧表示します' },
  options: [
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'page',
      description: 'Page to show (10 articles a page)',
      description_localizations: { ja: '表示するページ（1ページ10件）' },
      min_value: 1,
    },
  ],
} as const satisfies CommandDefinition;

export default {
  data,
  async execute(interaction, context) {
    const args = argumentsOf(interaction, data);
    const articles = context.library.articles();
    // The list is in memory: no deferral needed.
    await interaction.reply(quiet(sourcesMessage(articles, args.page ?? 1, stringsFor(interaction.locale))));
    return { outcome: 'shown', results: articles.length };
  },
} satisfies Command<typeof data>;
