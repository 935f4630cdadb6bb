// Batching: ready jobs with the same batch key that became ready within the window of the first
// run as one invocation. A job is ready only once all of its needs are done, so two ready jobs
// never depend on one another: grouping ready jobs can never batch a job with its dependency.
import type { ReadyJob } from './types';

/** A scheduling unit: one job, or the members of one batch (the first member leads). */
export interface Unit {
  members: ReadyJob[];
}

export interface Batched {
  units: Unit[];
  /** Earliest time a held-back batch window closes. */
  wakeAt?: number;
}

/** Jobs may share an invocation only if they run in the same place under the same locks. */
function batchGroupKey(job: ReadyJob): string {
  return JSON.stringify([
    job.build,
    job.batch?.key,
    job.pool,
    [...job.labels].sort(),
    job.executor,
    job.resourceGroup ?? null,
    job.pipelineResourceGroup ? job.pipeline : null,
  ]);
}

const byReadiness = (a: ReadyJob, b: ReadyJob): number => a.readyAt - b.readyAt || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0);

/** Splits ready jobs into units: single jobs, closed batches; jobs in open batch windows are held back. */
export function formUnits(ready: readonly ReadyJob[], now: number): Batched {
  const units: Unit[] = [];
  const groups = new Map<string, ReadyJob[]>();
  for (const job of ready) {
    if (!job.batch) {
      units.push({ members: [job] });
      continue;
    }
    const key = batchGroupKey(job);
    const group = groups.get(key);
    if (group) group.push(job);
    else groups.set(key, [job]);
  }
  let wakeAt: number | undefined;
  const wake = (at: number) => {
    wakeAt = wakeAt === undefined ? at : Math.min(wakeAt, at);
  };
  for (const group of groups.values()) {
    group.sort(byReadiness);
    let rest = group;
    while (rest.length > 0) {
      const first = rest[0] as ReadyJob;
      const { windowMs, max } = first.batch as NonNullable<ReadyJob['batch']>;
      const windowEnd = first.readyAt + windowMs;
      const inWindow = rest.filter((job) => job.readyAt <= windowEnd);
      if (inWindow.length < max && now < windowEnd) {
        wake(windowEnd);
        break;
      }
      const members = inWindow.slice(0, max);
      units.push({ members });
      const taken = new Set(members);
      rest = rest.filter((job) => !taken.has(job));
    }
  }
  return { units, wakeAt };
}
