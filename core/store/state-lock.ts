// Who coordinates a state dir. Exactly one process at a time: it holds an exclusive SQLite lock on
// `coordinator.lock` (the kernel drops it when the process dies, however it dies, so a dead
// owner's lock is taken over without guessing from pids) and describes itself in
// `coordinator.json` (pid, start time, API address), which other processes read to join it.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** What the owner of a state dir says about itself, for others to find its API. */
export interface OwnerInfo {
  pid: number;
  /** The owner process's start time (ms since the epoch), to tell it from a later process with the same pid. */
  startedAt: number;
  /** `http://127.0.0.1:PORT` of its local API, once it listens. */
  url?: string;
  /** What kind of process owns it: `run`, `serve` or `app`. */
  kind: string;
}

export interface StateLock {
  /** Publishes (or updates) what others read to join this owner. */
  describe(info: OwnerInfo): void;
  release(): void;
}

export type LockResult = { owner: true; lock: StateLock } | { owner: false; info?: OwnerInfo };

const lockFile = (dir: string) => join(dir, 'coordinator.lock');
const infoFile = (dir: string) => join(dir, 'coordinator.json');

/**
 * Tries once to become the coordinator of `dir` (which must exist). Never waits: either this
 * process now owns it, or another does (and `info` says how to reach it, when it said so yet).
 */
export function tryLockState(dir: string): LockResult {
  const db = new Database(lockFile(dir), { timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('locking_mode = EXCLUSIVE');
    // A write in exclusive locking mode keeps the file's exclusive lock until the handle closes.
    db.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER)');
    db.exec('BEGIN EXCLUSIVE; DELETE FROM owner; INSERT INTO owner VALUES (' + process.pid + '); COMMIT');
  } catch (error) {
    db.close();
    if (isBusy(error)) return { owner: false, info: readOwnerInfo(dir) };
    throw error;
  }
  let released = false;
  return {
    owner: true,
    lock: {
      describe(info) {
        const temporary = `${infoFile(dir)}.${process.pid}`;
        writeFileSync(temporary, `${JSON.stringify(info)}\n`, { mode: 0o600 });
        renameSync(temporary, infoFile(dir));
      },
      release() {
        if (released) return;
        released = true;
        rmSync(infoFile(dir), { force: true });
        db.close();
      },
    },
  };
}

/** The owner's description, when there is a readable one. */
export function readOwnerInfo(dir: string): OwnerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(infoFile(dir), 'utf8')) as OwnerInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}
