import { ApplicationCommandOptionType, InteractionContextType, MessageFlags, PermissionFlagsBits, type APIEmbed } from 'discord.js';
import type { GapGroup, Stats } from '../../questionlog/question-log.js';
import { argumentsOf, quiet, type Command, type CommandDefinition } from '../command.js';
import { fitEscaped } from '../excerpt.js';
import { discordLimits } from '../messages.js';

/** Days /stats looks back when none are given, as `npm run report` does. */
export const statsDaysDefault = 7;

const data = {
  name: 'stats',
  description: 'What readers asked and what the articles could not answer (Manage Server only).',
  description_localizations: { ja: '質問の統計と、記事で答えられなかった質問（サーバー管理権限が必要）' },
  // Hidden from members without Manage Server by default, and checked again at run time (see /reindex).
  default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
  // The stats are a server's own: there is no server to show in a DM.
  contexts: [InteractionContextType.Guild],
  options: [
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'days',
      description: `Days to look back (default ${statsDaysDefault})`,
      description_localizations: { ja: `遡る日数（既定 ${statsDaysDefault}日）` },
      min_value: 1,
      max_value: 3650,
    },
  ],
} as const satisfies CommandDefinition;

const en = {
  forbidden: 'Only members with the Manage Server permission can see the question stats.',
  off: 'The question log is off on this bot (QUESTION_LOG=off), so there are no stats to show.',
  title: (days: number) => `Questions of the last ${days} day${days === 1 ? '' : 's'}`,
  summary: (s: Stats) =>
    `Asked: ${s.asked} · answered: ${s.answered}${s.asked > 0 ? ` (${percent(s.answered, s.asked)})` : ''} · 👍 ${s.votes.up} · 👎 ${s.votes.down}`,
  gapsHeading: '**Unanswered or 👎**, most asked first',
  noGaps: 'No unanswered or 👎 questions.',
  gapCounts: (g: GapGroup) => `×${g.times} (unanswered ${g.unanswered}, 👎 ${g.down})`,
  alsoAsked: 'also asked as',
  articlesHeading: 'Most cited articles',
  citedBy: (n: number) => `${n} question${n === 1 ? '' : 's'}`,
  scope: 'This server only',
};

type StatsStrings = typeof en;

const ja: StatsStrings = {
  forbidden: '質問の統計は「サーバー管理」権限を持つメンバーだけが見られます。',
  off: 'このボットでは質問ログがオフ（QUESTION_LOG=off）のため、統計はありません。',
  title: (days) => `過去${days}日間の質問`,
  summary: (s) => `質問: ${s.asked} · 回答あり: ${s.answered}${s.asked > 0 ? `（${percent(s.answered, s.asked)}）` : ''} · 👍 ${s.votes.up} · 👎 ${s.votes.down}`,
  gapsHeading: '**答えられなかった質問・👎の付いた質問**（多い順）',
  noGaps: '答えられなかった質問や👎の付いた質問はありません。',
  gapCounts: (g) => `×${g.times}（該当なし ${g.unanswered}、👎 ${g.down}）`,
  alsoAsked: '別の聞き方',
  articlesHeading: 'よく引用された記事',
  citedBy: (n) => `${n}件の質問`,
  scope: 'このサーバーのみ',
};

function percent(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)}%`;
}

/** Room for one question, one variant or one reason: a long one still leaves room for the others. */
const quoteMax = 200;

/** A group as a few lines: the question with its counts, other wordings, then the 👎 reasons. */
function gapLines(gap: GapGroup, n: number, strings: StatsStrings): string {
  const lines = [`${n}. ${fitEscaped(gap.question, quoteMax)} — ${strings.gapCounts(gap)}`];
  if (gap.variants.length > 0) lines.push(`  ${strings.alsoAsked}: ${gap.variants.map((v) => fitEscaped(v, quoteMax / 2)).join(' · ')}`);
  for (const reason of gap.reasons) lines.push(`  👎 ${fitEscaped(reason, quoteMax)}`);
  return lines.join('\n');
}

/**
 * The stats as one embed: counts, then the grouped unanswered or 👎 questions in the description
 * (as many groups as fit), the most cited articles in a field. Every question, reason and title is
 * reader or article text: escaped, and cut to fit.
 */
export function statsEmbed(stats: Stats, strings: StatsStrings): APIEmbed {
  const head = [strings.summary(stats), '', strings.gapsHeading];
  const description = head.join('\n');
  const groups = stats.gaps.map((gap, i) => gapLines(gap, i + 1, strings));
  let text = stats.gaps.length === 0 ? `${description}\n${strings.noGaps}` : description;
  for (const group of groups) {
    if (text.length + 1 + group.length > discordLimits.description) break;
    text += `\n${group}`;
  }
  const embed: APIEmbed = { title: strings.title(stats.days), description: text, footer: { text: strings.scope } };
  if (stats.topArticles.length > 0) {
    const room = Math.floor(discordLimits.fieldValue / stats.topArticles.length) - 40;
    embed.fields = [
      {
        name: strings.articlesHeading,
        value: stats.topArticles
          .map((article, i) => `${i + 1}. ${fitEscaped(article.title ?? article.articleId, room)} — ${strings.citedBy(article.questions)}`)
          .join('\n'),
      },
    ];
  }
  return embed;
}

export default {
  data,
  async execute(interaction, context) {
    const strings = interaction.locale?.startsWith('ja') ? ja : en;
    const privately = { flags: MessageFlags.Ephemeral } as const;
    if (!interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) || !interaction.guildId) {
      await interaction.reply(quiet({ content: strings.forbidden, ...privately }));
      return { outcome: 'forbidden' };
    }
    if (!context.questionLog.enabled) {
      await interaction.reply(quiet({ content: strings.off, ...privately }));
      return { outcome: 'shown', results: 0 };
    }
    const days = argumentsOf(interaction, data).days ?? statsDaysDefault;
    const titles = new Map(context.library.articles().map((article) => [article.id, article.title]));
    const stats = context.questionLog.stats({ days, guildId: interaction.guildId, titleOf: (id) => titles.get(id) });
    await interaction.reply(quiet({ embeds: [statsEmbed(stats, strings)], ...privately }));
    return { outcome: 'shown', results: stats.asked };
  },
} satisfies Command<typeof data>;
