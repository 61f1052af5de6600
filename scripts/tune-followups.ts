/**
 * Grid over the conversation weights (src/retrieval/conversation.ts) on one half of the follow-up set,
 * so the other half stays held out for the figure that is reported:
 *   npm run eval -- --followups data/eval/followups.jsonl --articles data/eval/jsquad-valid/articles.jsonl --mode keyword   (builds the index first)
 *   npx tsx scripts/tune-followups.ts even|odd [INDEX_DIR]
 * Prints earlierWeight, articleBoost, then R@5 alone, R@1 and R@5 with the conversation.
 * `odd` with no grid (`--defaults`) measures the held-out half with the current defaults.
 */
import path from 'node:path';
import { openLibrary } from '../src/library.js';
import { loadSettings, projectRoot } from '../src/config/settings.js';
import { readFollowups, runFollowupEval } from '../src/eval/followups.js';
import { conversationDefaults } from '../src/retrieval/conversation.js';

const [half = 'even', given, flag] = process.argv.slice(2);
const indexDir = given || path.join(projectRoot, '.cache/eval-index/4c601c4c453f');
const settings = loadSettings(process.env, { articlesPath: 'data/eval/jsquad-valid/articles.jsonl', indexDir });
const library = await openLibrary(settings, {});
const pairs = readFollowups(path.join(projectRoot, 'data/eval/followups.jsonl')).filter((_, i) => i % 2 === (half === 'odd' ? 1 : 0));
const grid = flag === '--defaults'
  ? [[conversationDefaults.earlierWeight, conversationDefaults.articleBoost]]
  : [0.3, 0.5, 0.8, 1].flatMap((earlierWeight) => [0.15, 0.3, 0.5, 0.7, 1].map((articleBoost) => [earlierWeight, articleBoost]));
for (const [earlierWeight, articleBoost] of grid) {
  const r = await runFollowupEval(library, pairs, { mode: 'keyword', conversation: { earlierWeight: earlierWeight!, articleBoost: articleBoost! } });
  console.log(half, pairs.length, earlierWeight, articleBoost, r.alone.recallAt5.toFixed(3), r.withContext.recallAt1.toFixed(3), r.withContext.recallAt5.toFixed(3));
}
