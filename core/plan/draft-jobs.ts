// First step of planning: every concrete job (matrix expansions, recipe versions) with its template
// resolved, before edges, keys and order are known.
import type { Diagnostic, JobSpec, PipelineSpec, RecipeSpec, SourceLocation } from '../spec/types';
import { expandMatrix } from './expand-matrix';
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
