import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeEmbedder } from '../../src/embeddings/fake.js';
import { buildIndex, type BuildOptions } from '../../src/store/build.js';

export const seedArticles = path.resolve(import.meta.dirname, '../../data/articles');

/** A temp folder with a copy of the seed articles and an empty index folder beside it. */
export function tempCorpus(): { root: string; articles: string; index: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kiji-store-'));
  const articles = path.join(root, 'articles');
  fs.cpSync(seedArticles, articles, { recursive: true });
  return { root, articles, index: path.join(root, 'index') };
}

export const fakeModel = { id: 'fake-trigram', dtype: 'q8' };

/** Builds with a FakeEmbedder and counts how often the build asked for the model. */
export function fakeBuild(dirs: { articles: string; index: string }, embedder = new FakeEmbedder(), extra: Partial<BuildOptions> = {}) {
  let loads = 0;
  const run = () =>
    buildIndex({
      articlesPath: dirs.articles,
      indexDir: dirs.index,
      model: fakeModel,
      getEmbedder: async () => {
        loads++;
        return embedder;
      },
      ...extra,
    });
  return { run, embedder, loads: () => loads };
}
