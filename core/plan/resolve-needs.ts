// Resolving what a job needs, as written, to concrete job ids of the plan.
//
// A needs ref is one of:
//   `job`              every matrix expansion of that job in the same pipeline (or `job[a=1]`, exactly one);
//                      when the pipeline has no such job but a recipe has that name, its highest version
//   `pipeline/job`     the same, in another pipeline (cross-pipeline fan-in)
//   `recipe/1.2.3`     that exact recipe version
//   `recipe/>=1.2`     the highest workspace version of the recipe that matches the request
import { didYouMean } from '../spec/diagnostics';
import { parseRequirement } from '../spec/requirements';
import type { Diagnostic, NeedRef, Requirement, SourceLocation } from '../spec/types';
import { compareVersions, highestMatching } from './versions';

/** The names a ref can point at. */
export interface NeedsIndex {
  /** Pipeline name -> job name (bare, and each matrix expansion) -> job ids. */
  pipelines: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  /** Recipe name -> its versions. */
  recipes: ReadonlyMap<string, readonly string[]>;
}

/** Job ids a ref resolves to, or the problem with it. */
export type NeedResolution = { ids: string[] } | { diagnostic: Diagnostic };

function problem(loc: SourceLocation, message: string, remedy?: string): NeedResolution {
  const diagnostic: Diagnostic = { file: loc.file, line: loc.line, col: loc.col, message };
  if (remedy !== undefined) diagnostic.remedy = remedy;
  return { diagnostic };
}

/** The highest version of a recipe that satisfies a requirement, or why none does. */
export function resolveRequirement(requirement: Requirement, index: NeedsIndex, requiredBy: string): NeedResolution {
  const versions = index.recipes.get(requirement.name);
  if (versions === undefined) {
    const remedy = didYouMean(requirement.name, index.recipes.keys()) ?? 'name a recipe of the workspace';
    return problem(requirement.loc, `${requiredBy} requires \`${requirement.text}\`, but the workspace has no recipe \`${requirement.name}\``, remedy);
  }
  const version = highestMatching(versions, requirement.constraints);
  if (version === undefined) {
    const known = [...versions].sort(compareVersions).join(', ');
    return problem(requirement.loc, `${requiredBy} requires \`${requirement.text}\`, but no version of recipe \`${requirement.name}\` matches`, `the workspace has ${known}`);
  }
  return { ids: [`${requirement.name}/${version}`] };
}

function resolveRecipeRef(ref: NeedRef, recipe: string, request: string, index: NeedsIndex, requiredBy: string): NeedResolution {
  const versions = index.recipes.get(recipe) ?? [];
  if (versions.includes(request)) return { ids: [`${recipe}/${request}`] };
  const parsed = parseRequirement(ref.ref, ref.loc);
  if (!parsed.ok) return problem(ref.loc, parsed.message, parsed.remedy);
  return resolveRequirement(parsed.requirement, index, requiredBy);
}

function resolveJobRef(ref: NeedRef, pipeline: string, job: string, index: NeedsIndex, sameAs: string): NeedResolution {
  const jobs = index.pipelines.get(pipeline);
  const ids = jobs?.get(job);
  if (ids !== undefined && ids.length > 0) return { ids: [...ids] };
  if (ids !== undefined) return problem(ref.loc, `\`needs: ${ref.ref}\` names a job whose matrix excludes every combination`);
  const remedy = didYouMean(job, jobs?.keys() ?? []);
  const where = pipeline === sameAs ? `pipeline \`${pipeline}\`` : `pipeline \`${pipeline}\` (write \`${pipeline}/JOB\`)`;
  return problem(ref.loc, `\`needs\` names \`${ref.ref}\`, but ${where} has no job \`${job}\``, remedy);
}

/** Every name a ref could have meant, for "did you mean". */
function candidateRefs(pipeline: string, index: NeedsIndex): string[] {
  const names = [...(index.pipelines.get(pipeline)?.keys() ?? []), ...index.recipes.keys()];
  for (const [other, jobs] of index.pipelines) for (const job of jobs.keys()) names.push(`${other}/${job}`);
  return names;
}

/** Resolves one `needs` entry of a job of `pipeline` (`requiredBy` names the job in messages). */
export function resolveNeed(ref: NeedRef, pipeline: string, index: NeedsIndex, requiredBy: string): NeedResolution {
  const own = index.pipelines.get(pipeline);
  if (own?.has(ref.ref)) return resolveJobRef(ref, pipeline, ref.ref, index, pipeline);
  const slash = ref.ref.indexOf('/');
  if (slash < 0) {
    if (index.recipes.has(ref.ref)) return resolveRecipeRef(ref, ref.ref, '', index, requiredBy);
    const remedy = didYouMean(ref.ref, candidateRefs(pipeline, index));
    return problem(ref.loc, `\`needs\` names \`${ref.ref}\`, but pipeline \`${pipeline}\` has no such job`, remedy ?? 'write a job of this pipeline, PIPELINE/JOB or RECIPE/VERSION');
  }
  const head = ref.ref.slice(0, slash);
  const rest = ref.ref.slice(slash + 1);
  if (index.pipelines.has(head)) return resolveJobRef(ref, head, rest, index, pipeline);
  if (index.recipes.has(head)) return resolveRecipeRef(ref, head, rest, index, requiredBy);
  const remedy = didYouMean(head, [...index.pipelines.keys(), ...index.recipes.keys()]) ?? didYouMean(ref.ref, candidateRefs(pipeline, index));
  return problem(ref.loc, `\`needs\` names \`${ref.ref}\`, but there is no pipeline or recipe \`${head}\``, remedy);
}

/** Resolves a `depends_on` entry to the name of a pipeline (a recipe's pseudo-pipeline counts too). */
export function resolveDependsOn(ref: NeedRef, pipeline: string, index: NeedsIndex): { pipeline: string } | { diagnostic: Diagnostic } {
  if (index.pipelines.has(ref.ref) || index.recipes.has(ref.ref)) return { pipeline: ref.ref };
  const others = [...index.pipelines.keys()].filter((name) => name !== pipeline);
  const remedy = didYouMean(ref.ref, others) ?? (others.length > 0 ? `pipelines: ${others.join(', ')}` : undefined);
  const resolution = problem(ref.loc, `\`depends_on\` names \`${ref.ref}\`, but there is no pipeline of that name`, remedy);
  return resolution as { diagnostic: Diagnostic };
}
