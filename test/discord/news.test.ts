import { describe, expect, it } from 'vitest';
import { newsPost } from '../../src/discord/news.js';

describe('newsPost', () => {
  // Mentions stay as text: the post sends allowed_mentions none, so they ping nobody.
  it('lists titles with source and link, Markdown escaped (a masked link broken at its bracket)', () => {
    const text = newsPost([
      { title: '@everyone **速報** [罠](https://evil.example)', source: '<@123> 通信', url: 'https://news.example/a.html' },
      { title: '二本目', source: 'みなと', url: 'javascript:alert(1)' },
    ]);
    expect(text).toBe(
      [
        '**New articles**',
        '- @everyone \\*\\*速報\\*\\* \\[罠](https://evil.example) — <@123> 通信 <https://news.example/a.html>',
        '- 二本目 — みなと',
      ].join('\n'),
    );
  });

  it('counts what does not fit in the list', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ title: `記事${i}`, source: 's', url: `https://news.example/${i}` }));
    expect(newsPost(many).split('\n').at(-1)).toBe('… and 2 more (see /sources)');
  });
});
