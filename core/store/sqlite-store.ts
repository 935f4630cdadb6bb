// The Store on one SQLite file (better-sqlite3, synchronous).
//
// Durability: WAL journal with `synchronous = NORMAL`. A commit is appended to the WAL before
// it returns, so a crash of this process (kill -9 included) loses nothing that was committed;
// only an OS crash or power cut can lose the last transactions (the WAL is fsynced at
// checkpoints, not at every commit). That is the trade we want: a commit costs no fsync.
//
// Batching: state changes, attempts, log chunks, agents and holders are queued and committed in
// one transaction per flush (see write-queue.ts). Every read flushes first, so reads always
// see earlier writes. Build ids and cache entries are committed at once.
import Database from 'better-sqlite3';
import { readJobDurations } from './durations';
import { migrate } from './migrations';
import { remoteAttemptMethods } from './remote-attempts';
import { runningProcessMethods } from './running-processes';
import type { AgentRow, AttemptRow, BuildRow, BuildSummaryRow, CacheRow, JobRow } from './rows';
import { jobPatchColumns, toAgent, toAttempt, toBuild, toBuildInfo, toBuildSummary, toCacheEntry, toHolder, toJob, toLogChunk } from './rows';
import type { LogChunk, Store, CacheEntry } from './types';
import type { Timer, WriteOp } from './write-queue';
import { createWriteQueue } from './write-queue';

export interface StoreOptions {
  /** Longest time a write waits in the queue before it is committed; default 15 ms. */
  flushIntervalMs?: number;
  /** Queued writes that force a commit at once; default 500. */
  maxBatch?: number;
  timer?: Timer;
  /** Receives errors of timer-driven flushes; without it the next `flush()` (or read) throws them. */
  onError?: (error: unknown) => void;
}

