/**
 * Grid over the conversation weights (src/retrieval/conversation.ts) on one half of the follow-up set
 * (even or odd line numbers), so the other half stays held out for the figure that is reported:
 *   npm run eval -- --followups data/eval/followups.jsonl --articles data/eval/jsquad-valid/articles.jsonl --mode keyword   (builds the index first)
 *   npx tsx scripts/tune-followups.ts even|odd INDEX_DIR [--defaults]
 * INDEX_DIR is the folder that eval printed after "Index:". Prints, per setting, earlierWeight,
 * articleBoost, citedSearchWeight, then R@5 alone, R@1 and R@5 with the conversation.
 * `--defaults` measures the half with the current defaults only (the held-out figure).
 */
import path from 'node:path';
import { openLibrary } from '../src/library.js';
import { loadSettings, projectRoot } from '../src/config/settings.js';
import { readFollowups, runFollowupEval } from '../src/eval/followups.js';
import { conversationDefaults } from '../src/retrieval/conversation.js';

const [half = 'even', indexDir, flag] = process.argv.slice(2);
if (!indexDir) throw new Error('Usage: npx tsx scripts/tune-followups.ts even|odd INDEX_DIR [--defaults]');
const settings = loadSettings(process.env, { articlesPath: 'data/eval/jsquad-valid/articles.jsonl', indexDir });
const library = await openLibrary(settings, {});
const pairs = readFollowups(path.join(projectRoot, 'data/eval/followups.jsonl')).filter((_, i) => i % 2 === (half === 'odd' ? 1 : 0));
const d = conversationDefaults;
const grid =
  flag === '--defaults'
    ? [[d.earlierWeight, d.articleBoost, d.citedSearchWeight, d.rewrittenEarlierScale]]
    : [0, 0.25, 0.5].flatMap((earlierWeight) =>
        [0, 0.25, 0.5].flatMap((articleBoost) =>
          [0, 0.5, 1, 2].flatMap((citedSearchWeight) => [0, 0.5, 1].map((rewrittenEarlierScale) => [earlierWeight, articleBoost, citedSearchWeight, rewrittenEarlierScale])),
        ),
      );
for (const [earlierWeight, articleBoost, citedSearchWeight, rewrittenEarlierScale] of grid) {
  const r = await runFollowupEval(library, pairs, {
    mode: 'keyword',
    conversation: { earlierWeight: earlierWeight!, articleBoost: articleBoost!, citedSearchWeight: citedSearchWeight!, rewrittenEarlierScale: rewrittenEarlierScale! },
  });
  console.log(
    [half, pairs.length, earlierWeight, articleBoost, citedSearchWeight, rewrittenEarlierScale, r.alone.recallAt5.toFixed(3), r.withContext.recallAt1.toFixed(3), r.withContext.recallAt5.toFixed(3)].join(' '),
  );
}
