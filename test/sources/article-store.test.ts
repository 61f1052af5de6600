import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadArticles } from '../../src/articles/load.js';
import { toPassages } from '../../src/passages/chunk.js';
import { ArticleStore, sourceFileName } from '../../src/sources/article-store.js';
import type { WebArticle } from '../../src/sources/page.js';

const tempArticles = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-store-'));

const story: WebArticle = {
  url: 'https://news.example/a.html',
  title: '新天文台が完成',
  published: '2026-01-22T10:00:00+09:00',
  authors: '記者',
  paragraphs: ['長野県に新しい天文台が完成した。', '8月から一般公開される。'],
};

describe('ArticleStore', () => {
  it('stores the same story twice once: again at its URL (unchanged), under another URL (duplicate)', async () => {
    const dir = tempArticles();
    const store = await ArticleStore.open(dir);
    expect(store.put(story, { source: 'みなと新聞' }).kind).toBe('added');
    expect(store.put({ ...story, url: 'https://news.example/a.html?utm_source=rss#top' }, { source: 'みなと新聞' }).kind).toBe('unchanged');
    // Reflowed whitespace is the same story.
    const copy = store.put({ ...story, url: 'https://mirror.example/copy', paragraphs: ['長野県に新しい 天文台が完成した。', '8月から一般公開される。 '] }, { source: 'ミラー' });
    expect(copy).toMatchObject({ kind: 'duplicate', article: { url: story.url } });
    await store.save();
    expect(fs.readdirSync(path.join(dir, 'feeds'))).toEqual([sourceFileName('みなと新聞')]);
    expect((await loadArticles(dir)).articles).toHaveLength(1);
  });

  it('replaces a changed story at the same URL in place, keeping its id', async () => {
    const dir = tempArticles();
    const store = await ArticleStore.open(dir);
    const first = store.put(story, { source: 'みなと新聞' });
    store.put({ ...story, url: 'https://news.example/b.html', title: '別の記事', paragraphs: ['別の本文。'] }, { source: 'みなと新聞' });
    await store.save();
    const reopened = await ArticleStore.open(dir);
    const changed = reopened.put({ ...story, paragraphs: ['長野県に新しい天文台が完成した。', '一般公開は9月からに延期された。'] }, { source: 'みなと新聞' });
    expect(changed.kind).toBe('changed');
    expect(changed.article.id).toBe(first.article.id);
    await reopened.save();
    const { articles, problems } = await loadArticles(dir);
    expect(problems).toEqual([]);
    expect(articles.map((a) => a.title)).toEqual(['新天文台が完成', '別の記事']);
    expect(articles[0]).toMatchObject({
      id: first.article.id,
      source: 'みなと新聞',
      url: story.url,
      authors: '記者',
      published: '2026-01-22T01:00:00.000Z',
      paragraphs: [{ text: '長野県に新しい天文台が完成した。' }, { text: '一般公開は9月からに延期された。' }],
    });
  });

  it('gives a changed story the passage ids it had, so only the rewritten paragraph has a new hash (is embedded again)', async () => {
    const dir = tempArticles();
    const paragraphs = [
      '北海道函館市の函館港で、秋サケの水揚げ量が今季の累計で約4200トンとなり、過去10年で最も多くなった。',
      '同課によると、沿岸の海水温が例年より低めに推移したことで、サケが沿岸に戻りやすかったとみられる。',
      '地元の漁業協同組合は、豊漁を受けてイクラの加工場の稼働時間を延長しており、人手が足りない日もあるという。',
      '一方、市場価格は供給が増えたことで下落しており、1キロ当たりの平均卸値は前年より約2割安い。',
    ];
    const passagesOf = async () => (await loadArticles(dir)).articles.flatMap((a) => toPassages(a)).map((p) => ({ id: p.id, hash: p.hash }));
    const store = await ArticleStore.open(dir);
    store.put({ ...story, paragraphs }, { source: 'みなと新聞' });
    await store.save();
    const before = await passagesOf();
    const rewritten = paragraphs.with(2, '地元の漁協は、豊漁を受けてイクラの加工場を24時間稼働させており、臨時の作業員を募集しているという。');
    expect(store.put({ ...story, paragraphs: rewritten }, { source: 'みなと新聞' }).kind).toBe('changed');
    await store.save();
    const after = await passagesOf();
    expect(before).toHaveLength(4);
    expect(after.map((p) => p.id)).toEqual(before.map((p) => p.id));
    expect(after.filter((p, i) => p.hash !== before[i]!.hash).map((p) => p.id)).toEqual([before[2]!.id]);
  });

  it('finds a story by the link it was listed under, removes it, and drops an emptied file', async () => {
    const dir = tempArticles();
    const store = await ArticleStore.open(dir);
    store.put(story, { source: 'src', link: 'https://news.example/r?id=9&utm_source=x' });
    expect(store.find('https://news.example/r?id=9')?.url).toBe(story.url);
    await store.save();
    const reopened = await ArticleStore.open(dir);
    expect(reopened.remove('https://news.example/r?id=9')?.title).toBe(story.title);
    await reopened.save();
    expect(fs.readdirSync(path.join(dir, 'feeds'))).toEqual([]);
  });

  it('keeps lines it cannot read as they are', async () => {
    const dir = tempArticles();
    fs.mkdirSync(path.join(dir, 'feeds'));
    const own = '{"id":"mine","title":"手で書いた記事","body":"本文。"}';
    fs.writeFileSync(path.join(dir, 'feeds', 'src.jsonl'), `${own}\n`);
    const store = await ArticleStore.open(dir);
    store.put(story, { source: 'src' });
    await store.save();
    const lines = fs.readFileSync(path.join(dir, 'feeds', 'src.jsonl'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(own);
    expect(lines).toHaveLength(2);
  });
});
