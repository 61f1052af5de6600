import { describe, expect, it } from 'vitest';
import { Conversations, conversationFromTurns } from '../../src/discord/conversations.js';
import { extended } from '../../src/discord/followup.js';
import type { SearchResponse } from '../../src/retrieval/types.js';

const one = (question: string) => ({ earlier: [question], citedArticles: [], citedTitles: [] });

describe('Conversations', () => {
  it('forgets the least recently used beyond its bound', () => {
    const conversations = new Conversations(2);
    conversations.set('a', one('A'));
    conversations.set('b', one('B'));
    expect(conversations.get('a')).toEqual(one('A'));
    conversations.set('c', one('C'));
    expect(conversations.get('b')).toBeUndefined();
    expect(conversations.get('a')).toEqual(one('A'));
    expect(conversations.size).toBe(2);
  });

  it('asks restore for one it does not hold (a restart, or forgotten), and keeps what it gets', () => {
    const asked: string[] = [];
    const conversations = new Conversations(10, 1000, () => 0, (key) => {
      asked.push(key);
      return key === 'thread' ? one('A') : undefined;
    });
    expect(conversations.get('thread')).toEqual(one('A'));
    expect(conversations.get('thread')).toEqual(one('A'));
    expect(conversations.get('channel')).toBeUndefined();
    expect(conversations.get('')).toBeUndefined();
    expect(asked).toEqual(['thread', 'channel']);
    expect(conversations.size).toBe(1);
  });

  it('builds a conversation from logged turns: questions oldest first, articles and their titles newest first', () => {
    expect(conversationFromTurns([])).toBeUndefined();
    expect(
      conversationFromTurns([
        { question: 'Q1', articleIds: ['a', 'b'], titles: ['A', 'B'] },
        { question: 'Q2', articleIds: ['c', 'a'], titles: ['C', 'A'] },
      ]),
    ).toEqual({ earlier: ['Q1', 'Q2'], citedArticles: ['c', 'a', 'b'], citedTitles: ['C', 'A', 'B'] });
  });

  it('forgets one untouched for longer than its lifetime', () => {
    let now = 0;
    const conversations = new Conversations(10, 1000, () => now);
    conversations.set('a', one('A'));
    now = 900;
    expect(conversations.get('a')).toEqual(one('A'));
    now = 1800;
    expect(conversations.get('a')).toEqual(one('A'));
    now = 2900;
    expect(conversations.get('a')).toBeUndefined();
  });

  it('extends a conversation with a question and its answer’s articles and titles, newest first', () => {
    const response = { results: [{ passage: { articleId: 'y', title: 'Y' } }, { passage: { articleId: 'x', title: 'X' } }] } as unknown as SearchResponse;
    expect(extended({ earlier: ['first'], citedArticles: ['x', 'z'], citedTitles: ['X', 'Z'] }, 'second', response)).toEqual({
      earlier: ['first', 'second'],
      citedArticles: ['y', 'x', 'z'],
      citedTitles: ['Y', 'X', 'Z'],
    });
  });
});
