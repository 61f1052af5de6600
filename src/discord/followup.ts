import { ComponentType, DiscordAPIError, MessageFlags, Routes, TextInputStyle, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import { citedPassages } from '../questionlog/question-log.js';
import { conversationSearch } from '../retrieval/conversation.js';
import { searchConversation } from '../retrieval/conversation-search.js';
import type { SearchFilter, SearchResponse } from '../retrieval/types.js';
import { allowedMentions, quiet, type BotContext, type Outcome } from './command.js';
import { normalizeQuestion, questionMax } from './question.js';
import { decodeButton, encodeButton, type ButtonState } from './custom-id.js';
import { cutEnd } from './excerpt.js';
import { filterFromTag, filterLine } from './filters.js';
import { textInput } from './feedback.js';
import { answerMessage, nothingRelevantText, questionOf, type MessageBody } from './messages.js';
import { stringsFor, type Strings } from './strings.js';
import { citedKept, earlierKept, type Conversation } from './conversations.js';

/** Discord's limits on a thread's name and a modal's title. */
const threadNameMax = 100;
const modalTextMax = 45;
export const followUpField = 'question';

/** `conversation` with one more question and its answer's articles. */
export function extended(conversation: Conversation, question: string, response: SearchResponse): Conversation {
  return {
    earlier: [...conversation.earlier, question].slice(-earlierKept),
    citedArticles: [...new Set([...response.results.map((r) => r.passage.articleId), ...conversation.citedArticles])].slice(0, citedKept),
    citedTitles: [...new Set([...response.results.map((r) => r.passage.title), ...conversation.citedTitles])].slice(0, citedKept),
  };
}

/** The question searched in its conversation, and the line saying what context was used (none when there was none). */
export async function searchInConversation(
  context: BotContext,
  question: string,
  conversation: Conversation,
  k: number,
  strings: Strings,
  filter?: SearchFilter,
): Promise<{ response: SearchResponse; note?: string }> {
  const plan = conversationSearch({ question, ...conversation });
  const response = await searchConversation((q, o) => context.library.search(q, o), plan, { k, ...(filter ? { filter } : {}) });
  const quoted = (text: string) => `“${cutEnd(text, 120)}”`;
  const used = plan.queries.slice(1).flatMap((query) => (query.articleIds ? [] : [quoted(query.text)]));
  const lines = [...(plan.rewritten ? [strings.followUpReadAs(quoted(plan.rewritten))] : []), ...(used.length > 0 ? [strings.followUpContext(used.join(' · '))] : [])];
  return { response, ...(lines.length > 0 ? { note: lines.join(' · ') } : {}) };
}

/** "Follow up" pressed: the modal for the next question. The answer it follows is read again at submit. */
export async function handleFollowButton(interaction: ButtonInteraction, state: Extract<ButtonState, { kind: 'follow' }>): Promise<Outcome> {
  const strings = stringsFor(interaction.locale);
  await interaction.showModal({
    custom_id: encodeButton({ kind: 'then', build: state.build, question: state.question, ...(state.filter ? { filter: state.filter } : {}) })!,
    title: cutEnd(strings.followUpTitle, modalTextMax),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: followUpField,
            style: TextInputStyle.Paragraph,
            label: cutEnd(strings.followUpLabel, modalTextMax),
            placeholder: strings.followUpPlaceholder,
            required: true,
            max_length: questionMax,
          },
        ],
      },
    ],
  });
  return { outcome: 'shown' };
}

/** The decoded buttons of a message. */
function buttonsOf(components: readonly unknown[]): ButtonState[] {
  const ids = components.flatMap((row) => ((row as { components?: { custom_id?: string; customId?: string }[] }).components ?? []).map((c) => c.custom_id ?? c.customId ?? ''));
  return ids.flatMap((id) => decodeButton(id) ?? []);
}

/** The conversation an answer message starts: its question, and the articles it cites (from its full-paragraph buttons). */
function conversationOf(question: string, components: readonly unknown[], context: BotContext): Conversation {
  const passages = buttonsOf(components).flatMap((state) => {
    const passage = state.kind === 'full' ? context.library.passage(state.passageId) : undefined;
    return passage ? [passage] : [];
  });
  return { earlier: [question], citedArticles: [...new Set(passages.map((p) => p.articleId))], citedTitles: [...new Set(passages.map((p) => p.title))] };
}

