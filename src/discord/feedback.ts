import { ComponentType, MessageFlags, TextInputStyle, type ButtonInteraction, type ModalSubmitInteraction } from 'discord.js';
import { reasonMax } from '../questionlog/question-log.js';
import { quiet, type BotContext, type Outcome } from './command.js';
import { encodeButton, type ButtonState } from './custom-id.js';
import { cutEnd } from './excerpt.js';
import { stringsFor } from './strings.js';

type Vote = Extract<ButtonState, { kind: 'vote' }>;
type Why = Extract<ButtonState, { kind: 'why' }>;

/** The text field of the 👎 modal. */
export const reasonField = 'reason';
/** Discord's limit on a modal's title. */
const modalTitleMax = 45;

/**
 * A 👍 / 👎 press: recorded at once, so a 👎 counts even when its modal is dismissed. 👍 is
 * acknowledged privately; 👎 opens the optional "What was wrong?" modal instead, whose submit adds the reason.
 */
export async function handleVote(interaction: ButtonInteraction, context: BotContext, state: Vote): Promise<Outcome> {
  const strings = stringsFor(interaction.locale);
  const recorded = context.questionLog.recordFeedback(state.questionId, interaction.user.id, state.vote);
  if (!recorded || state.vote === 'up') {
    await interaction.reply(quiet({ content: recorded ? strings.feedbackThanks : strings.feedbackGone, flags: MessageFlags.Ephemeral }));
    return { outcome: recorded ? 'shown' : 'stale' };
  }
  await interaction.showModal({
    custom_id: encodeButton({ kind: 'why', questionId: state.questionId, vote: 'down' })!,
    title: cutEnd(strings.feedbackTitle, modalTitleMax),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: reasonField,
            style: TextInputStyle.Paragraph,
            label: cutEnd(strings.feedbackLabel, modalTitleMax),
            required: false,
            max_length: reasonMax,
          },
        ],
      },
    ],
  });
  return { outcome: 'shown' };
}

/** The 👎 modal's submit: the vote again, now with the reader's reason (empty: none). */
export async function handleReason(interaction: ModalSubmitInteraction, context: BotContext, state: Why): Promise<Outcome> {
  const strings = stringsFor(interaction.locale);
  const text = textInput(interaction, reasonField).replace(/\s+/g, ' ').trim();
  const recorded = context.questionLog.recordFeedback(state.questionId, interaction.user.id, 'down', text ? cutEnd(text, reasonMax) : undefined);
  await interaction.reply(quiet({ content: recorded ? strings.feedbackThanks : strings.feedbackGone, flags: MessageFlags.Ephemeral }));
  return { outcome: recorded ? 'shown' : 'stale' };
}

/** A text field of a modal submit, empty when absent (a modal of another version). */
export function textInput(interaction: ModalSubmitInteraction, customId: string): string {
  try {
    return interaction.fields.getTextInputValue(customId) ?? '';
  } catch {
    return '';
  }
}
