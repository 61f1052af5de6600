import { loadDotenv } from '../config/env.js';
import { loadQuestionLogSettings } from '../config/question-log.js';
import { KijiError, ErrorCodes } from '../errors.js';
import { openQuestionLog } from '../questionlog/open.js';
import type { Stats } from '../questionlog/question-log.js';
import { parseFlags, parsePositiveInt, runMain } from './run.js';

const usage = 'npm run report -- [--days 7] [--guild SERVER_ID] [--json]';

/**
 * `npm run report`: the question log's stats in a terminal, the same as /stats shows a server's admins
 * (here every server's questions unless `--guild` names one). Reads the log; never creates it.
 */
runMain(async () => {
  const flags = parseFlags({ days: { type: 'string' }, guild: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, usage);
  if (flags.help) return void console.log(usage);
  const days = parsePositiveInt(flags.days, 'days', 3650) ?? 7;
  loadDotenv();
  const settings = loadQuestionLogSettings(process.env);
  if (!settings.enabled) {
    throw new KijiError(ErrorCodes.QUESTION_LOG_UNAVAILABLE, 'The question log is off (QUESTION_LOG=off), so there is nothing to report.', {
      hint: 'Remove QUESTION_LOG=off (or set it to on) and restart the bot to record questions.',
    });
  }
  const log = await openQuestionLog(settings, { create: false });
  try {
    const stats = log.stats({ days, topArticles: 10, gaps: 20, ...(flags.guild ? { guildId: flags.guild } : {}) });
    console.log(flags.json ? JSON.stringify(stats) : reportText(stats, settings.path));
  } finally {
    log.close();
  }
});

/** Control characters (a terminal escape in a question) shown as spaces: questions are data. */
function plain(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]+/gu, ' ');
}

/** The stats as a terminal table: counts, most cited articles, grouped unanswered or 👎 questions. */
function reportText(stats: Stats, file: string): string {
  const day = (iso: string) => iso.slice(0, 10);
  const share = stats.asked > 0 ? ` (${Math.round((100 * stats.answered) / stats.asked)}%)` : '';
  const lines = [
    `Question log ${file}: the last ${stats.days} days (${day(stats.since)} to ${day(stats.until)}, UTC)`,
    '',
    `  questions asked  ${stats.asked}`,
    `  answered         ${stats.answered}${share}`,
    `  👍 / 👎          ${stats.votes.up} / ${stats.votes.down}`,
    '',
    'Most cited articles',
  ];
  if (stats.topArticles.length === 0) lines.push('  (none)');
  else {
    lines.push('  questions  article');
    for (const article of stats.topArticles) {
      const name = article.title ? `${plain(article.title)}  (${plain(article.articleId)})` : plain(article.articleId);
      lines.push(`  ${String(article.questions).padStart(9)}  ${name}`);
    }
  }
  lines.push('', 'Unanswered or 👎 questions, most asked first');
  if (stats.gaps.length === 0) lines.push('  (none)');
  else {
    lines.push('  times  unanswered  👎  question');
    const indent = ' '.repeat(27);
    for (const gap of stats.gaps) {
      lines.push(`  ${String(gap.times).padStart(5)}  ${String(gap.unanswered).padStart(10)}  ${String(gap.down).padStart(2)}  ${plain(gap.question)}`);
      if (gap.variants.length > 0) lines.push(`${indent}also asked as: ${gap.variants.map(plain).join(' / ')}`);
      for (const reason of gap.reasons) lines.push(`${indent}👎 ${plain(reason)}`);
    }
  }
  return lines.join('\n');
}
