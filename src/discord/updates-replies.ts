/**
 * What /add, /remove and /feeds share: the Manage Server check, the private reply, and the text of
 * their replies in English and Japanese. Titles, names, URLs and reasons come from the web or from
 * members: always escaped, never a ping.
 */
import { MessageFlags, PermissionFlagsBits, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { isKijiError, describeError } from '../errors.js';
import type { AddedArticle } from '../sources/updates.js';
import type { ArticleUpdates } from '../sources/updates.js';
import { quiet, type BotContext, type Outcome } from './command.js';
import { cutEnd, escapeText, fitEscaped } from './excerpt.js';
import { discordLimits } from './messages.js';

const en = {
  forbidden: 'Only members with the Manage Server permission can change the articles and feeds.',
  unavailable: 'This bot was started without an articles folder of its own, so it cannot add or remove articles.',
  refused: (reason: string) => `Nothing was changed: ${reason}`,
  outcome: {
    added: 'Indexed',
    changed: 'Updated (the text changed since it was indexed)',
    unchanged: 'Already indexed, unchanged',
    duplicate: 'Already indexed (the same story)',
  } as Record<AddedArticle['outcome'], string>,
  paragraphs: (n: number) => `${n} paragraph${n === 1 ? '' : 's'}`,
  undated: 'no date',
  namesakes: (titles: string) => `Added beside ${titles}, uploaded earlier in a file of the same name (a new title makes a new article); /remove the old one if this replaces it.`,
};

type UpdateStrings = typeof en;

const ja: UpdateStrings = {
  forbidden: '記事とフィードの変更は「サーバー管理」権限を持つメンバーだけができます。',
  unavailable: 'このボットは自分の記事フォルダーなしで起動しているため、記事の追加や削除はできません。',
  refused: (reason) => `何も変更していません: ${reason}`,
  outcome: { added: '索引に追加', changed: '更新（索引後に本文が変わっていました）', unchanged: '索引済み（変更なし）', duplicate: '索引済み（同じ記事）' },
  paragraphs: (n) => `${n}段落`,
  undated: '日付なし',
  namesakes: (titles) => `同じ名前のファイルで先にアップロードされた ${titles} も残しています（題名が違うと別の記事になります）。置き換える場合は古い方を /remove してください。`,
};

export function updateStringsFor(locale: string | undefined): UpdateStrings {
  return locale?.startsWith('ja') ? ja : en;
}

export const privately = { flags: MessageFlags.Ephemeral } as const;

/**
 * The article updates when the member may use them; otherwise replies privately why not and returns
 * the outcome to log. Checked at run time although the commands are registered for Manage Server
 * only, because server admins can grant a command to anyone in Integrations settings.
 */
export async function updatesFor(interaction: ChatInputCommandInteraction, context: BotContext): Promise<ArticleUpdates | Outcome> {
  const strings = updateStringsFor(interaction.locale);
  if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) {
    await interaction.reply(quiet({ content: strings.forbidden, ...privately }));
    return { outcome: 'forbidden' };
  }
  if (!context.updates) {
    await interaction.reply(quiet({ content: strings.unavailable, ...privately }));
    return { outcome: 'refused' };
  }
  return context.updates;
}

/** Whether autocomplete may show this member anything (the same rule as running the command). */
export function mayUpdate(interaction: AutocompleteInteraction, context: BotContext): context is BotContext & { updates: ArticleUpdates } {
  return interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) === true && context.updates !== undefined;
}

/** Sends the private reply: the first response, or the edit of a deferred one. */
export async function answer(interaction: ChatInputCommandInteraction, text: string): Promise<void> {
  const content = cutEnd(text, discordLimits.content);
  if (interaction.deferred) await interaction.editReply(quiet({ content }));
  else await interaction.reply(quiet({ content, ...privately }));
}

/**
 * Runs `task`; a KijiError (a refused URL, a page without an article, a file too large) becomes the
 * one-line private reason. Other errors are bugs: they go up to the bot's apology and log line.
 */
export async function orRefusal(interaction: ChatInputCommandInteraction, task: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await task();
  } catch (error) {
    if (!isKijiError(error)) throw error;
    await answer(interaction, updateStringsFor(interaction.locale).refused(escapeText(describeError(error))));
    return { outcome: 'refused' };
  }
}

/** `2026-01-20` for a readable date, the text as given otherwise. */
export function shownDate(published: string | undefined, strings: UpdateStrings): string {
  if (!published) return strings.undated;
  const time = Date.parse(published);
  return Number.isNaN(time) ? fitEscaped(published, 40) : new Date(time).toISOString().slice(0, 10);
}

/** `Indexed: **Title** · 2026-01-20 · 5 paragraphs` and the link on the next line, suppressed from unfurling. */
export function addedLine(article: AddedArticle, strings: UpdateStrings): string {
  const head = `${strings.outcome[article.outcome]}: **${fitEscaped(article.title, 200)}** · ${shownDate(article.published, strings)} · ${strings.paragraphs(article.paragraphs)}`;
  const namesakes = article.namesakes?.length ? `\n${strings.namesakes(article.namesakes.slice(0, 3).map((t) => `“${fitEscaped(t, 80)}”`).join(', '))}` : '';
  return (article.url && /^https?:\/\//i.test(article.url) && !/[\s<>]/.test(article.url) ? `${head}\n<${article.url}>` : head) + namesakes;
}
