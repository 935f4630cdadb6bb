// How long jobs took in earlier builds of a project: the planner weights critical paths by these.
// One query over the project's successful attempts; the median is taken here, the fallbacks (the
// pipeline's median, then the project's) are the planner's.
import type Database from 'better-sqlite3';

/** Successful attempts per job that the estimate looks at, newest first. */
export const durationSamples = 5;

/** The median of some numbers (the mean of the middle two for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// A job's newest successful attempts in builds of this project; batch members carry the batch's times.
const newestSuccesses = `
  SELECT job, ms FROM (
    SELECT a.job AS job, a.finished_at - a.started_at AS ms,
           ROW_NUMBER() OVER (PARTITION BY a.job ORDER BY a.finished_at DESC, a.rowid DESC) AS newest
    FROM attempts a JOIN builds b ON b.id = a.build
    WHERE b.project = ? AND a.status = 'success' AND a.finished_at IS NOT NULL
  ) WHERE newest <= ${durationSamples}`;

/** Job id -> median duration in ms of its last successful attempts in builds of `project` (its root). */
export function readJobDurations(db: Database.Database, project: string): Map<string, number> {
  const samples = new Map<string, number[]>();
  for (const row of db.prepare(newestSuccesses).iterate(project) as Iterable<{ job: string; ms: number }>) {
    const list = samples.get(row.job);
    if (list === undefined) samples.set(row.job, [Math.max(0, row.ms)]);
    else list.push(Math.max(0, row.ms));
  }
  const durations = new Map<string, number>();
  for (const [job, list] of samples) durations.set(job, median(list)!);
  return durations;
}
