import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
} from 'discord.js';
import type { ArticleSummary, SearchResponse } from '../retrieval/types.js';
import type { Passage } from '../passages/passage.js';
import { answerExcerpt, cutEnd, escapeText, fitEscaped, unescapeText } from './excerpt.js';
import { buildTag, encodeButton, questionTag, type ButtonState } from './custom-id.js';
import type { Strings } from './strings.js';
import { calendarDate } from '../articles/dates.js';

/** Discord's limits on what a message may hold (characters unless said otherwise). */
export const discordLimits = {
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  fields: 25,
  footer: 2048,
  /** Title, description, field names and values, footer and author of all embeds of one message. */
  embedsTotal: 6000,
  content: 2000,
  buttonLabel: 80,
  rows: 5,
  buttonsPerRow: 5,
} as const;

/** The question shown in an answer is capped well below the description limit, so it is never cut there. */
const questionShownMax = 1500;
/** Room an excerpt needs to be worth showing; results beyond what fits at this size are left out. */
const excerptMin = 80;

type ButtonRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

export interface MessageBody {
  content?: string;
  embeds: APIEmbed[];
  components: ButtonRow[];
}

/** Characters Discord counts against the 6000 shared by a message's embeds. */
export function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0)
  );
}

function button(
  label: string,
  state: ButtonState,
  style: APIButtonComponentWithCustomId['style'] = ButtonStyle.Secondary,
): APIButtonComponentWithCustomId | undefined {
  const customId = encodeButton(state);
  if (!customId) return undefined;
  return { type: ComponentType.Button, style, label: cutEnd(label, discordLimits.buttonLabel), custom_id: customId };
}

function rows(buttons: (APIButtonComponentWithCustomId | undefined)[]): ButtonRow[] {
  const present = buttons.filter((b): b is APIButtonComponentWithCustomId => b !== undefined);
  const result: ButtonRow[] = [];
  for (let i = 0; i < present.length && result.length < discordLimits.rows; i += discordLimits.buttonsPerRow) {
    result.push({ type: ComponentType.ActionRow, components: present.slice(i, i + discordLimits.buttonsPerRow) });
  }
  return result;
}

/** `https` and `http` links only, with parentheses encoded so a Markdown link cannot end early. */
function safeUrl(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\//i.test(url)) return undefined;
  return url.replace(/\(/g, '%28').replace(/\)/g, '%29').replace(/\s/g, '%20');
}

/** `[Title](url)` when the article has a usable url, the escaped title otherwise. */
function titleMarkdown(title: string, url: string | undefined, max: number): string {
  const link = safeUrl(url);
  if (!link || link.length > max / 2) return fitEscaped(title, max);
  return `[${fitEscaped(title, max - link.length - 4)}](${link})`;
}

function sourceLine(parts: (string | undefined)[]): string {
  return parts.filter((part): part is string => Boolean(part)).join(' · ');
}

export interface AnswerPage {
  /** The question as searched (already trimmed and capped). */
  question: string;
  response: SearchResponse;
  offset: number;
  k: number;
  buildId: string;
  strings: Strings;
  /** The asker's question was longer than what was searched. */
  shortened?: { max: number };
  /** The question's id in the question log: the answer gets 👍 / 👎 buttons. None when the log is off. */
  questionId?: number;
  /** No Previous / More: pages are searched with the question alone, which would not be this answer's search. */
  paging?: false;
  /** Offer a "Follow up" button. */
  followUp?: boolean;
  /** What context a follow-up was searched with, shown above the citations. */
  context?: string;
  /** The search's filter: said above the citations (`line`, plain text) and kept by every button (`tag`, filters.ts). */
  filter?: { tag: string; line: string };
}

/**
 * What a search that found nothing says: plainly that (naming the filter it was limited to, plain
 * text), and, when only words could match, why a question may miss.
 */
export function nothingRelevantText(response: SearchResponse, strings: Strings, filterLine = ''): string {
  const nothing = filterLine ? strings.nothingInFilter(escapeText(filterLine)) : strings.nothingRelevant;
  return response.semanticOff ? `${nothing}\n${strings.semanticOffHint}` : nothing;
}

/**
 * The answer: one embed whose fields are the citations, and buttons for paging and full paragraphs.
 * The embed's description is exactly the escaped question, which the buttons read back.
 *
 * Field: name `[2] Reuters · 2026-01-07 · paragraph 3`, value `[Title](url)` + newline + excerpt
 * with the answer sentence in bold. Values share what is left of the 6000 characters equally.
 */
