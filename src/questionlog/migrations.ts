import type { Database } from 'better-sqlite3';

/**
 * The question log's schema, as an ordered list of migrations. The database's `user_version` is the
 * number of migrations applied; each runs in its own transaction together with the bump of that
 * number, so a migration is applied whole or not at all. Append new migrations; never edit one that
 * has shipped (databases in use already ran it).
 */
export const migrations: readonly ((db: Database) => void)[] = [
  (db) =>
    db.exec(`
      -- Settings of this database, such as the generated key of the user hash.
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- AUTOINCREMENT: an id is never reused after pruning, so an old feedback button cannot land on a newer question.
      CREATE TABLE questions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        asked_at INTEGER NOT NULL,            -- ms since 1970-01-01 UTC
        guild_id TEXT,
        channel_id TEXT,
        user_hash TEXT NOT NULL,              -- HMAC-SHA256 of the Discord user id, hex
        question TEXT NOT NULL,
        filters TEXT NOT NULL DEFAULT '{}',   -- JSON object
        mode TEXT NOT NULL,
        private INTEGER NOT NULL DEFAULT 0,   -- 1: the answer was shown to the asker only
        nothing_relevant INTEGER NOT NULL,    -- 1: no passage was relevant
        latency_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX questions_asked_at ON questions (asked_at);

      -- The passages an answer showed, rank 1 first.
      CREATE TABLE results (
        question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        rank INTEGER NOT NULL,
        passage_id TEXT NOT NULL,
        article_id TEXT NOT NULL,
        score REAL NOT NULL,
        PRIMARY KEY (question_id, rank)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX results_article ON results (article_id);

      -- The latest title seen for each cited article.
      CREATE TABLE articles (
        article_id TEXT PRIMARY KEY,
        title TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- One vote per user and question: a later click replaces the earlier one.
      CREATE TABLE feedback (
        question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
        user_hash TEXT NOT NULL,
        vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        reason TEXT,
        given_at INTEGER NOT NULL,
        PRIMARY KEY (question_id, user_hash)
      ) STRICT, WITHOUT ROWID;
    `),
  // Conversations survive a restart: a follow-up's thread, and the question whose answer it followed.
  (db) =>
    db.exec(`
      ALTER TABLE questions ADD COLUMN conversation TEXT;   -- the kiji thread a follow-up or /ask was asked in; NULL outside one
      ALTER TABLE questions ADD COLUMN follows INTEGER;     -- the logged question whose answer's Follow up button was pressed
      CREATE INDEX questions_conversation ON questions (conversation, id) WHERE conversation IS NOT NULL;
    `),
];

/** The schema version this kiji writes. */
export const schemaVersion = migrations.length;

function versionOf(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` to `schemaVersion`, running only the migrations it lacks; a no-op on an up-to-date
 * database. Returns the version found, or throws `newer` when the file is ahead of this kiji. The
 * version is read again inside each write transaction, so two processes opening a new file at once
 * (the bot and `npm run report`) do not both run a migration.
 */
export function migrate(db: Database, newer: (found: number) => Error): number {
  const found = versionOf(db);
  if (found > schemaVersion) throw newer(found);
  const step = db.transaction((): boolean => {
    const version = versionOf(db);
    if (version > schemaVersion) throw newer(version);
    if (version === schemaVersion) return true;
    migrations[version]!(db);
    db.pragma(`user_version = ${version + 1}`);
    return false;
  });
  while (!step.immediate());
  return found;
}
