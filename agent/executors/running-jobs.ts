// What every executor does around its jobs: a stop per job that a cancel or close() can pull, and a
// close() that waits until each job has ended.
import type { ExecutionResult } from './types';

export interface RunningJobs {
  /** Runs one job; its `stop` signal fires on the caller's cancel or on stopAll(). */
  run(signal: AbortSignal, job: (stop: AbortSignal) => Promise<ExecutionResult>): Promise<ExecutionResult>;
  /** Stops every running job and waits for each to end. */
  stopAll(): Promise<void>;
}

/** A set of running jobs for one executor. */
export function createRunningJobs(): RunningJobs {
  const running = new Set<{ stop: () => void; done: Promise<unknown> }>();
  return {
    async run(signal, job) {
      const stopper = new AbortController();
      const forward = (): void => stopper.abort();
      signal.addEventListener('abort', forward, { once: true });
      if (signal.aborted) stopper.abort();
      const done = job(stopper.signal);
      const entry = { stop: forward, done };
      running.add(entry);
      try {
        return await done;
      } finally {
        running.delete(entry);
        signal.removeEventListener('abort', forward);
      }
    },
    async stopAll() {
      const all = [...running];
      for (const entry of all) entry.stop();
      await Promise.allSettled(all.map((entry) => entry.done));
    },
  };
}
