import { KijiError, ErrorCodes } from '../errors.js';
import type { QuestionLogSettings } from '../config/question-log.js';
import { disabledQuestionLog, type QuestionLog } from './question-log.js';

/**
 * The question log the settings ask for: the SQLite one, or with `QUESTION_LOG=off` one that writes
 * nothing (and loads no native module). `create: false` (reports) refuses a missing file instead of
 * making an empty one.
 */
export async function openQuestionLog(settings: QuestionLogSettings, options: { create?: boolean } = {}): Promise<QuestionLog> {
  if (!settings.enabled) return disabledQuestionLog();
  let sqlite: typeof import('./sqlite.js');
  try {
    sqlite = await import('./sqlite.js');
  } catch (cause) {
    throw new KijiError(ErrorCodes.QUESTION_LOG_UNAVAILABLE, 'The question log needs better-sqlite3, which is not installed or not built for this Node.', {
      hint: 'Run npm ci (or npm rebuild better-sqlite3), or set QUESTION_LOG=off.',
      cause,
    });
  }
  return new sqlite.SqliteQuestionLog(settings, options);
}
