import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeEmbedder } from '../../src/embeddings/fake.js';
import { buildIndex, type BuildOptions } from '../../src/store/build.js';
import { crc32, manifestText } from '../../src/store/integrity.js';

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

/**
 * Rewrites a build's manifest as a kiji would have written it (with a matching checksum), after
 * `edit`; `rechecksum` names data files changed on purpose whose checksums are recomputed.
 */
export function editManifest(build: string, edit: (manifest: Record<string, any>) => Record<string, any>, rechecksum: string[] = []): void {
  const file = path.join(build, 'manifest.json');
  const manifest = edit(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>);
  for (const name of rechecksum) {
    const bytes = fs.readFileSync(path.join(build, name));
    manifest.files[name] = bytes.length;
    manifest.checksums[name] = crc32(bytes);
  }
  fs.writeFileSync(file, manifestText(manifest));
}
