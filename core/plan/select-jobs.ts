// `--only PIPELINE[/JOB]`: a smaller plan with the selected jobs and everything they need.
import { estimateWeight } from './estimates';
import { criticalPaths, type NodeWeight } from './graph';
import type { Plan, PlannedJob } from './types';

/** Ids of the jobs one selector names: a pipeline, `pipeline/job` (every matrix expansion) or an exact job id. */
export function jobsSelectedBy(plan: Plan, selector: string): string[] {
  const slash = selector.indexOf('/');
  if (slash < 0) return plan.jobs.filter((job) => job.pipeline === selector).map((job) => job.id);
  const pipeline = selector.slice(0, slash);
  const name = selector.slice(slash + 1);
  return plan.jobs
    .filter((job) => job.pipeline === pipeline && (job.name === name || job.name.startsWith(`${name}[`)))
    .map((job) => job.id);
}

/** The selectors that name no job, for an error message. */
export function unknownSelectors(plan: Plan, only: readonly string[]): string[] {
  return only.filter((selector) => jobsSelectedBy(plan, selector).length === 0);
}

/**
 * The plan restricted to the jobs `only` names plus, transitively, everything they need; pipelines
 * without a kept job drop out. Critical paths are recomputed (dropped dependents no longer count), by
 * each job's estimate unless `weight` says otherwise.
 * An empty `only` keeps the whole plan.
 */
export function selectJobs(plan: Plan, only: readonly string[], weight?: NodeWeight): Plan {
  if (only.length === 0) return plan;
  const byId = new Map(plan.jobs.map((job) => [job.id, job]));
  const kept = new Set<string>();
  const pending = only.flatMap((selector) => jobsSelectedBy(plan, selector));
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (kept.has(id)) continue;
    kept.add(id);
    pending.push(...(byId.get(id)?.needs ?? []));
  }
  const keptJobs = plan.jobs.filter((job) => kept.has(job.id));
  const critical = criticalPaths(new Map(keptJobs.map((job) => [job.id, job.needs])), weight ?? ((id) => estimateWeight(byId.get(id)?.estimateMs)));
  const jobs: PlannedJob[] = keptJobs.map((job) => ({ ...job, criticalPath: critical.get(job.id) ?? job.criticalPath }));
  const keptPipelines = new Set(jobs.map((job) => job.pipeline));
  const pipelines = plan.pipelines
    .filter((pipeline) => keptPipelines.has(pipeline.name))
    .map((pipeline) => ({ ...pipeline, jobs: pipeline.jobs.filter((id) => kept.has(id)), dependsOn: pipeline.dependsOn.filter((name) => keptPipelines.has(name)) }));
  return { ...plan, pipelines, jobs };
}
