/**
 * Child process of the "killed process" test: records questions into the file named by argv[2] as
 * fast as it can, printing each id once its transaction has committed, until it is killed.
 */
import { SqliteQuestionLog } from '../../src/questionlog/sqlite.js';

const log = new SqliteQuestionLog({ enabled: true, path: process.argv[2]!, retentionDays: 90 });
for (let n = 0; ; n++) {
  const id = log.recordQuestion({
    guildId: '100000000000000001',
    channelId: '200000000000000002',
    userId: '300000000000000003',
    question: `質問 ${n}`,
    mode: 'hybrid',
    results: [{ passageId: `a${n % 7}#1`, articleId: `a${n % 7}`, title: `記事 ${n % 7}`, score: 0.5 }],
    latencyMs: n,
  });
  process.stdout.write(`${id}\n`);
  // Yield now and then so the parent reads the ids while the writing goes on.
  if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
}