const defaultTimer: Timer = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Opens (creating and migrating as needed) the store in the SQLite file at `path`. */
export function openStore(path: string, options: StoreOptions = {}): Store {
  const db = new Database(path);
  try {
    // First, so that a second process opening a new file waits for the first instead of failing.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  return createSqliteStore(db, options);
}

function createSqliteStore(db: Database.Database, options: StoreOptions): Store {
  /** Cache entries put but not committed yet, so a lookup needs no commit. */
  const queuedCacheEntries = new Map<string, CacheEntry>();
  const queue = createWriteQueue(db, {
    intervalMs: options.flushIntervalMs ?? 15,
    maxOps: options.maxBatch ?? 500,
    timer: options.timer ?? defaultTimer,
    onError: options.onError,
  });
  const sql = prepareStatements(db);
  const jobUpdates = new Map<string, Database.Statement>();
  /** Last seq handed out per `build\0job`; read lazily from the file, then kept here. */
  const lastSeq = new Map<string, number>();
  let closed = false;

  const open = (): void => {
    if (closed) throw new Error('the store is closed');
  };
  const enqueue = (label: string, apply: () => void): void => {
    open();
    queue.push({ label, apply } satisfies WriteOp);
  };
  const read = <T>(query: () => T): T => {
    open();
    queue.flush();
    return query();
  };
  const expectRow = (changes: number, what: string): void => {
    if (changes === 0) throw new Error(`no such ${what}`);
  };
  const jobUpdate = (columns: string[]): Database.Statement => {
    const cacheKey = columns.join(',');
    let statement = jobUpdates.get(cacheKey);
    if (!statement) {
      const assignments = columns.map((column) => `${column} = ?`).join(', ');
      statement = db.prepare(`UPDATE jobs SET ${assignments} WHERE build = ? AND id = ?`);
      jobUpdates.set(cacheKey, statement);
    }
    return statement;
  };

  const createBuild = db.transaction((build: Parameters<Store['createBuild']>[0]) => {
    const status = build.status ?? 'queued';
    sql.insertBuild.run(build.id, build.project, status, build.createdAt, build.startedAt ?? null, build.finishedAt ?? null, JSON.stringify(build.plan), JSON.stringify(build.options));
    build.plan.jobs.forEach((job, position) => {
      sql.insertJob.run(build.id, job.id, position, job.pipeline, job.name, job.key, job.resourceGroup ?? null);
      sql.insertEvent.run(build.id, job.id, 'queued', build.createdAt, null);
    });
  });

  return {
    nextBuildId() {
      open();
      queue.flush();
      const row = sql.nextBuildNumber.get() as { value: string };
      return `b-${row.value.padStart(4, '0')}`;
    },
    createBuild(build) {
      open();
      queue.flush();
      createBuild(build);
    },
    updateBuild(id, patch) {
      const values = [patch.status ?? null, patch.startedAt ?? null, patch.finishedAt ?? null, id];
      enqueue(`updateBuild ${id}`, () => expectRow(sql.updateBuild.run(...values).changes, `build ${id}`));
    },
    updateJob(build, job, patch, at) {
      const { columns, values } = jobPatchColumns(patch);
      const { state, reason } = patch;
      enqueue(`updateJob ${build}/${job}`, () => {
        if (state) sql.insertEventIfChanged.run(build, job, state, at, reason ?? null, build, job, state);
        if (columns.length === 0) return;
        expectRow(jobUpdate(columns).run(...values, build, job).changes, `job ${build}/${job}`);
      });
    },
    startAttempt(a) {
      const values = [a.id, a.build, a.job, a.number, a.agent, a.startedAt, a.finishedAt ?? null, a.status ?? null, a.reason ?? null, a.exitCode ?? null];
      enqueue(`startAttempt ${a.id}`, () => sql.insertAttempt.run(...values));
    },
    finishAttempt(id, patch) {
      const values = [patch.startedAt ?? null, patch.finishedAt ?? null, patch.status ?? null, patch.reason ?? null, patch.exitCode ?? null, id];
      enqueue(`finishAttempt ${id}`, () => expectRow(sql.finishAttempt.run(...values).changes, `attempt ${id}`));
    },
    appendLog(chunk) {
      open();
      const counterKey = `${chunk.build}\0${chunk.job}`;
      let last = lastSeq.get(counterKey);
      if (last === undefined) {
        // No chunk of this job was appended by this process yet, so none is queued: the file is current.
        last = (sql.maxSeq.get(chunk.build, chunk.job) as { seq: number | null }).seq ?? 0;
      }
      const seq = last + 1;
      lastSeq.set(counterKey, seq);
      const values = [chunk.build, chunk.job, seq, chunk.attempt, chunk.stream, chunk.data, chunk.at];
      enqueue(`appendLog ${chunk.build}/${chunk.job}#${seq}`, () => sql.insertLog.run(...values));
      return seq;
    },
    flush() {
      open();
      queue.flush();
    },

    getBuild: (id) => read(() => {
      const row = sql.getBuild.get(id) as BuildRow | undefined;
      return row && toBuild(row);
    }),
    getBuildInfo: (id) => read(() => {
      const row = sql.getBuildInfo.get(id) as Omit<BuildRow, 'plan' | 'options'> | undefined;
      return row && toBuildInfo(row);
    }),
    listBuilds: (limit) => read(() => (sql.listBuilds.all(limit ?? -1) as BuildSummaryRow[]).map(toBuildSummary)),
    recentProjects: (limit) => read(() => (sql.recentProjects.all(limit) as { project: string }[]).map((row) => row.project)),
    listJobs: (build) => read(() => (sql.listJobs.all(build) as JobRow[]).map(toJob)),
    getJob: (build, job) => read(() => {
      const row = sql.getJob.get(build, job) as JobRow | undefined;
      return row && toJob(row);
    }),
    jobHistory: (build, job) => read(() =>
      (sql.jobHistory.all(build, job) as { state: string; at: number; reason: string | null }[]).map((row) => ({
        state: row.state as ReturnType<Store['jobHistory']>[number]['state'],
        at: row.at,
        ...(row.reason === null ? {} : { reason: row.reason }),
      })),
    ),
    listAttempts: (build, job) => read(() => {
      const rows = job === undefined ? sql.listAttempts.all(build) : sql.listJobAttempts.all(build, job);
      return (rows as AttemptRow[]).map(toAttempt);
    }),
    readLog: (build, job, afterSeq) => read(() => (sql.readLog.all(build, job, afterSeq ?? 0) as LogChunk[]).map(toLogChunk)),

    upsertAgent(agent, seenAt) {
      const values = [agent.id, agent.name, JSON.stringify(agent.pools), JSON.stringify(agent.labels), agent.slots, JSON.stringify(agent.executors), seenAt];
      enqueue(`upsertAgent ${agent.id}`, () => sql.upsertAgent.run(...values));
    },
    listAgents: () => read(() => (sql.listAgents.all() as AgentRow[]).map(toAgent)),

    addHolder(h) {
      const { group, build, job, since } = h;
      enqueue(`addHolder ${group}`, () => sql.insertHolder.run(group, build, job, since));
    },
    removeHolder(group, build, job) {
      enqueue(`removeHolder ${group}`, () => sql.deleteHolder.run(group, build, job));
    },
    listHolders: () => read(() => (sql.listHolders.all() as Parameters<typeof toHolder>[0][]).map(toHolder)),

    // Looked up for every job that becomes ready: answered from the queued puts, then from the
    // file, without committing the queue first (a commit per ready job would cost more than the job).
    getCacheEntry(key) {
      open();
      const queued = queuedCacheEntries.get(key);
      if (queued) return structuredClone(queued);
      const row = sql.getCacheEntry.get(key) as CacheRow | undefined;
      return row && toCacheEntry(row);
    },
    putCacheEntry(entry) {
      const outputs = JSON.stringify(entry.outputs);
      queuedCacheEntries.set(entry.key, structuredClone(entry));
      enqueue(`putCacheEntry ${entry.key}`, () => {
        sql.putCacheEntry.run(entry.key, entry.build, entry.job, outputs, entry.createdAt);
        queuedCacheEntries.delete(entry.key);
      });
    },

    jobDurations: (project) => read(() => readJobDurations(db, project)),
    unfinishedBuilds: () => read(() => (sql.unfinishedBuilds.all() as BuildRow[]).map(toBuild)),

    ...runningProcessMethods(db, open),
    ...remoteAttemptMethods(db, open, enqueue, read),

    close() {
      if (closed) return;
      try {
        queue.flush();
      } finally {
        closed = true;
        queue.cancelTimer();
        db.close();
      }
    },
  };
}

function prepareStatements(db: Database.Database) {
  const buildColumns = 'id, project, status, created_at, started_at, finished_at, plan, options';
  const jobColumns = 'build, id, pipeline, name, state, reason, key, agent, attempts, batch, resource_group, waiting, queued_at, started_at, finished_at, exit_code';
  const attemptColumns = 'id, build, job, number, agent, started_at, finished_at, status, reason, exit_code';
  return {
    nextBuildNumber: db.prepare(
      "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'last_build_number' RETURNING CAST(value AS TEXT) AS value",
    ),
    insertBuild: db.prepare(`INSERT INTO builds (${buildColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    updateBuild: db.prepare(
      'UPDATE builds SET status = COALESCE(?, status), started_at = COALESCE(?, started_at), finished_at = COALESCE(?, finished_at) WHERE id = ?',
    ),
    getBuild: db.prepare(`SELECT ${buildColumns} FROM builds WHERE id = ?`),
    getBuildInfo: db.prepare('SELECT id, project, status, created_at, started_at, finished_at FROM builds WHERE id = ?'),
    // Columns stored before the plan only: a column after it would read the plan's overflow pages.
    recentProjects: db.prepare('SELECT project FROM (SELECT project, created_at, rowid AS r FROM builds ORDER BY created_at DESC, rowid DESC LIMIT ?) GROUP BY project ORDER BY MAX(created_at) DESC, MAX(r) DESC'),
    listBuilds: db.prepare(
      'SELECT id, project, status, created_at, started_at, finished_at, options, (SELECT COUNT(*) FROM jobs j WHERE j.build = b.id) AS job_count FROM builds b ORDER BY created_at DESC, rowid DESC LIMIT ?',
    ),
    unfinishedBuilds: db.prepare(`SELECT ${buildColumns} FROM builds WHERE status IN ('queued', 'running') ORDER BY created_at, rowid`),
    insertJob: db.prepare(
      "INSERT INTO jobs (build, id, position, pipeline, name, state, key, resource_group) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
    ),
    getJob: db.prepare(`SELECT ${jobColumns} FROM jobs WHERE build = ? AND id = ?`),
    listJobs: db.prepare(`SELECT ${jobColumns} FROM jobs WHERE build = ? ORDER BY position`),
    insertEvent: db.prepare('INSERT INTO job_events (build, job, state, at, reason) VALUES (?, ?, ?, ?, ?)'),
    // Records a state change only when the state really changes (the job exists and differs).
    insertEventIfChanged: db.prepare(
      'INSERT INTO job_events (build, job, state, at, reason) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM jobs WHERE build = ? AND id = ? AND state IS NOT ?)',
    ),
    jobHistory: db.prepare('SELECT state, at, reason FROM job_events WHERE build = ? AND job = ? ORDER BY id'),
    insertAttempt: db.prepare(`INSERT INTO attempts (${attemptColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    finishAttempt: db.prepare('UPDATE attempts SET started_at = COALESCE(?, started_at), finished_at = ?, status = ?, reason = ?, exit_code = ? WHERE id = ?'),
    listAttempts: db.prepare(`SELECT ${attemptColumns} FROM attempts WHERE build = ? ORDER BY rowid`),
    listJobAttempts: db.prepare(`SELECT ${attemptColumns} FROM attempts WHERE build = ? AND job = ? ORDER BY number, rowid`),
    maxSeq: db.prepare('SELECT MAX(seq) AS seq FROM log_chunks WHERE build = ? AND job = ?'),
    insertLog: db.prepare('INSERT INTO log_chunks (build, job, seq, attempt, stream, data, at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    readLog: db.prepare('SELECT build, job, seq, attempt, stream, data, at FROM log_chunks WHERE build = ? AND job = ? AND seq > ? ORDER BY seq'),
    upsertAgent: db.prepare(
      `INSERT INTO agents (id, name, pools, labels, slots, executors, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, pools = excluded.pools, labels = excluded.labels,
         slots = excluded.slots, executors = excluded.executors, last_seen = excluded.last_seen`,
    ),
    listAgents: db.prepare('SELECT id, name, pools, labels, slots, executors, last_seen FROM agents ORDER BY id'),
    deleteHolder: db.prepare('DELETE FROM resource_holders WHERE group_name = ? AND build = ? AND job = ?'),
    insertHolder: db.prepare('INSERT OR REPLACE INTO resource_holders (group_name, build, job, since) VALUES (?, ?, ?, ?)'),
    listHolders: db.prepare('SELECT group_name, build, job, since FROM resource_holders ORDER BY group_name, since, rowid'),
    getCacheEntry: db.prepare('SELECT key, build, job, outputs, created_at FROM cache_entries WHERE key = ?'),
    putCacheEntry: db.prepare('INSERT OR REPLACE INTO cache_entries (key, build, job, outputs, created_at) VALUES (?, ?, ?, ?, ?)'),
  };
}
