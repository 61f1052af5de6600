/**
 * The optional "New articles" post (NEWS_CHANNEL_ID): titles and links of what a feed poll added.
 * Titles come from the web: escaped, never a ping; links are wrapped in <> so they do not unfurl.
 */
import { Routes, type Client } from 'discord.js';
import type { StoredArticle } from '../sources/article-store.js';
import { cutEnd, fitEscaped } from './excerpt.js';
import { discordLimits } from './messages.js';

/** Titles listed in one post; the rest are counted. */
const listedMax = 10;

/**
 * The post's text, e.g.
 * `**New articles**` / `- 函館港でサケの水揚げが過去10年で最多に — みなと新聞デジタル <https://…/salmon.html>`.
 */
export function newsPost(articles: readonly Pick<StoredArticle, 'title' | 'source' | 'url'>[]): string {
  const lines = articles.slice(0, listedMax).map((a) => {
    const link = /^https?:\/\//i.test(a.url) && !/[\s<>]/.test(a.url) ? ` <${a.url}>` : '';
    return `- ${fitEscaped(a.title, 200)} — ${fitEscaped(a.source, 60)}${link}`;
  });
  if (articles.length > listedMax) lines.push(`… and ${articles.length - listedMax} more (see /sources)`);
  return cutEnd(['**New articles**', ...lines].join('\n'), discordLimits.content);
}

/** Posts `newsPost(articles)` in `channelId`. */
export async function postNews(client: Client, channelId: string, articles: readonly StoredArticle[]): Promise<void> {
  if (articles.length === 0) return;
  // Raw REST takes Discord's own field names: no ping whatever a title says.
  await client.rest.post(Routes.channelMessages(channelId), { body: { content: newsPost(articles), allowed_mentions: { parse: [] } } });
}
