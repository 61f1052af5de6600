import { MessageFlags, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import { quiet, type BotContext, type Outcome } from './command.js';
import type { PressLimit } from './cooldown.js';
import { buildTag, decodeButton, type ButtonState } from './custom-id.js';
import { handleReason, handleVote } from './feedback.js';
import { handleFollowButton, handleFollowUp } from './followup.js';
import { answerMessage, nothingRelevantText, passageMessage, questionOf, sourcesMessage } from './messages.js';
import { stringsFor, type Strings } from './strings.js';
import { filterFromTag, filterLine } from './filters.js';
import type { SearchFilter } from '../retrieval/types.js';

async function refuse(interaction: ButtonInteraction, text: string): Promise<Outcome> {
  await interaction.reply(quiet({ content: text, flags: MessageFlags.Ephemeral }));
  return { outcome: 'stale' };
}

/** Every `custom_id` in a message's components, at any depth (action rows, and the newer layout components). */
function customIdsOf(components: readonly unknown[]): string[] {
  return components.flatMap((component) => {
    const json = (component as { toJSON?: () => unknown }).toJSON?.() ?? component;
    const { custom_id: id, components: inner } = json as { custom_id?: unknown; components?: unknown };
    return [...(typeof id === 'string' ? [id] : []), ...(Array.isArray(inner) ? customIdsOf(inner) : [])];
  });
}

/** The 👍 / 👎 and Follow up buttons of an answer, kept on its other pages. */
function conversationOf(components: readonly unknown[]): { questionId?: number; followUp?: boolean } {
  const states = customIdsOf(components).map(decodeButton);
  const vote = states.find((state) => state?.kind === 'vote');
  return {
    ...(vote?.kind === 'vote' ? { questionId: vote.questionId } : {}),
    ...(states.some((state) => state?.kind === 'follow') ? { followUp: true } : {}),
  };
}

/**
 * Handles a press on one of the bot's buttons. Everything needed is in the customId and the message
 * the button sits on, so presses work across restarts; a button made from another index build, or
 * one this version does not know, gets a polite private note instead. A user pressing faster than
 * `presses` allows gets a short private note and no search.
 */
export async function handleButton(interaction: ButtonInteraction, context: BotContext, presses: PressLimit): Promise<Outcome> {
  const strings = stringsFor(interaction.locale);
  const wait = presses.take(interaction.user.id);
  if (wait > 0) {
    await interaction.reply(quiet({ content: strings.buttonCooldown(wait), flags: MessageFlags.Ephemeral }));
    return { outcome: 'cooldown' };
  }
  // Discord only sends presses of buttons on the message, which the bot made with offsets and ranks
  // inside the answer's own results; an id that is not there was made up, and is not searched.
  if (!customIdsOf(interaction.message.components).includes(interaction.customId)) return refuse(interaction, strings.unknownButton);
  const state = decodeButton(interaction.customId);
  if (!state) return refuse(interaction, strings.unknownButton);
  if (state.kind === 'vote') return handleVote(interaction, context, state);
  // Modal ids are never on a button.
  if (state.kind === 'why' || state.kind === 'then') return refuse(interaction, strings.unknownButton);
  if (state.kind === 'sources') {
    const articles = context.library.articles();
    await interaction.update(quiet(sourcesMessage(articles, state.page, strings)));
    return { outcome: 'shown', results: articles.length };
  }
  // A rank names a place in the results as they were: after any change to the index it may be another passage.
  if (state.kind === 'rank' && state.build !== buildTag(context.library.buildId)) return refuse(interaction, strings.staleButton);

  if (state.kind === 'full') {
    const passage = context.library.passage(state.passageId);
    if (!passage) return refuse(interaction, strings.passageGone);
    await interaction.reply(quiet({ ...passageMessage(passage, strings), flags: MessageFlags.Ephemeral }));
    return { outcome: 'shown', results: 1 };
  }

  const question = questionOf(interaction.message.embeds, state.question);
  if (question === undefined) return refuse(interaction, strings.staleButton);
  if (state.kind === 'follow') return handleFollowButton(interaction, state);
  // The answer's filter, which every page and paragraph of it keeps.
  const kept = filterFromTag(state.filter, context.library);
  if (!kept) return refuse(interaction, strings.staleButton);
  const { filter } = kept;
  if (state.kind === 'rank') {
    const response = await context.searches.run(
      () => context.library.search(question, { k: 1, offset: state.rank - 1, ...(filter ? { filter } : {}) }),
      () => interaction.deferReply({ flags: MessageFlags.Ephemeral }),
    );
    const passage = response.results[0]?.passage;
    const body = passage ? passageMessage(passage, strings) : { content: strings.passageGone };
    await (interaction.deferred ? interaction.editReply(quiet(body)) : interaction.reply(quiet({ ...body, flags: MessageFlags.Ephemeral })));
    return { outcome: passage ? 'shown' : 'stale', results: response.results.length };
  }
  return showPage(interaction, context, strings, question, state, filter);
}

/** Handles the submit of one of the bot's modals (the 👎 reason, a follow-up question); anything else gets the expired-button note. */
export async function handleModal(interaction: ModalSubmitInteraction, context: BotContext): Promise<Outcome> {
  const state = decodeButton(interaction.customId);
  if (state?.kind === 'why') return handleReason(interaction, context, state);
  if (state?.kind === 'then') return handleFollowUp(interaction, context, state);
  await interaction.reply(quiet({ content: stringsFor(interaction.locale).unknownButton, flags: MessageFlags.Ephemeral }));
  return { outcome: 'stale' };
}

/** Replaces the answer in place with results `offset`… (Previous / More). */
async function showPage(
  interaction: ButtonInteraction,
  context: BotContext,
  strings: Strings,
  question: string,
  { offset, k, filter: tag }: Extract<ButtonState, { kind: 'page' }>,
  filter: SearchFilter | undefined,
): Promise<Outcome> {
  const response = await context.searches.run(
    () => context.library.search(question, { k, offset, ...(filter ? { filter } : {}) }),
    () => interaction.deferUpdate(),
  );
  const line = filterLine(filter, context.library, strings);
  if (response.results.length === 0) {
    const note = quiet({ content: nothingRelevantText(response, strings, line), flags: MessageFlags.Ephemeral });
    await (interaction.deferred ? interaction.followUp(note) : interaction.reply(note));
    return { outcome: 'nothing', results: 0 };
  }
  const conversation = conversationOf(interaction.message.components);
  const body = answerMessage({
    question,
    response,
    offset,
    k,
    buildId: context.library.buildId,
    strings,
    ...conversation,
    ...(filter && tag ? { filter: { tag, line } } : {}),
  });
  // The answer is replaced in place: in the first response (update) unless the search was deferred.
  await (interaction.deferred ? interaction.editReply(quiet(body)) : interaction.update(quiet(body)));
  return { outcome: 'answered', results: response.results.length };
}
