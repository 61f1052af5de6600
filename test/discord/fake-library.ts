import type { Passage } from '../../src/passages/passage.js';
import type { ArticleSummary, BuildReport, Library, SearchOptions, SearchResponse } from '../../src/retrieval/types.js';

export interface FakeArticle {
  id: string;
  title: string;
  source?: string;
  published?: string;
  url?: string;
  paragraphs: string[];
}

/** Character bigrams: crude, but enough to tell relevant Japanese and English text from the rest. */
function bigrams(text: string): Set<string> {
  const clean = text.toLowerCase().replace(/[\s、。「」・,.!?？！]/g, '');
  const grams = new Set<string>();
  for (let i = 0; i + 1 < clean.length; i++) grams.add(clean.slice(i, i + 2));
  return grams;
}

function overlap(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared++;
  return shared;
}

/**
 * An in-memory Library for the bot's tests: bigram overlap instead of embeddings and BM25, the same
 * contract (relevance threshold, offset paging, answer sentence, buildId that changes on reindex).
 * `searchHook` lets a test make search slow or throw.
 */
export class FakeLibrary implements Library {
  buildId = 'fake-build-1';
  searchHook: ((question: string, options: SearchOptions) => void | Promise<void>) | undefined;
  reindexReport: Omit<BuildReport, 'ms'> | undefined;
  searches: { question: string; options: SearchOptions }[] = [];
  #passages: Passage[] = [];
  #articles: FakeArticle[] = [];

  constructor(articles: FakeArticle[]) {
    this.load(articles);
  }

  load(articles: FakeArticle[]): void {
    this.#articles = articles;
    this.#passages = articles.flatMap((article) =>
      article.paragraphs.map((text, i) => ({
        id: `${article.id}#${i + 1}`,
        articleId: article.id,
        title: article.title,
        ...(article.source ? { source: article.source } : {}),
        ...(article.published ? { published: article.published } : {}),
        ...(article.url ? { url: article.url } : {}),
        paragraph: i + 1,
        text,
        hash: `h${i}`,
      })),
    );
  }

  async search(question: string, options: SearchOptions): Promise<SearchResponse> {
    this.searches.push({ question, options });
    await this.searchHook?.(question, options);
    const asked = bigrams(question);
    const scored = this.#passages
      .map((passage) => ({ passage, score: overlap(asked, bigrams(passage.text)) }))
      // Relevant: shares a quarter of the question's bigrams (and at least two).
      .filter((entry) => entry.score >= Math.max(2, asked.size / 4))
      .sort((a, b) => b.score - a.score);
    const offset = options.offset ?? 0;
    const results = scored.slice(offset, offset + options.k).map((entry, i) => ({
      rank: i + 1,
      score: entry.score,
      passage: entry.passage,
      answerSentence: bestSentence(entry.passage.text, asked),
    }));
    return { question, results, mode: 'keyword', total: scored.length };
  }

  articles(): ArticleSummary[] {
    return this.#articles.map((article) => ({
      id: article.id,
      title: article.title,
      ...(article.source ? { source: article.source } : {}),
      ...(article.published ? { published: article.published } : {}),
      ...(article.url ? { url: article.url } : {}),
      passages: article.paragraphs.length,
    }));
  }

  passage(id: string): Passage | undefined {
    return this.#passages.find((passage) => passage.id === id);
  }

  async reindex(): Promise<BuildReport> {
    this.buildId = `fake-build-${Number(this.buildId.split('-').at(-1)) + 1}`;
    const report = this.reindexReport ?? { articles: this.#articles.length, passages: this.#passages.length, embedded: 0, reused: this.#passages.length, removed: 0, skipped: [] };
    return { ...report, ms: 12 };
  }
}

function bestSentence(text: string, asked: Set<string>): string {
  const sentences = [...new Intl.Segmenter('ja', { granularity: 'sentence' }).segment(text)].map((s) => s.segment.trim());
  let best = sentences[0] ?? text;
  let bestScore = -1;
  for (const sentence of sentences) {
    const score = overlap(asked, bigrams(sentence));
    if (score > bestScore) [best, bestScore] = [sentence, score];
  }
  return best;
}

/** Three short articles like the seed ones, plus one with mentions in it. */
export const sampleArticles: FakeArticle[] = [
  {
    id: 'reuters-coalition',
    title: 'ウクライナ有志連合、「安全の保証」で合意',
    source: 'ロイター',
    published: '2026-01-06T23:58:00.000Z',
    url: 'https://jp.reuters.com/world/ukraine/coalition-2026-01-06/',
    paragraphs: [
      '米国は6日、ウクライナを支援する「有志連合」が停戦実現後にロシアの再侵攻を防ぐための「安全の保証」を提供する方針に初めて支持を表明した。',
      '有志連合はこの日、パリで首脳会合を開催。共同声明によると、安全の保証にはロシアが再び攻撃した場合にウクライナを支援する「拘束力のある約束」が含まれる。',
      'フランスと英国は停戦合意後の多国籍軍派遣に関する宣言に署名した。',
    ],
  },
  {
    id: 'reuters-venezuela',
    title: 'ロシア民族主義者、ベネズエラとウクライナを比較',
    source: 'ロイター',
    published: '2026-01-05T10:00:00.000Z',
    paragraphs: ['ロシアの民族主義者たちは、米国のベネズエラへの対応をウクライナ情勢と比較した。', '専門家は両者の違いを指摘している。'],
  },
  {
    id: 'mentions',
    title: 'Notice for @everyone <@&123>',
    source: 'Test wire',
    paragraphs: ['Attention @everyone and <@&123>: the harbour festival is cancelled this year because of the storm.'],
  },
];
