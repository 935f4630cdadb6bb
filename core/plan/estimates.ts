// How long each job is expected to take, from durations measured in earlier builds (given as data:
// the planner reads no store). A job without its own measurement takes its pipeline's median, then
// the project's; with no measurement at all, every job weighs 1 unit, as before history existed.

/** Job id -> measured duration in ms (the median of its last successful attempts), read by the caller. */
export type MeasuredDurations = ReadonlyMap<string, number>;

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each job's estimate in ms, or undefined when nothing of the project was ever measured. */
export function estimateDurations(jobs: readonly { id: string; pipeline: string }[], measured: MeasuredDurations = new Map()): Map<string, number | undefined> {
  const byPipeline = new Map<string, number[]>();
  const all: number[] = [];
  for (const job of jobs) {
    const ms = measured.get(job.id);
    if (ms === undefined || !Number.isFinite(ms)) continue;
    all.push(ms);
    const list = byPipeline.get(job.pipeline);
    if (list === undefined) byPipeline.set(job.pipeline, [ms]);
    else list.push(ms);
  }
  const pipelineMedians = new Map([...byPipeline].map(([pipeline, list]) => [pipeline, median(list)!]));
  const projectMedian = median(all);
  const estimates = new Map<string, number | undefined>();
  for (const job of jobs) {
    const own = measured.get(job.id);
    estimates.set(job.id, own !== undefined && Number.isFinite(own) ? own : (pipelineMedians.get(job.pipeline) ?? projectMedian));
  }
  return estimates;
}

/**
 * A job's weight on the critical path: its estimate in ms, at least 1 ms, so that a chain of
 * instant jobs is still longer than one of them.
 */
export function estimateWeight(estimateMs: number | undefined): number {
  return estimateMs === undefined ? 1 : Math.max(estimateMs, 1);
}