export function answerMessage(page: AnswerPage): MessageBody {
  const { response, strings } = page;
  const results = response.results.slice(0, discordLimits.fields);
  const from = page.offset + 1;
  const footer = (shown: number) => {
    const parts = [strings.resultsLine(from, page.offset + shown, response.total), response.mode];
    if (page.shortened) parts.push(strings.questionShortened(page.shortened.max));
    return { text: cutEnd(parts.join(' · '), discordLimits.footer) };
  };
  const embed: APIEmbed = {
    title: strings.answerTitle,
    description: fitEscaped(page.question, questionShownMax),
    footer: footer(results.length),
  };
  const names = results.map((result) =>
    cutEnd(
      `[${page.offset + result.rank}] ${sourceLine([result.passage.source, result.passage.published && calendarDate(result.passage.published), strings.paragraph(result.passage.paragraph)])}`,
      discordLimits.fieldName,
    ),
  );
  // Leave out trailing results rather than shrink every excerpt below usefulness.
  let shown = results.length;
  const fixed = embedLength(embed);
  const valueRoom = (n: number) =>
    Math.min(discordLimits.fieldValue, Math.floor((discordLimits.embedsTotal - fixed - sum(names.slice(0, n))) / n));
  while (shown > 1 && valueRoom(shown) < excerptMin + 60) shown--;
  const room = valueRoom(Math.max(shown, 1));
  embed.fields = results.slice(0, shown).map((result, i) => {
    const heading = titleMarkdown(result.passage.title, result.passage.url, Math.min(300, Math.floor(room / 2)));
    return {
      name: names[i]!,
      value: `${heading}\n${answerExcerpt(result.passage.text, result.answerSentence, room - heading.length - 1)}`,
    };
  });
  embed.footer = footer(shown);

  const build = buildTag(page.buildId);
  const question = questionTag(page.question);
  const filter = page.filter?.tag ? { filter: page.filter.tag } : {};
  const pageButtons = page.paging === false ? [] : [
    page.offset > 0
      ? button(strings.previous, { kind: 'page', build, question, offset: Math.max(0, page.offset - page.k), k: page.k, ...filter })
      : undefined,
    page.offset + shown < response.total
      ? button(strings.more, { kind: 'page', build, question, offset: page.offset + shown, k: page.k, ...filter }, ButtonStyle.Primary)
      : undefined,
  ];
  const fullButtons = results.slice(0, shown).map((result) =>
    button(strings.fullParagraph(page.offset + result.rank), { kind: 'full', build, passageId: result.passage.id }) ??
      button(strings.fullParagraph(page.offset + result.rank), { kind: 'rank', build, question, rank: page.offset + result.rank, ...filter }),
  );
  const conversationButtons = [
    page.followUp ? button(strings.followUp, { kind: 'follow', build, question, ...filter }, ButtonStyle.Primary) : undefined,
    ...(page.questionId === undefined
      ? []
      : [button('👍', { kind: 'vote', questionId: page.questionId, vote: 'up' }), button('👎', { kind: 'vote', questionId: page.questionId, vote: 'down' })]),
  ];
  // The conversation row comes before the full-paragraph rows: with ten results those fill two rows, and the limit of five rows never drops it.
  const components = [...rows(pageButtons), ...rows(conversationButtons), ...rows(fullButtons)].slice(0, discordLimits.rows);
  const above = [page.context, page.filter?.line && strings.filtered(page.filter.line)].filter(Boolean).join('\n');
  return { ...(above ? { content: fitEscaped(above, discordLimits.content) } : {}), embeds: [embed], components };
}

function sum(texts: string[]): number {
  return texts.reduce((total, text) => total + text.length, 0);
}

/**
 * The question an answer was made for, read back from its embed, or undefined when the embed is not
 * one of ours or does not match `tag` (the hash in the button).
 */
export function questionOf(embeds: readonly { description?: string | null }[], tag: string): string | undefined {
  const description = embeds[0]?.description;
  if (!description) return undefined;
  const question = unescapeText(description);
  return questionTag(question) === tag ? question : undefined;
}

/** One passage in full (for "Full paragraph"), cut only if it exceeds the description limit. */
export function passageMessage(passage: Passage, strings: Strings): MessageBody {
  const link = safeUrl(passage.url);
  return {
    embeds: [
      {
        title: cutEnd(passage.title, discordLimits.title),
        ...(link ? { url: link } : {}),
        description: fitEscaped(passage.text, discordLimits.description),
        footer: {
          text: cutEnd(
            sourceLine([passage.source, passage.published && calendarDate(passage.published), strings.paragraph(passage.paragraph)]),
            discordLimits.footer,
          ),
        },
      },
    ],
    components: [],
  };
}

export const sourcesPerPage = 10;

/** One page (1-based, clamped) of the indexed articles, with Previous/Next buttons. */
export function sourcesMessage(articles: readonly ArticleSummary[], requestedPage: number, strings: Strings): MessageBody {
  if (articles.length === 0) return { content: strings.noSources, embeds: [], components: [] };
  const pages = Math.ceil(articles.length / sourcesPerPage);
  const page = Math.min(Math.max(1, requestedPage), pages);
  const lines = articles.slice((page - 1) * sourcesPerPage, page * sourcesPerPage).map((article) => {
    const details = sourceLine([article.source, article.published && calendarDate(article.published), strings.passages(article.passages)]);
    // 10 lines of at most 400 stay far below the 4096 of a description.
    return `${titleMarkdown(article.title, article.url, 300)} — ${escapeText(cutEnd(details, 90))}`;
  });
  return {
    embeds: [
      {
        title: strings.sourcesTitle,
        description: lines.join('\n'),
        footer: { text: strings.sourcesLine(page, pages, articles.length) },
      },
    ],
    components: rows([
      page > 1 ? button(strings.previous, { kind: 'sources', page: page - 1 }) : undefined,
      page < pages ? button(strings.more, { kind: 'sources', page: page + 1 }, ButtonStyle.Primary) : undefined,
    ]),
  };
}
