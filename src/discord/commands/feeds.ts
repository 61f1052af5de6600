import { ApplicationCommandOptionType, InteractionContextType, PermissionFlagsBits } from 'discord.js';
import { ErrorCodes, KijiError } from '../../errors.js';
import { feedDefaults, feedFromUrl, type FeedConfig } from '../../sources/feeds-file.js';
import { ArticleUpdates, type FeedListing } from '../../sources/updates.js';
import { argumentsOf, type Command, type CommandDefinition } from '../command.js';
import { fitEscaped } from '../excerpt.js';
import { answer, orRefusal, privately, updatesFor } from '../updates-replies.js';

const list = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'list',
  description: 'The feeds polled, with their last poll, status and article count',
  description_localizations: { ja: '巡回中のフィード（最終巡回・状態・記事数）' },
} as const;

const add = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'add',
  description: 'Poll a feed (RSS, Atom, RDF or JSON Feed); checked by reading it once',
  description_localizations: { ja: 'フィード（RSS / Atom / RDF / JSON Feed）を巡回に加えます（一度読んで確認）' },
  options: [
    { type: ApplicationCommandOptionType.String, name: 'url', description: 'Address of the feed', description_localizations: { ja: 'フィードのアドレス' }, required: true, max_length: 2000 },
    { type: ApplicationCommandOptionType.String, name: 'name', description: 'Source name its articles are cited with', description_localizations: { ja: '記事の引用に使う配信元の名前' }, required: true, max_length: 100 },
    {
      type: ApplicationCommandOptionType.Integer,
      name: 'interval_minutes',
      description: `Minutes between polls (default ${feedDefaults.intervalMinutes})`,
      description_localizations: { ja: `巡回の間隔（分、既定 ${feedDefaults.intervalMinutes}）` },
      min_value: 1,
      max_value: 1440,
    },
    {
      type: ApplicationCommandOptionType.Boolean,
      name: 'full_text',
      description: "Fetch each item's page for its full text (default yes)",
      description_localizations: { ja: '各記事のページを取得して全文を読む（既定: はい）' },
    },
  ],
} as const;

const remove = {
  type: ApplicationCommandOptionType.Subcommand,
  name: 'remove',
  description: 'Stop polling a feed (its articles stay indexed)',
  description_localizations: { ja: 'フィードの巡回をやめます（記事は索引に残ります）' },
  options: [{ type: ApplicationCommandOptionType.String, name: 'name', description: 'Source name (or address) of the feed', description_localizations: { ja: 'フィードの名前（またはアドレス）' }, required: true }],
} as const;

const data = {
  name: 'feeds',
  description: 'List, add or remove the news feeds the bot polls (Manage Server only).',
  description_localizations: { ja: 'ボットが巡回するニュースフィードの一覧・追加・削除（サーバー管理権限が必要）' },
  default_member_permissions: PermissionFlagsBits.ManageGuild.toString(),
  contexts: [InteractionContextType.Guild],
  options: [list, add, remove],
} as const satisfies CommandDefinition;

const en = {
  none: 'No feeds are polled. Add one with `/feeds add url:<feed address> name:<source name>`.',
  never: 'not polled yet',
  lastPoll: (when: string) => `last poll ${when}`,
  articles: (n: number) => `${n} article${n === 1 ? '' : 's'}`,
  every: (minutes: number) => `every ${minutes} min`,
  added: (name: string, items: number, minutes: number) => `Added the feed **${name}** (${items} item${items === 1 ? '' : 's'} now, polled every ${minutes} min). Its articles are indexed after its first poll.`,
  removed: (name: string) => `Stopped polling **${name}**. Its articles stay indexed; remove one with /remove.`,
  missing: (name: string) => `No feed is called "${name}". See the names with /feeds list.`,
};

const ja: typeof en = {
  none: '巡回中のフィードはありません。`/feeds add url:<フィードのアドレス> name:<配信元の名前>` で追加できます。',
  never: '未巡回',
  lastPoll: (when) => `最終巡回 ${when}`,
  articles: (n) => `${n}件の記事`,
  every: (minutes) => `${minutes}分ごと`,
  added: (name, items, minutes) => `フィード **${name}** を追加しました（現在${items}件、${minutes}分ごとに巡回）。最初の巡回の後に記事が索引に入ります。`,
  removed: (name) => `**${name}** の巡回をやめました。記事は索引に残ります（個別の削除は /remove）。`,
  missing: (name) => `「${name}」という名前のフィードはありません。/feeds list で名前を確認してください。`,
};

/** `**名前** — <https://…/rss.xml>` then `ok · last poll 2026-01-22 01:00 UTC · 3 articles · every 30 min`. */
function feedLines({ feed, state }: FeedListing, strings: typeof en): string {
  const when = state.lastPollAt ? strings.lastPoll(`${state.lastPollAt.slice(0, 16).replace('T', ' ')} UTC`) : strings.never;
  const status = state.status === 'error' && state.error ? `error: ${fitEscaped(state.error, 200)}` : state.status;
  const name = fitEscaped(feed.name ?? state.source ?? feed.url, 100);
  return `**${name}** — <${new URL(feed.url).href}>\n${[status, when, strings.articles(state.articleCount), strings.every(feed.intervalMinutes)].join(' · ')}`;
}

export default {
  data,
  async execute(interaction, context) {
    const updates = await updatesFor(interaction, context);
    if (!(updates instanceof ArticleUpdates)) return updates;
    const strings = interaction.locale?.startsWith('ja') ? ja : en;
    const sub = interaction.options.getSubcommand();
    return orRefusal(interaction, async () => {
      if (sub === 'list') {
        const feeds = await updates.listFeeds();
        await answer(interaction, feeds.length === 0 ? strings.none : feeds.map((f) => feedLines(f, strings)).join('\n'));
        return { outcome: 'shown', results: feeds.length };
      }
      if (sub === 'remove') {
        const name = argumentsOf(interaction, remove).name;
        const removed = await updates.removeFeed(name.trim());
        await answer(interaction, removed ? strings.removed(fitEscaped(removed.name ?? removed.url, 100)) : strings.missing(fitEscaped(name, 100)));
        return { outcome: removed ? 'updated' : 'refused' };
      }
      const args = argumentsOf(interaction, add);
      let feed: FeedConfig;
      try {
        feed = feedFromUrl(args.url.trim());
      } catch {
        throw new KijiError(ErrorCodes.BAD_ARGUMENT, `${args.url} is not an http:// or https:// address.`, { hint: 'Give the address of the feed itself.' });
      }
      feed = { ...feed, name: args.name.trim(), ...(args.interval_minutes ? { intervalMinutes: args.interval_minutes } : {}), ...(args.full_text === undefined ? {} : { fetchFullText: args.full_text }) };
      // The feed is fetched once to check it is one.
      await interaction.deferReply(privately);
      const checked = await updates.addFeed(feed);
      await answer(interaction, strings.added(fitEscaped(args.name.trim(), 100), checked.items, feed.intervalMinutes));
      return { outcome: 'updated', results: checked.items };
    });
  },
} satisfies Command<typeof data>;
