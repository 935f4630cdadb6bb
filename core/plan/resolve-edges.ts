// Second step of planning: the edges of the DAG, from `needs`, `depends_on` and recipe `requires`.
import type { Diagnostic, PipelineSpec, RecipeSpec, SourceLocation } from '../spec/types';
import type { DraftJob } from './draft-jobs';
import { resolveDependsOn, resolveNeed, resolveRequirement, type NeedsIndex } from './resolve-needs';

/** The names refs can point at, from the drafted jobs. */
export function buildNeedsIndex(drafts: readonly DraftJob[], recipes: readonly RecipeSpec[]): NeedsIndex {
  const pipelines = new Map<string, Map<string, string[]>>();
  const recipeNames = new Set(recipes.map((recipe) => recipe.name));
  for (const draft of drafts) {
    if (recipeNames.has(draft.pipeline)) continue;
    let jobs = pipelines.get(draft.pipeline);
    if (jobs === undefined) pipelines.set(draft.pipeline, (jobs = new Map<string, string[]>()));
    // Appending in place: copying the list for every matrix expansion made planning quadratic.
    const expansions = jobs.get(draft.baseName);
    if (expansions === undefined) jobs.set(draft.baseName, [draft.id]);
    else expansions.push(draft.id);
    if (draft.name !== draft.baseName) jobs.set(draft.name, [draft.id]);
  }
  return { pipelines, recipes: new Map(recipes.map((recipe) => [recipe.name, [...recipe.versions]])) };
}

function addNeeds(targets: readonly DraftJob[], ids: readonly string[], loc: SourceLocation): void {
  for (const target of targets) for (const id of ids) if (!target.needs.has(id)) target.needs.set(id, loc);
}

function groupBy(drafts: readonly DraftJob[], key: (draft: DraftJob) => string): Map<string, DraftJob[]> {
  const groups = new Map<string, DraftJob[]>();
  for (const draft of drafts) {
    const name = key(draft);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [draft]);
    else group.push(draft);
  }
  return groups;
}

/**
 * The jobs of a pipeline that no other job of the same pipeline needs. `depends_on: [A]` makes every
 * job of B need every sink of A rather than every job of A: the order is the same (each job of A
 * leads to a sink of A) and a plan's `needs` stay short. So `needs` lists A's sinks, not all of A.
 */
function sinksOf(jobs: readonly DraftJob[]): string[] {
  const needed = new Set<string>();
  for (const job of jobs) for (const need of job.needs.keys()) needed.add(need);
  return jobs.filter((job) => !needed.has(job.id)).map((job) => job.id);
}

/** Resolves every edge into `draft.needs`; problems go to `diagnostics`. */
export function resolveEdges(
  pipelines: readonly PipelineSpec[],
  recipes: readonly RecipeSpec[],
  drafts: readonly DraftJob[],
  index: NeedsIndex,
  diagnostics: Diagnostic[],
): void {
  const byJob = groupBy(drafts, (draft) => `${draft.pipeline}\n${draft.baseName}`);
  const byPipeline = groupBy(drafts, (draft) => draft.pipeline);
  for (const pipeline of pipelines) {
    for (const job of pipeline.jobs) {
      const targets = byJob.get(`${pipeline.name}\n${job.name}`) ?? [];
      for (const ref of job.needs) {
        const resolution = resolveNeed(ref, pipeline.name, index, `\`${pipeline.name}/${job.name}\``);
        if ('diagnostic' in resolution) diagnostics.push(resolution.diagnostic);
        else addNeeds(targets, resolution.ids, ref.loc);
      }
    }
  }
  for (const recipe of recipes) {
    const targets = byPipeline.get(recipe.name) ?? [];
    for (const requirement of recipe.requires) {
      const resolution = resolveRequirement(requirement, index, `recipe \`${recipe.name}\``);
      if ('diagnostic' in resolution) diagnostics.push(resolution.diagnostic);
      else addNeeds(targets, resolution.ids, requirement.loc);
    }
  }
  // After all `needs`, so that the sinks of each pipeline are known.
  const sinks = new Map([...byPipeline].map(([name, jobs]) => [name, sinksOf(jobs)]));
  for (const pipeline of pipelines) {
    for (const ref of pipeline.dependsOn) {
      const resolution = resolveDependsOn(ref, pipeline.name, index);
      if ('diagnostic' in resolution) diagnostics.push(resolution.diagnostic);
      else addNeeds(byPipeline.get(pipeline.name) ?? [], sinks.get(resolution.pipeline) ?? [], ref.loc);
    }
  }
}