/** The question log's id of the question an answer message answers, from its 👍 / 👎 buttons. */
function questionIdOf(components: readonly unknown[]): number | undefined {
  return buttonsOf(components).flatMap((state) => (state.kind === 'vote' ? [state.questionId] : []))[0];
}

/** Why the thread could not be used: Discord refused (no permission, DM, thread in a thread…). */
function refusedThread(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.status >= 400 && error.status < 500;
}

/**
 * A follow-up question submitted from the modal of an answer's "Follow up" button. Searched with its
 * conversation (the thread's, or the answer's own question and citations), and answered in a thread
 * started from that answer (or in it, when the answer is already in a kiji thread); privately where a
 * thread cannot be: a private answer, a DM, or Discord refusing the thread.
 */
export async function handleFollowUp(interaction: ModalSubmitInteraction, context: BotContext, state: Extract<ButtonState, { kind: 'then' }>): Promise<Outcome> {
  const started = performance.now();
  const strings = stringsFor(interaction.locale);
  const privately = { flags: MessageFlags.Ephemeral } as const;
  const question = normalizeQuestion(textInput(interaction, followUpField));
  const answer = interaction.message;
  const earlierQuestion = answer ? questionOf(answer.embeds, state.question) : undefined;
  // The answer's filter holds for its follow-ups.
  const kept = filterFromTag(state.filter, context.library);
  if (!question.text || !answer || earlierQuestion === undefined || !kept) {
    await interaction.reply(quiet({ content: question.text ? strings.staleButton : strings.emptyQuestion, ...privately }));
    return { outcome: question.text ? 'stale' : 'empty' };
  }
  const { filter } = kept;
  const line = filterLine(filter, context.library, strings);
  // Acknowledged at once: a thread takes two more requests before the answer is in it.
  await interaction.deferReply(privately);
  const inThread = context.conversations.get(interaction.channelId ?? '') !== undefined || interaction.channel?.isThread() === true;
  const threadKey = inThread ? interaction.channelId! : undefined;
  const conversation = (threadKey && context.conversations.get(threadKey)) ||
    context.conversations.get(answer.id) || conversationOf(earlierQuestion, answer.components, context);
  const { response, note } = await searchInConversation(context, question.text, conversation, context.defaultK, strings, filter);
  const canThread = !answer.flags.has(MessageFlags.Ephemeral) && interaction.guildId !== null;

  let threadId = canThread ? threadKey : undefined;
  if (canThread && !threadId) {
    try {
      const thread = (await interaction.client.rest.post(Routes.threads(answer.channelId, answer.id), {
        body: { name: cutEnd(strings.followUpThreadName(earlierQuestion), threadNameMax), auto_archive_duration: 1440 },
      })) as { id: string };
      threadId = thread.id;
    } catch (error) {
      if (!refusedThread(error)) throw error;
    }
  }
  const followed = questionIdOf(answer.components);
  const questionId = context.questionLog.recordQuestion({
    guildId: interaction.guildId,
    channelId: threadId ?? interaction.channelId,
    userId: interaction.user.id,
    question: question.text,
    filters: { conversation: conversation.earlier.slice(-3), ...filter },
    ...(threadId ? { conversation: threadId } : {}),
    ...(followed === undefined ? {} : { follows: followed }),
    mode: response.mode,
    private: threadId === undefined,
    results: citedPassages(response.results),
    latencyMs: performance.now() - started,
  });
  const body: MessageBody =
    response.results.length === 0
      ? { content: nothingRelevantText(response, strings, line), embeds: [], components: [] }
      : answerMessage({
          question: question.text,
          response,
          offset: 0,
          k: context.defaultK,
          buildId: context.library.buildId,
          strings,
          paging: false,
          followUp: true,
          ...(questionId === undefined ? {} : { questionId }),
          ...(note ? { context: note } : {}),
          ...(filter && state.filter ? { filter: { tag: state.filter, line } } : {}),
        });
  const next = extended(conversation, question.text, response);
  if (threadId) {
    await interaction.client.rest.post(Routes.channelMessages(threadId), {
      body: { content: body.content ?? '', embeds: body.embeds, components: body.components, allowed_mentions: allowedMentions },
    });
    context.conversations.set(threadId, next);
    await interaction.editReply(quiet({ content: strings.followUpInThread(threadId) }));
  } else {
    const sent = await interaction.editReply(quiet(body));
    context.conversations.set(sent.id, next);
  }
  return { outcome: response.results.length > 0 ? 'answered' : 'nothing', results: response.results.length };
}
