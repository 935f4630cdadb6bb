// What a coordinator needs to recognise its attempts on LAN agents after it restarted: which build,
// jobs and agent each runs (`remote_attempts`, written at once when the attempt starts, removed with
// the batch of writes its result causes), and, per agent, the highest numbered message applied
// (`agent_acks`, batched with the writes that message caused, so the welcome after a restart resumes
// exactly there).
import type Database from 'better-sqlite3';

export interface RemoteAttemptRecord {
  attempt: string;
  build: string;
  /** The agent's id (its hello). */
  agent: string;
  /** Job ids, the lead first (a batch has several). */
  jobs: string[];
  batch?: string;
  /** The owner resumes builds after a restart (`farmhand serve`, the app); a `farmhand run` does not. */
  resumable: boolean;
  startedAt: number;
}

interface RemoteAttemptRow {
  attempt: string;
  build: string;
  agent: string;
  jobs: string;
  batch: string | null;
  resumable: number;
  started_at: number;
}

/** The Store methods over `remote_attempts` and `agent_acks`; `enqueue` batches a write with the others. */
export function remoteAttemptMethods(db: Database.Database, open: () => void, enqueue: (label: string, apply: () => void) => void, read: <T>(query: () => T) => T) {
  const sql = {
    put: db.prepare('INSERT OR REPLACE INTO remote_attempts (attempt, build, agent, jobs, batch, resumable, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    remove: db.prepare('DELETE FROM remote_attempts WHERE attempt = ?'),
    list: db.prepare('SELECT attempt, build, agent, jobs, batch, resumable, started_at FROM remote_attempts ORDER BY started_at, attempt'),
    putAck: db.prepare('INSERT INTO agent_acks (agent, acked) VALUES (?, ?) ON CONFLICT (agent) DO UPDATE SET acked = excluded.acked'),
    getAck: db.prepare('SELECT acked FROM agent_acks WHERE agent = ?'),
  };
  return {
    recordRemoteAttempt(record: RemoteAttemptRecord): void {
      open();
      sql.put.run(record.attempt, record.build, record.agent, JSON.stringify(record.jobs), record.batch ?? null, record.resumable ? 1 : 0, record.startedAt);
    },
    // Batched with the result's own writes: a crash before they commit leaves the attempt to resume, as it should.
    forgetRemoteAttempt(attempt: string): void {
      enqueue('remote attempt done', () => void sql.remove.run(attempt));
    },
    listRemoteAttempts(): RemoteAttemptRecord[] {
      return read(() => sql.list.all() as RemoteAttemptRow[]).map((row) => ({
        attempt: row.attempt,
        build: row.build,
        agent: row.agent,
        jobs: JSON.parse(row.jobs) as string[],
        ...(row.batch === null ? {} : { batch: row.batch }),
        resumable: row.resumable === 1,
        startedAt: row.started_at,
      }));
    },
    setAgentAcked(agent: string, acked: number): void {
      enqueue('agent ack', () => void sql.putAck.run(agent, acked));
    },
    agentAcked(agent: string): number {
      open();
      return (sql.getAck.get(agent) as { acked: number } | undefined)?.acked ?? 0;
    },
  };
}
