// Where running attempts' processes are (a process group here, or a container), with the pid and start
// time of the process that owns them: a later start ends what a dead owner left. Written at once, not
// batched, so a crash right after a job started still leaves its record.
import type Database from 'better-sqlite3';
import type { RunningProcess } from './types';

interface RunningProcessRow {
  attempt: string;
  owner_pid: number;
  owner_start: string | null;
  process_group: number | null;
  process_group_start: string | null;
  container: string | null;
  since: number;
}

/** The Store methods over the `running_processes` table; `open` throws when the store is closed. */
export function runningProcessMethods(db: Database.Database, open: () => void) {
  const sql = {
    put: db.prepare('INSERT OR REPLACE INTO running_processes (attempt, owner_pid, owner_start, process_group, process_group_start, container, since) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    remove: db.prepare('DELETE FROM running_processes WHERE attempt = ?'),
    list: db.prepare('SELECT attempt, owner_pid, owner_start, process_group, process_group_start, container, since FROM running_processes ORDER BY since, attempt'),
  };
  return {
    recordProcess(record: RunningProcess): void {
      open();
      sql.put.run(record.attempt, record.ownerPid, record.ownerStart ?? null, record.processGroup ?? null, record.processGroupStart ?? null, record.container ?? null, record.since);
    },
    forgetProcess(attempt: string): void {
      open();
      sql.remove.run(attempt);
    },
    listProcesses(): RunningProcess[] {
      open();
      return (sql.list.all() as RunningProcessRow[]).map((row) => ({
        attempt: row.attempt,
        ownerPid: row.owner_pid,
        ...(row.owner_start === null ? {} : { ownerStart: row.owner_start }),
        ...(row.process_group === null ? {} : { processGroup: row.process_group }),
        ...(row.process_group_start === null ? {} : { processGroupStart: row.process_group_start }),
        ...(row.container === null ? {} : { container: row.container }),
        since: row.since,
      }));
    },
  };
}
