import { performance } from 'node:perf_hooks';
import { ApplicationCommandOptionType, MessageFlags } from 'discord.js';
import { citedPassages } from '../../questionlog/question-log.js';
import { argumentsOf, quiet, type Command, type CommandDefinition } from '../command.js';
import { normalizeQuestion, questionMax } from '../question.js';
import { answerMessage, nothingRelevantText, type MessageBody } from '../messages.js';
import { stringsFor } from '../strings.js';
import { extended, searchInConversation } from '../followup.js';
import { allowsAnything, articleChoices, dayChoices, filterLine, filterTag, resolveFilter, sourceChoices } from '../filters.js';
import { escapeText } from '../excerpt.js';

// The question's rules are shared with follow-ups (followup.ts).
export { normalizeQuestion, questionMax } from '../question.js';

/** Most excerpts per page: ten fields keep each excerpt readable within the 6000 characters of a message. */
export const kMax = 10;

const data = {
  name: 'ask',
  description: 'Ask a question about the indexed news articles; the answer cites excerpts.',
  description_localizations: { ja: '索引済みのニュース記事について質問します（引用付きで回答）' },
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'question',
      description: 'Your question, in Japanese or English',
      description_localizations: { ja: '質問（日本語または英語）' },
      required: true,
    },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'k',
      description: `How many excerpts to show (1-${kMax})`,
      description_localizations: { ja: `表示する抜粋の数（1～${kMax}）` },
      min_value: 1,
      max_value: kMax,
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: 'private',
      description: 'Only you see the answer',
      description_localizations: { ja: '自分だけに表示する' },
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'source',
      description: 'Only articles from this source',
      description_localizations: { ja: 'この情報源の記事だけから探す' },
      max_length: 100,
      autocomplete: true,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'article',
      description: 'Only this article (type part of its title)',
      description_localizations: { ja: 'この記事だけから探す（タイトルの一部を入力）' },
      max_length: 100,
      autocomplete: true,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'since',
      description: 'Only articles published on or after this day (YYYY-MM-DD)',
      description_localizations: { ja: 'この日以降の記事だけから探す（YYYY-MM-DD）' },
      max_length: 20,
      autocomplete: true,
    },
    {
      type: ApplicationCommandOptionType.String,
      name: 'until',
      description: 'Only articles published on or before this day (YYYY-MM-DD)',
      description_localizations: { ja: 'この日までの記事だけから探す（YYYY-MM-DD）' },
      max_length: 20,
      autocomplete: true,
    },
  ],
} as const satisfies CommandDefinition;

export default {
  data,
  async execute(interaction, context) {
    const started = performance.now();
    const args = argumentsOf(interaction, data);
    const strings = stringsFor(interaction.locale);
    const question = normalizeQuestion(args.question);
    if (!question.text) {
      await interaction.reply(quiet({ content: strings.emptyQuestion, flags: MessageFlags.Ephemeral }));
      return { outcome: 'empty' };
    }
    // Before the cooldown: a mistyped date costs the reader no wait.
    const resolved = resolveFilter(args, context.library, strings);
    if ('problem' in resolved) {
      await interaction.reply(quiet({ content: resolved.problem, flags: MessageFlags.Ephemeral }));
      return { outcome: 'refused' };
    }
    const { filter } = resolved;
    const line = filterLine(filter, context.library, strings);
    if (filter && !allowsAnything(filter, context.library)) {
      await interaction.reply(quiet({ content: strings.filterAllowsNothing(escapeText(line)), flags: MessageFlags.Ephemeral }));
      return { outcome: 'nothing', results: 0 };
    }
    const wait = context.cooldown.take(interaction.user.id);
    if (wait > 0) {
      await interaction.reply(quiet({ content: strings.cooldown(wait), flags: MessageFlags.Ephemeral }));
      return { outcome: 'cooldown' };
    }
    const k = Math.min(args.k ?? context.defaultK, kMax);
    const visibility = args.private ? ({ flags: MessageFlags.Ephemeral } as const) : {};
    // Inside a kiji thread, /ask is one more question of its conversation.
    const conversation = context.conversations.get(interaction.channelId ?? '');
    const { response, note } = await context.searches.run(
      () =>
        conversation
          ? searchInConversation(context, question.text, conversation, k, strings, filter)
          : context.library.search(question.text, { k, offset: 0, ...(filter ? { filter } : {}) }).then((found) => ({ response: found, note: undefined })),
      () => interaction.deferReply(visibility),
    );
    // Answered in the first response unless the search was slow enough to be deferred.
    const send = (body: MessageBody) => (interaction.deferred ? interaction.editReply(quiet(body)) : interaction.reply(quiet({ ...body, ...visibility })));
    // Before the answer is sent, so its 👍 / 👎 buttons can carry the question's id in the log.
    const questionId = context.questionLog.recordQuestion({
      guildId: interaction.guildId,
      channelId: interaction.channelId,
      userId: interaction.user.id,
      question: question.text,
      ...(filter ? { filters: { ...filter } } : {}),
      mode: response.mode,
      private: args.private ?? false,
      results: citedPassages(response.results),
      latencyMs: performance.now() - started,
      ...(conversation && !args.private ? { conversation: interaction.channelId! } : {}),
    });
    if (response.results.length === 0) {
      await send({ content: nothingRelevantText(response, strings, line), embeds: [], components: [] });
      return { outcome: 'nothing', results: 0 };
    }
    const body = answerMessage({
      question: question.text,
      response,
      offset: 0,
      k,
      buildId: context.library.buildId,
      strings,
      ...(question.shortened ? { shortened: { max: questionMax } } : {}),
      ...(questionId === undefined ? {} : { questionId }),
      followUp: true,
      ...(filter ? { filter: { tag: filterTag(filter), line } } : {}),
      ...(conversation ? { paging: false as const, ...(note ? { context: note } : {}) } : {}),
    });
    await send(body);
    if (conversation && !args.private) context.conversations.set(interaction.channelId!, extended(conversation, question.text, response));
    return { outcome: 'answered', results: response.results.length };
  },
  async autocomplete(interaction, context) {
    const focused = interaction.options.getFocused(true);
    const typed = String(focused.value);
    const strings = stringsFor(interaction.locale);
    const choices =
      focused.name === 'source'
        ? sourceChoices(context.library, typed)
        : focused.name === 'article'
          ? articleChoices(context.library, typed, interaction.options.getString('source') ?? undefined)
          : focused.name === 'since' || focused.name === 'until'
            ? dayChoices(context.library, typed, focused.name, strings)
            : [];
    await interaction.respond(choices);
  },
} satisfies Command<typeof data>;
