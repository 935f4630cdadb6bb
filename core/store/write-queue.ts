// Batches small writes into one SQLite transaction: one commit (one WAL append) per flush instead of
// one per write is what makes thousands of job state changes and log chunks per second cheap.
import type Database from 'better-sqlite3';

/** The timer the queue schedules its flushes with; injected so tests control time. */
export interface Timer {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** One queued write; `label` names it in error messages. */
export interface WriteOp {
  label: string;
  apply(): void;
}

export interface WriteQueueOptions {
  intervalMs: number;
  maxOps: number;
  timer: Timer;
  /** Receives every commit error (timer, size and explicit flushes); without it they are thrown by `flush()`. */
  onError?: (error: unknown) => void;
}

/** Some queued writes could not be applied; every other write of the batch was committed. */
export class StoreWriteError extends Error {
  constructor(readonly failures: { label: string; error: unknown }[]) {
    const shown = failures.slice(0, 3).map((f) => `${f.label}: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    const more = failures.length > 3 ? `; and ${failures.length - 3} more` : '';
    super(`${failures.length} store write(s) failed: ${shown.join('; ')}${more}`);
    this.name = 'StoreWriteError';
  }
}

export interface WriteQueue {
  push(op: WriteOp): void;
  /** Commits every queued write in one transaction; throws a deferred timer-flush error first. */
  flush(): void;
  pending(): number;
  /** Cancels the scheduled flush (queued writes stay queued). */
  cancelTimer(): void;
}

/** Creates a queue that commits at `maxOps` queued writes, `intervalMs` after the first one, or on `flush()`. */
export function createWriteQueue(db: Database.Database, options: WriteQueueOptions): WriteQueue {
  let queue: WriteOp[] = [];
  let handle: unknown;
  let scheduled = false;
  let deferred: unknown;

  const applyAll = db.transaction((ops: WriteOp[]) => {
    for (const op of ops) op.apply();
  });

  const cancelTimer = (): void => {
    if (scheduled) options.timer.clearTimeout(handle);
    scheduled = false;
    handle = undefined;
  };

  const commit = (): void => {
    cancelTimer();
    if (queue.length === 0) return;
    const ops = queue;
    queue = [];
    try {
      applyAll(ops);
    } catch {
      // The batch rolled back as a whole; apply each write alone so one bad write loses no others.
      const failures: { label: string; error: unknown }[] = [];
      for (const op of ops) {
        try {
          db.transaction(() => op.apply())();
        } catch (error) {
          failures.push({ label: op.label, error });
        }
      }
      if (failures.length > 0) throw new StoreWriteError(failures);
    }
  };

  const onTimer = (): void => {
    scheduled = false;
    handle = undefined;
    try {
      commit();
    } catch (error) {
      if (options.onError) options.onError(error);
      else deferred ??= error;
    }
  };

  return {
    push(op) {
      queue.push(op);
      if (queue.length >= options.maxOps) {
        // A write the database refuses (disk full) goes to the error handler, not into the caller's
        // unrelated code path: the coordinator must be able to end its builds cleanly.
        try {
          commit();
        } catch (error) {
          if (options.onError) options.onError(error);
          else deferred ??= error;
        }
      } else if (!scheduled) {
        scheduled = true;
        handle = options.timer.setTimeout(onTimer, options.intervalMs);
      }
    },
    flush() {
      const error = deferred;
      deferred = undefined;
      if (options.onError) {
        try {
          commit();
        } catch (failure) {
          options.onError(failure);
        }
        return;
      }
      commit();
      if (error !== undefined) throw error;
    },
    pending: () => queue.length,
    cancelTimer,
  };
}
