// First step of planning: every concrete job (matrix expansions, recipe versions) with its template
// resolved, before edges, keys and order are known.
import type { Diagnostic, JobSpec, PipelineSpec, RecipeSpec, SourceLocation } from '../spec/types';
import { expandMatrix, matrixSizeProblem } from './expand-matrix';
import { maxWorkspaceJobs } from '../spec/brace-expansion';
import { normalizeInsideProject } from '../spec/paths';
import { resolveTemplate, type ResolvedTemplate } from './resolve-template';

/** A job on its way into the plan. */
export interface DraftJob {
  id: string;
  pipeline: string;
  name: string;
  /** The job name as written under `jobs:` (the version for a recipe job). */
  baseName: string;
  resolved: ResolvedTemplate;
  matrix?: Record<string, string>;
  version?: string;
  loc: SourceLocation;
  /** Need id -> where the edge was written (for cycle messages); filled by edge resolution. */
  needs: Map<string, SourceLocation>;
}

/** A diagnostic at a source location. */
export function diagnosticAt(loc: SourceLocation, message: string, remedy?: string): Diagnostic {
  const diagnostic: Diagnostic = { file: loc.file, line: loc.line, col: loc.col, message };
  if (remedy !== undefined) diagnostic.remedy = remedy;
  return diagnostic;
}

/** Checks the working directory stays inside the project and normalises it. */
function checkWorkingDirectory(draft: DraftJob, diagnostics: Diagnostic[]): void {
  const normalized = normalizeInsideProject(draft.resolved.workingDirectory);
  if (normalized === undefined) {
    diagnostics.push(diagnosticAt(draft.loc, `job \`${draft.id}\` has working_directory \`${draft.resolved.workingDirectory}\`, which is outside the project`, 'write a path relative to the project root, without `..` above it'));
    return;
  }
  draft.resolved.workingDirectory = normalized;
}

/** The concrete jobs of one pipeline job: one per matrix combination. */
function draftPipelineJob(pipeline: PipelineSpec, job: JobSpec, diagnostics: Diagnostic[]): DraftJob[] {
  const tooLarge = matrixSizeProblem(job);
  if (tooLarge !== undefined) {
    diagnostics.push(diagnosticAt(job.loc, `the matrix of job \`${pipeline.name}/${job.name}\` ${tooLarge}`, 'split the job into several, or list fewer axis values'));
    return [];
  }
  const expansions = expandMatrix(job);
  if (expansions.length === 0) {
    diagnostics.push(diagnosticAt(job.loc, `the matrix of job \`${pipeline.name}/${job.name}\` excludes every combination`, 'remove an `exclude` entry or add axis values'));
  }
  return expansions.map((expansion) => {
    const draft: DraftJob = {
      id: `${pipeline.name}/${expansion.name}`,
      pipeline: pipeline.name,
      name: expansion.name,
      baseName: job.name,
      resolved: resolveTemplate(job, {
        pipelineName: pipeline.name,
        jobName: expansion.name,
        ...(expansion.matrix ? { matrix: expansion.matrix } : {}),
        defaults: { pool: pipeline.pool, labels: pipeline.labels, image: pipeline.image, timeoutMs: pipeline.timeoutMs, env: pipeline.env },
      }),
      loc: job.loc,
      needs: new Map(),
    };
    if (expansion.matrix) draft.matrix = expansion.matrix;
    checkWorkingDirectory(draft, diagnostics);
    return draft;
  });
}

/** Every concrete job of a pipeline, in the order written. */
export function draftPipelineJobs(pipeline: PipelineSpec, diagnostics: Diagnostic[]): DraftJob[] {
  return pipeline.jobs.flatMap((job) => draftPipelineJob(pipeline, job, diagnostics));
}

/**
 * Every recipe job of the workspace, or none when there are more than `maxWorkspaceJobs` in all
 * (reported at the recipe that goes past the limit).
 */
export function draftWorkspaceJobs(recipes: readonly RecipeSpec[], diagnostics: Diagnostic[]): DraftJob[] {
  let total = 0;
  for (const recipe of recipes) {
    total += new Set(recipe.versions).size;
    if (total > maxWorkspaceJobs) {
      const all = recipes.reduce((sum, each) => sum + new Set(each.versions).size, 0);
      diagnostics.push(diagnosticAt(recipe.loc, `the workspace has ${all} recipe jobs (versions of all recipes); the limit is ${maxWorkspaceJobs}`, 'list fewer versions, or split the workspace'));
      return [];
    }
  }
  return recipes.flatMap((recipe) => draftRecipeJobs(recipe, diagnostics));
}

/** One job per version of a recipe, id `recipe/version`, with `${{ version }}` substituted. */
export function draftRecipeJobs(recipe: RecipeSpec, diagnostics: Diagnostic[]): DraftJob[] {
  return [...new Set(recipe.versions)].map((version) => {
    const draft: DraftJob = {
      id: `${recipe.name}/${version}`,
      pipeline: recipe.name,
      name: version,
      baseName: version,
      resolved: resolveTemplate(recipe, { pipelineName: recipe.name, jobName: version, version, defaults: {} }),
      version,
      loc: recipe.loc,
      needs: new Map(),
    };
    checkWorkingDirectory(draft, diagnostics);
    return draft;
  });
}
