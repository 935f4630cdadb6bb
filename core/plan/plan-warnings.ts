// Warnings about a plan that is valid but probably not what was meant: `cache: true` on a job
// without `inputs` (it is never cached), and an `inputs` glob that matches no file (it adds nothing
// to the key, so a change to the files meant is not seen). Pure: files come through ProjectFiles.
import picomatch from 'picomatch';
import type { Diagnostic, JobTemplate, ProjectFiles, ProjectSpec } from '../spec/types';
import { InputMatcher } from './cache-key';
import { diagnosticAt } from './draft-jobs';
import type { Plan, PlannedJob } from './types';

/** A job template as written, with the plan jobs made from it (matrix expansions, recipe versions). */
interface Written {
  template: JobTemplate;
  what: string;
  jobs: PlannedJob[];
}

function writtenJobs(spec: ProjectSpec, plan: Plan): Written[] {
  // Grouped once, per pipeline and by name before any `[` (a matrix expansion's): linear in the plan.
  const pipelines = new Map<string, { all: PlannedJob[]; byBase: Map<string, PlannedJob[]> }>();
  const base = (name: string) => (name.includes('[') ? name.slice(0, name.indexOf('[')) : name);
  for (const job of plan.jobs) {
    let group = pipelines.get(job.pipeline);
    if (!group) pipelines.set(job.pipeline, (group = { all: [], byBase: new Map() }));
    group.all.push(job);
    const key = base(job.name);
    const named = group.byBase.get(key);
    if (named) named.push(job);
    else group.byBase.set(key, [job]);
  }
  const made = (pipeline: string, name?: string) => {
    const group = pipelines.get(pipeline);
    if (name === undefined) return group?.all ?? [];
    return (group?.byBase.get(base(name)) ?? []).filter((job) => job.name === name || job.name.startsWith(`${name}[`));
  };
  return [
    ...spec.pipelines.flatMap((pipeline) => pipeline.jobs.map((job) => ({ template: job, what: `job \`${pipeline.name}/${job.name}\``, jobs: made(pipeline.name, job.name) }))),
    ...(spec.workspace?.recipes ?? []).map((recipe) => ({ template: recipe, what: `recipe \`${recipe.name}\``, jobs: made(recipe.name) })),
  ].filter((written) => written.jobs.length > 0);
}

/** The fixed folder part of a glob (`build/gen/**` -> `build/gen`), for comparing globs loosely. */
function globBase(glob: string): string {
  const pattern = glob.replace(/^\.\//, '');
  const scanned = picomatch.scan(pattern);
  return (scanned.isGlob ? scanned.base : pattern).replace(/\/$/, '');
}

/** True when an input glob's base and an output glob's base may name the same files. */
function mayBeMade(inputBase: string, outputBase: string): boolean {
  if (outputBase === '') return true;
  if (inputBase === '') return false;
  return inputBase === outputBase || inputBase.startsWith(`${outputBase}/`) || outputBase.startsWith(`${inputBase}/`);
}

/**
 * Warnings for the jobs of `plan` (already narrowed by `--only`), at the job's place in the spec.
 * An `inputs` glob that an `outputs` glob of the plan may fill is left alone: those files appear
 * while the build runs, and the key of the job that makes them already covers them.
 */
export function planWarnings(spec: ProjectSpec, plan: Plan, files: ProjectFiles): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const matcher = new InputMatcher(files);
  const outputBases = plan.jobs.flatMap((job) => job.outputs.filter((glob) => !glob.startsWith('!')).map(globBase));
  for (const { template, what, jobs } of writtenJobs(spec, plan)) {
    if (template.cache === true && template.inputs.length === 0) {
      warnings.push(diagnosticAt(template.loc, `${what} has \`cache: true\` but no \`inputs\`, so it is never cached`, 'list the files it reads in `inputs`, or remove `cache: true`'));
    }
    const reported = new Set<string>();
    for (const job of jobs) {
      for (const glob of job.inputs) {
        if (glob.startsWith('!') || reported.has(glob) || matcher.matchGlob(glob).length > 0) continue;
        if (outputBases.some((base) => mayBeMade(globBase(glob), base))) continue;
        reported.add(glob);
        warnings.push(diagnosticAt(template.loc, `\`inputs\` of ${jobs.length > 1 ? `\`${job.id}\`` : what} has \`${glob}\`, which matches no file`, 'paths are relative to the project root; a change to the files meant would not re-run the job'));
      }
    }
  }
  return warnings;
}
