import { describe, expect, it } from 'vitest';
import { buildTag, decodeButton, encodeButton, questionTag, type ButtonState } from '../../src/discord/custom-id.js';
import { answerMessage, discordLimits, embedLength, questionOf, sourcesMessage } from '../../src/discord/messages.js';
import { stringsFor } from '../../src/discord/strings.js';
import type { SearchResponse, SearchResult } from '../../src/retrieval/types.js';

const strings = stringsFor('en-US');

function result(rank: number, text: string, overrides: Partial<SearchResult['passage']> = {}): SearchResult {
  return {
    rank,
    score: 1 / rank,
    answerSentence: text.split('。')[0] + '。',
    passage: {
      id: `article-${rank}#${rank}`,
      articleId: `article-${rank}`,
      title: `記事${rank}`,
      source: 'ロイター',
      published: '2026-01-06T23:58:00.000Z',
      url: `https://example.com/${rank}`,
      paragraph: rank,
      text,
      hash: 'h',
      ...overrides,
    },
  };
}

function response(results: SearchResult[], total = results.length): SearchResponse {
  return { question: 'q', results, mode: 'hybrid', total };
}

const long = (n: number) => `${'長い文です。'.repeat(Math.ceil(n / 6))}`.slice(0, n);

describe('answerMessage', () => {
  it('stays within 6000 characters, 25 fields and every per-part limit for huge passages', () => {
    const page = answerMessage({
      question: 'q'.repeat(500),
      response: response(Array.from({ length: 40 }, (_, i) => result(i + 1, long(5000), { title: 'T'.repeat(400), source: 'S'.repeat(300) })), 100),
      offset: 0,
      k: 40,
      buildId: 'b',
      strings,
    });
    const embed = page.embeds[0]!;
    expect(embedLength(embed)).toBeLessThanOrEqual(discordLimits.embedsTotal);
    expect(embed.fields!.length).toBeLessThanOrEqual(discordLimits.fields);
    expect(embed.fields!.length).toBeGreaterThan(0);
    for (const field of embed.fields!) {
      expect(field.name.length).toBeLessThanOrEqual(discordLimits.fieldName);
      expect(field.value.length).toBeLessThanOrEqual(discordLimits.fieldValue);
    }
    expect(embed.title!.length).toBeLessThanOrEqual(discordLimits.title);
    expect(page.components.length).toBeLessThanOrEqual(discordLimits.rows);
    for (const row of page.components) {
      expect(row.components.length).toBeLessThanOrEqual(5);
      for (const b of row.components) expect(b.custom_id.length).toBeLessThanOrEqual(100);
    }
  });

  it('gives ten ordinary results a field each, with citation, source, date, paragraph, link and bold answer', () => {
    const results = Array.from({ length: 10 }, (_, i) => result(i + 1, `答えの文${i + 1}。続きの文。`));
    const embed = answerMessage({ question: 'q', response: response(results, 12), offset: 0, k: 10, buildId: 'b', strings }).embeds[0]!;
    expect(embed.fields).toHaveLength(10);
    expect(embed.fields![2]).toEqual({
      name: '[3] ロイター · 2026-01-07 · paragraph 3',
      value: '[記事3](https://example.com/3)\n**答えの文3。**続きの文。',
    });
    expect(embed.footer!.text).toBe('Results 1–10 of 12 · hybrid');
  });

  it('numbers citations after the offset and offers Previous and More', () => {
    const page = answerMessage({ question: 'q', response: response([result(1, 'a。')], 9), offset: 3, k: 3, buildId: 'b', strings });
    expect(page.embeds[0]!.fields![0]!.name).toMatch(/^\[4\]/);
    const labels = page.components.flatMap((row) => row.components.map((b) => b.label));
    expect(labels).toEqual(['Previous', 'More', 'Full paragraph [4]']);
    const more = decodeButton(page.components[0]!.components[1]!.custom_id);
    expect(more).toEqual({ kind: 'page', build: buildTag('b'), question: questionTag('q'), offset: 4, k: 3 });
  });

  it('does not link a javascript: url and keeps parentheses in a url from ending the link', () => {
    const page = answerMessage({
      question: 'q',
      response: response([result(1, 'a。', { url: 'javascript:alert(1)' }), result(2, 'b。', { url: 'https://e.com/a_(b)' })]),
      offset: 0,
      k: 2,
      buildId: 'b',
      strings,
    });
    expect(page.embeds[0]!.fields![0]!.value).toMatch(/^記事1\n/);
    expect(page.embeds[0]!.fields![1]!.value).toMatch(/^\[記事2\]\(https:\/\/e\.com\/a_%28b%29\)\n/);
  });

  it('keeps the question readable back from the embed, and refuses another question', () => {
    const question = '**@everyone** _where_ [x](y) \\ ?';
    const page = answerMessage({ question, response: response([result(1, 'a。')]), offset: 0, k: 1, buildId: 'b', strings });
    expect(questionOf(page.embeds, questionTag(question))).toBe(question);
    expect(questionOf(page.embeds, questionTag('other'))).toBeUndefined();
  });
});

