// The store's schema, as an ordered list of steps. The schema version is SQLite's `user_version`:
// step i (0-based) brings a database from version i to i + 1. Never edit a released step; append one.
import type Database from 'better-sqlite3';

/** Ordered SQL steps; `migrations[i]` takes the schema from version i to i + 1. */
export const migrations: readonly string[] = [
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  INSERT INTO meta (key, value) VALUES ('last_build_number', '0');

  CREATE TABLE builds (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    plan TEXT NOT NULL,
    options TEXT NOT NULL
  );
  CREATE INDEX builds_status ON builds (status);

  CREATE TABLE jobs (
    build TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    pipeline TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    key TEXT NOT NULL,
    agent TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    batch TEXT,
    resource_group TEXT,
    waiting TEXT,
    queued_at INTEGER,
    started_at INTEGER,
    finished_at INTEGER,
    exit_code INTEGER,
    PRIMARY KEY (build, id)
  ) WITHOUT ROWID;

  CREATE TABLE job_events (
    id INTEGER PRIMARY KEY,
    build TEXT NOT NULL,
    job TEXT NOT NULL,
    state TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT,
    FOREIGN KEY (build, job) REFERENCES jobs (build, id) ON DELETE CASCADE
  );
  CREATE INDEX job_events_job ON job_events (build, job, id);

  CREATE TABLE attempts (
    id TEXT PRIMARY KEY,
    build TEXT NOT NULL,
    job TEXT NOT NULL,
    number INTEGER NOT NULL,
    agent TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    status TEXT,
    reason TEXT,
    exit_code INTEGER,
    FOREIGN KEY (build, job) REFERENCES jobs (build, id) ON DELETE CASCADE
  );
  CREATE INDEX attempts_job ON attempts (build, job, number);

  CREATE TABLE log_chunks (
    build TEXT NOT NULL,
    job TEXT NOT NULL,
    seq INTEGER NOT NULL,
    attempt TEXT NOT NULL,
    stream TEXT NOT NULL,
    data TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (build, job, seq),
    FOREIGN KEY (build, job) REFERENCES jobs (build, id) ON DELETE CASCADE
  ) WITHOUT ROWID;

  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    pools TEXT NOT NULL,
    labels TEXT NOT NULL,
    slots INTEGER NOT NULL,
    executors TEXT NOT NULL,
    last_seen INTEGER NOT NULL
  );

  CREATE TABLE resource_holders (
    group_name TEXT NOT NULL,
    build TEXT NOT NULL,
    job TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (group_name, build, job),
    FOREIGN KEY (build, job) REFERENCES jobs (build, id) ON DELETE CASCADE
  );

  -- No foreign key to the producing job: a cache entry outlives the build that made it.
  CREATE TABLE cache_entries (
    key TEXT PRIMARY KEY,
    build TEXT NOT NULL,
    job TEXT NOT NULL,
    outputs TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // 2: a holder may be a whole pipeline (`pipeline:<name>`, for a pipeline-level resource_group),
  // which is no job row: the holder points at its build only.
  `
  CREATE TABLE resource_holders_v2 (
    group_name TEXT NOT NULL,
    build TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    job TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (group_name, build, job)
  );
  INSERT INTO resource_holders_v2 SELECT group_name, build, job, since FROM resource_holders;
  DROP TABLE resource_holders;
  ALTER TABLE resource_holders_v2 RENAME TO resource_holders;
  `,
  // 3: where running attempts' processes are (process group or container) and who owns them (pid and
  // start time), so the next start can end what a crashed coordinator left (running-processes.ts).
  `
  CREATE TABLE running_processes (
    attempt TEXT PRIMARY KEY,
    owner_pid INTEGER NOT NULL,
    owner_start TEXT,
    process_group INTEGER,
    process_group_start TEXT,
    container TEXT,
    since INTEGER NOT NULL
  );
  `,
  // 4: attempts on LAN agents and, per agent, the last numbered message applied, so that a restarted
  // coordinator recognises the results agents kept for it (remote-attempts.ts).
  `
  CREATE TABLE remote_attempts (
    attempt TEXT PRIMARY KEY,
    build TEXT NOT NULL,
    agent TEXT NOT NULL,
    jobs TEXT NOT NULL,
    batch TEXT,
    resumable INTEGER NOT NULL,
    started_at INTEGER NOT NULL
  );
  CREATE TABLE agent_acks (
    agent TEXT PRIMARY KEY,
    acked INTEGER NOT NULL
  );
  `,
];

/** The schema version this code writes. */
export const latestSchemaVersion = migrations.length;

/**
 * Brings `db` up to `latestSchemaVersion`, one transaction per step; refuses a database from newer code.
 * Each step reads the version inside an IMMEDIATE transaction, so two processes opening a new state
 * dir at once take turns instead of both creating the same tables.
 */
export function migrate(db: Database.Database, file: string): number {
  // Up to date (the common case): no write lock taken, so readers beside a busy coordinator never wait.
  if ((db.pragma('user_version', { simple: true }) as number) === latestSchemaVersion) return latestSchemaVersion;
  for (;;) {
    const stepped = db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current > latestSchemaVersion) {
        throw new Error(
          `${file} has schema version ${current}, but this Farmhand only knows up to version ${latestSchemaVersion}: ` +
            'it was written by a newer Farmhand. Upgrade Farmhand, or point --state-dir at another directory.',
        );
      }
      if (current === latestSchemaVersion) return false;
      db.exec(migrations[current] ?? '');
      // user_version lives in the file header and is part of this transaction.
      db.pragma(`user_version = ${current + 1}`);
      return true;
    }).immediate();
    if (!stepped) return latestSchemaVersion;
  }
}
