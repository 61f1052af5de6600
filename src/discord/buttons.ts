import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { quiet, type BotContext, type Outcome } from './command.js';
import { buildTag, decodeButton } from './custom-id.js';
import { answerMessage, nothingRelevantText, passageMessage, questionOf, sourcesMessage } from './messages.js';
import { stringsFor, type Strings } from './strings.js';

async function refuse(interaction: ButtonInteraction, text: string): Promise<Outcome> {
  await interaction.reply(quiet({ content: text, flags: MessageFlags.Ephemeral }));
  return { outcome: 'stale' };
}

/**
 * Handles a press on one of the bot's buttons. Everything needed is in the customId and the message
 * the button sits on, so presses work across restarts; a button made from another index build, or
 * one this version does not know, gets a polite private note instead.
 */
export async function handleButton(interaction: ButtonInteraction, context: BotContext): Promise<Outcome> {
  const strings = stringsFor(interaction.locale);
  const state = decodeButton(interaction.customId);
  if (!state) return refuse(interaction, strings.unknownButton);
  if (state.kind === 'sources') {
    const articles = context.library.articles();
    await interaction.update(quiet(sourcesMessage(articles, state.page, strings)));
    return { outcome: 'shown', results: articles.length };
  }
  if (state.build !== buildTag(context.library.buildId)) return refuse(interaction, strings.staleButton);

  if (state.kind === 'full') {
    const passage = context.library.passage(state.passageId);
    if (!passage) return refuse(interaction, strings.passageGone);
    await interaction.reply(quiet({ ...passageMessage(passage, strings), flags: MessageFlags.Ephemeral }));
    return { outcome: 'shown', results: 1 };
  }

  const question = questionOf(interaction.message.embeds, state.question);
  if (question === undefined) return refuse(interaction, strings.staleButton);
  if (state.kind === 'rank') {
    const response = await context.searches.run(
      () => context.library.search(question, { k: 1, offset: state.rank - 1 }),
      () => interaction.deferReply({ flags: MessageFlags.Ephemeral }),
    );
    const passage = response.results[0]?.passage;
    const body = passage ? passageMessage(passage, strings) : { content: strings.passageGone };
    await (interaction.deferred ? interaction.editReply(quiet(body)) : interaction.reply(quiet({ ...body, flags: MessageFlags.Ephemeral })));
    return { outcome: passage ? 'shown' : 'stale', results: response.results.length };
  }
  return showPage(interaction, context, strings, question, state.offset, state.k);
}

/** Replaces the answer in place with results `offset`… (Previous / More). */
async function showPage(
  interaction: ButtonInteraction,
  context: BotContext,
  strings: Strings,
  question: string,
  offset: number,
  k: number,
): Promise<Outcome> {
  const response = await context.searches.run(
    () => context.library.search(question, { k, offset }),
    () => interaction.deferUpdate(),
  );
  if (response.results.length === 0) {
    const note = quiet({ content: nothingRelevantText(response, strings), flags: MessageFlags.Ephemeral });
    await (interaction.deferred ? interaction.followUp(note) : interaction.reply(note));
    return { outcome: 'nothing', results: 0 };
  }
  const body = answerMessage({ question, response, offset, k, buildId: context.library.buildId, strings });
  // The answer is replaced in place: in the first response (update) unless the search was deferred.
  await (interaction.deferred ? interaction.editReply(quiet(body)) : interaction.update(quiet(body)));
  return { outcome: 'answered', results: response.results.length };
}
