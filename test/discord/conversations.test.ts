import { describe, expect, it } from 'vitest';
import { Conversations } from '../../src/discord/conversations.js';
import { extended } from '../../src/discord/followup.js';
import type { SearchResponse } from '../../src/retrieval/types.js';

const one = (question: string) => ({ earlier: [question], citedArticles: [] });

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

  it('extends a conversation with a question and its answer’s articles, newest first', () => {
    const response = { results: [{ passage: { articleId: 'y' } }, { passage: { articleId: 'x' } }] } as unknown as SearchResponse;
    expect(extended({ earlier: ['first'], citedArticles: ['x', 'z'] }, 'second', response)).toEqual({ earlier: ['first', 'second'], citedArticles: ['y', 'x', 'z'] });
  });
});
