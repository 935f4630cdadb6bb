// The planner: a parsed project in, one DAG of concrete jobs out (or every problem found).
// Pure: files are read through ProjectFiles only, so the same project plans the same everywhere.
import type { Diagnostic, PipelineSpec, ProjectFiles, ProjectSpec, RecipeSpec } from '../spec/types';
import { cacheKey, InputMatcher } from './cache-key';
import { diagnosticAt, draftPipelineJobs, draftWorkspaceJobs, type DraftJob } from './draft-jobs';
import { estimateDurations, estimateWeight, type MeasuredDurations } from './estimates';
import { criticalPaths, findCycle, topologicalOrder, type NeedsGraph } from './graph';
import { buildNeedsIndex, resolveEdges } from './resolve-edges';
import type { PlannedJob, PlannedPipeline, PlanResult } from './types';

export interface PlanOptions {
  /**
   * Durations measured in earlier builds (job id -> ms), read by the caller from the store: critical
   * paths are weighted by them (see estimates.ts). Without any, every job weighs 1 unit.
   */
  durations?: MeasuredDurations;
}

function checkNames(spec: ProjectSpec, recipes: readonly RecipeSpec[], diagnostics: Diagnostic[]): void {
  const pipelines = new Map(spec.pipelines.map((pipeline) => [pipeline.name, pipeline]));
  const seen = new Set<string>();
  for (const recipe of recipes) {
    const pipeline = pipelines.get(recipe.name);
    if (pipeline) {
      const where = `${pipeline.loc.file}:${pipeline.loc.line}:${pipeline.loc.col}`;
      diagnostics.push(diagnosticAt(recipe.loc, `recipe \`${recipe.name}\` has the name of a pipeline (${where}); job ids \`${recipe.name}/...\` would be ambiguous`, 'rename the recipe or the pipeline'));
    }
    if (seen.has(recipe.name)) diagnostics.push(diagnosticAt(recipe.loc, `two recipes are named \`${recipe.name}\``, 'give each recipe its own name'));
    seen.add(recipe.name);
  }
}

function cycleDiagnostic(cycle: readonly string[], drafts: ReadonlyMap<string, DraftJob>): Diagnostic {
  const [from, to] = cycle;
  const loc = drafts.get(from ?? '')?.needs.get(to ?? '') ?? drafts.get(from ?? '')!.loc;
  return diagnosticAt(loc, `cycle: ${cycle.join(' -> ')}`, 'remove one of these needs (or depends_on) so that the jobs can run in some order');
}

/** Keys in topological order, so a job's needs already have theirs. */
function computeKeys(order: readonly string[], drafts: ReadonlyMap<string, DraftJob>, files: ProjectFiles): Map<string, string> {
  const keys = new Map<string, string>();
  const matcher = new InputMatcher(files);
  for (const id of order) {
    const draft = drafts.get(id)!;
    const needKeys = [...draft.needs.keys()].map((need) => keys.get(need)!);
    const { run, image, env, workingDirectory, inputs, outputs } = draft.resolved;
    keys.set(id, cacheKey({ run, image, env, workingDirectory, inputs, outputs, needKeys, version: draft.version }, files, matcher));
  }
  return keys;
}

function plannedJob(draft: DraftJob, key: string, criticalPath: number, estimateMs: number | undefined): PlannedJob {
  const job: PlannedJob = {
    id: draft.id,
    pipeline: draft.pipeline,
    name: draft.name,
    ...draft.resolved,
    needs: [...draft.needs.keys()].sort(),
    key,
    criticalPath,
  };
  if (estimateMs !== undefined) job.estimateMs = estimateMs;
  if (job.image === undefined) delete job.image;
  if (draft.matrix) job.matrix = draft.matrix;
  if (draft.version !== undefined) job.version = draft.version;
  return job;
}

function plannedPipeline(pipeline: PipelineSpec, jobs: readonly string[]): PlannedPipeline {
  const planned: PlannedPipeline = {
    name: pipeline.name,
    pool: pipeline.pool || 'default',
    labels: [...pipeline.labels],
    dependsOn: pipeline.dependsOn.map((ref) => ref.ref),
    failFast: pipeline.failFast,
    jobs: [...jobs],
    onStart: [...pipeline.onStart],
    onSuccess: [...pipeline.onSuccess],
    onFailure: [...pipeline.onFailure],
    recipe: false,
  };
  if (pipeline.concurrency !== undefined) planned.concurrency = pipeline.concurrency;
  if (pipeline.resourceGroup !== undefined) planned.resourceGroup = pipeline.resourceGroup;
  return planned;
}

function recipePipeline(recipe: RecipeSpec, jobs: readonly string[]): PlannedPipeline {
  return {
    name: recipe.name,
    pool: recipe.pool || 'default',
    labels: [...(recipe.labels ?? [])],
    dependsOn: [],
    failFast: false,
    jobs: [...jobs],
    onStart: [],
    onSuccess: [],
    onFailure: [],
    recipe: true,
  };
}

/** Expands, resolves and orders a parsed project into a plan; never throws for user input. */
export function planProject(spec: ProjectSpec, files: ProjectFiles, options: PlanOptions = {}): PlanResult {
  const diagnostics: Diagnostic[] = [];
  const recipes = spec.workspace?.recipes ?? [];
  checkNames(spec, recipes, diagnostics);
  const drafted = [...spec.pipelines.flatMap((pipeline) => draftPipelineJobs(pipeline, diagnostics)), ...draftWorkspaceJobs(recipes, diagnostics)];
  const drafts = new Map<string, DraftJob>();
  for (const draft of drafted) {
    if (drafts.has(draft.id)) diagnostics.push(diagnosticAt(draft.loc, `two jobs have the id \`${draft.id}\``, 'rename one of them'));
    else drafts.set(draft.id, draft);
  }
  resolveEdges(spec.pipelines, recipes, [...drafts.values()], buildNeedsIndex([...drafts.values()], recipes), diagnostics);
  if (diagnostics.length > 0) return { diagnostics };

  const graph: NeedsGraph = new Map([...drafts.values()].map((draft) => [draft.id, [...draft.needs.keys()].sort()]));
  const cycle = findCycle(graph);
  if (cycle) return { diagnostics: [cycleDiagnostic(cycle, drafts)] };
  const order = topologicalOrder(graph)!;
  const keys = computeKeys(order, drafts, files);
  const estimates = estimateDurations([...drafts.values()], options.durations);
  const critical = criticalPaths(graph, (id) => estimateWeight(estimates.get(id)));
  const jobs = order.map((id) => plannedJob(drafts.get(id)!, keys.get(id)!, critical.get(id)!, estimates.get(id)));
  // One pass over the jobs rather than one per pipeline: a workspace has a pipeline per recipe.
  const jobsOf = new Map<string, string[]>();
  for (const job of jobs) {
    const list = jobsOf.get(job.pipeline);
    if (list === undefined) jobsOf.set(job.pipeline, [job.id]);
    else list.push(job.id);
  }
  const pipelines = [
    ...spec.pipelines.map((pipeline) => plannedPipeline(pipeline, jobsOf.get(pipeline.name) ?? [])),
    ...recipes.map((recipe) => recipePipeline(recipe, jobsOf.get(recipe.name) ?? [])),
  ];
  const { agentLostAfterMs, maxRunning } = spec.settings;
  return {
    plan: { pipelines, jobs, resourceGroups: spec.settings.resourceGroups, ...(agentLostAfterMs === undefined ? {} : { agentLostAfterMs }), ...(maxRunning === undefined ? {} : { maxRunning }) },
    diagnostics: [],
  };
}
