import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteQuestionLog } from '../../src/questionlog/sqlite.js';
import type { Library } from '../../src/retrieval/types.js';
import { startHarness, type Harness } from './harness.js';

/** The harness with a question log in a fresh SQLite file, and a way to read that file's rows. */
export interface LoggedHarness extends Harness {
  dir: string;
  questionLog: SqliteQuestionLog;
  /** The rows the bot wrote, read straight from the file. */
  rows(sql: string, ...params: unknown[]): any[];
}

export async function startLoggedHarness(library: Library, prefix: string): Promise<LoggedHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'kiji.db');
  const questionLog = new SqliteQuestionLog({ enabled: true, path: file, retentionDays: 90 });
  let log = questionLog;
  const harness = await startHarness(library, {}, { questionLog });
  return {
    fake: harness.fake,
    logs: harness.logs,
    logLine: (id) => harness.logLine(id),
    get bot() {
      return harness.bot;
    },
    dir,
    get questionLog() {
      return log;
    },
    /** A restart: the bot and its log closed, then both opened again over the same file. */
    async restart() {
      const old = log;
      log = new SqliteQuestionLog({ enabled: true, path: file, retentionDays: 90 });
      await harness.restart({ questionLog: log });
      old.close();
    },
    rows(sql, ...params) {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(sql).all(...params);
      } finally {
        db.close();
      }
    },
    async stop() {
      await harness.stop();
      log.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
