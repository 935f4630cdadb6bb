// The three ways `farmhand plan` prints a plan: text for people, JSON for tools, DOT for Graphviz.
// Pure, so the UI and tests use the very same output.
import type { Plan, PlannedJob } from './types';

export type Would = 'run' | 'cached';

/** Whether `run` would run a job or reuse a stored result; the cache store supplies the real answer. */
export type WouldRun = (job: PlannedJob) => Would;

/** Without a cache store every job would run. */
export const alwaysRun: WouldRun = () => 'run';

/** A WouldRun over a cache lookup: cached only when caching is on for the job and its key has a stored success. */
export function wouldRunWithCache(hasSuccess: (key: string) => boolean): WouldRun {
  return (job) => (job.cache && hasSuccess(job.key) ? 'cached' : 'run');
}

/** One job of `plan --format json`: the run report's job fields that exist before running, plus `needs` and `would`. */
export interface PlanJsonJob {
  id: string;
  pipeline: string;
  name: string;
  key: string;
  needs: string[];
  would: Would;
  /** The resolved batch key (the run report names the batch id instead), or null. */
  batch: string | null;
  resource_group: string | null;
  pool: string;
  image: string | null;
  labels: string[];
  critical_path: number;
  /** Expected duration in ms from earlier builds, or null when unknown. */
  estimate_ms: number | null;
}

/** The JSON document as data. */
export function planJson(plan: Plan, wouldRun: WouldRun = alwaysRun): { jobs: PlanJsonJob[] } {
  return {
    jobs: plan.jobs.map((job) => ({
      id: job.id,
      pipeline: job.pipeline,
      name: job.name,
      key: job.key,
      needs: [...job.needs],
      would: wouldRun(job),
      batch: job.batch?.key ?? null,
      resource_group: job.resourceGroup ?? null,
      pool: job.pool,
      image: job.image ?? null,
      labels: [...job.labels],
      critical_path: job.criticalPath,
      estimate_ms: job.estimateMs ?? null,
    })),
  };
}

/** `plan --format json`: two-space indented, ending with a newline. */
export function formatPlanJson(plan: Plan, wouldRun: WouldRun = alwaysRun): string {
  return `${JSON.stringify(planJson(plan, wouldRun), null, 2)}\n`;
}

/** A need as shown next to a job: bare name inside the same pipeline, full id across pipelines. */
function shortNeed(job: PlannedJob, need: string): string {
  const prefix = `${job.pipeline}/`;
  return need.startsWith(prefix) ? need.slice(prefix.length) : need;
}

/**
 * `plan --format text`: one block per pipeline, one line per job in plan order, e.g.
 * `  compile[cc=gcc]  run  key=ab12cd34  needs: fetch`.
 */
export function formatPlanText(plan: Plan, wouldRun: WouldRun = alwaysRun): string {
  const byId = new Map(plan.jobs.map((job) => [job.id, job]));
  const lines: string[] = [];
  for (const pipeline of plan.pipelines) {
    const jobs = pipeline.jobs.map((id) => byId.get(id)).filter((job): job is PlannedJob => job !== undefined);
    if (jobs.length === 0) continue;
    const kind = pipeline.recipe ? 'recipe' : 'pipeline';
    const extras = [`pool ${pipeline.pool}`, ...(pipeline.dependsOn.length > 0 ? [`depends on ${pipeline.dependsOn.join(', ')}`] : [])];
    lines.push(`${kind} ${pipeline.name} (${extras.join('; ')})`);
    const width = Math.max(...jobs.map((job) => job.name.length));
    for (const job of jobs) {
      const needs = job.needs.length > 0 ? `  needs: ${job.needs.map((need) => shortNeed(job, need)).join(', ')}` : '';
      lines.push(`  ${job.name.padEnd(width)}  ${wouldRun(job).padEnd(6)}  key=${job.key.slice(0, 8)}${needs}`);
    }
  }
  const cached = plan.jobs.filter((job) => wouldRun(job) === 'cached').length;
  lines.push(`${plan.jobs.length} jobs: ${plan.jobs.length - cached} would run, ${cached} cached`);
  return `${lines.join('\n')}\n`;
}

function quoteDot(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `plan --format dot`: one cluster per pipeline, an edge from each need to the job that needs it. */
export function formatPlanDot(plan: Plan, wouldRun: WouldRun = alwaysRun): string {
  const byId = new Map(plan.jobs.map((job) => [job.id, job]));
  const lines = ['digraph farmhand {', '  rankdir=LR;', '  node [shape=box];'];
  for (const pipeline of plan.pipelines) {
    if (pipeline.jobs.length === 0) continue;
    lines.push(`  subgraph ${quoteDot(`cluster_${pipeline.name}`)} {`, `    label=${quoteDot(pipeline.name)};`);
    for (const id of pipeline.jobs) {
      const job = byId.get(id);
      if (!job) continue;
      const style = wouldRun(job) === 'cached' ? ', style=dashed' : '';
      lines.push(`    ${quoteDot(id)} [label=${quoteDot(job.name)}${style}];`);
    }
    lines.push('  }');
  }
  for (const job of plan.jobs) for (const need of job.needs) lines.push(`  ${quoteDot(need)} -> ${quoteDot(job.id)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