describe('customId', () => {
  it.each<ButtonState>([
    { kind: 'page', build: 'abcd1234', question: '0123456789', offset: 15, k: 5 },
    { kind: 'full', build: 'abcd1234', passageId: 'news/2026:01.txt#3.2' },
    { kind: 'rank', build: 'abcd1234', question: '0123456789', rank: 7 },
    { kind: 'sources', page: 3 },
    { kind: 'vote', questionId: 123456789, vote: 'up' },
    { kind: 'vote', questionId: 1, vote: 'down' },
    { kind: 'why', questionId: 42, vote: 'down' },
    { kind: 'follow', build: 'abcd1234', question: '0123456789' },
    { kind: 'then', build: 'abcd1234', question: '0123456789' },
    // The largest filter tag /ask makes: a source, an article among a million and both days.
    { kind: 'page', build: 'abcd1234', question: '0123456789', offset: 500, k: 10, filter: 's999999.a9999999.f20260107.t20261231' },
    { kind: 'rank', build: 'abcd1234', question: '0123456789', rank: 510, filter: 's999999.a9999999.f20260107.t20261231' },
    { kind: 'follow', build: 'abcd1234', question: '0123456789', filter: 's0.f20260107' },
    { kind: 'then', build: 'abcd1234', question: '0123456789', filter: 'a12' },
  ])('round-trips %j', (state) => {
    const id = encodeButton(state)!;
    expect(id.length).toBeLessThanOrEqual(100);
    expect(decodeButton(id)).toEqual(state);
  });

  it('gives no id when a passage id would not fit, and the answer falls back to a rank button', () => {
    const passageId = `${'x'.repeat(120)}#1`;
    expect(encodeButton({ kind: 'full', build: 'b', passageId })).toBeUndefined();
    const page = answerMessage({ question: 'q', response: response([result(1, 'a。', { id: passageId })]), offset: 0, k: 1, buildId: 'b', strings });
    expect(decodeButton(page.components[0]!.components[0]!.custom_id)).toMatchObject({ kind: 'rank', rank: 1 });
  });

  it.each(['', 'kiji', 'kiji:page:a:b:c:d', 'kiji:sources:0', 'other:page:a:b:1:1', 'kiji:unknown:x', 'kiji:vote:12:maybe', 'kiji:vote:x:up', 'kiji:why:12:up', 'kiji:follow:a', 'kiji:page:a:b:1:1:S-1', 'kiji:follow:a:b:c:d'])('rejects %j', (id) => {
    expect(decodeButton(id)).toBeUndefined();
  });
});

describe('sourcesMessage', () => {
  it('says when nothing is indexed', () => {
    expect(sourcesMessage([], 1, strings).content).toMatch(/No articles are indexed/);
  });
});
