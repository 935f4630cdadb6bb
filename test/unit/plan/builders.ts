// Hand-built ProjectSpec pieces for planner tests, with defaults the parser would fill in.
import type { JobSpec, NeedRef, PipelineSpec, ProjectSpec, RecipeSpec, Requirement, SourceLocation, VersionConstraint } from '../../../core/spec/types';

let line = 0;
/** A fresh location, so that tests can tell which entry a diagnostic points at. */
export function loc(file = 'farmhand.yml'): SourceLocation {
  line += 1;
  return { file, line, col: 5 };
}

export function needs(...refs: string[]): NeedRef[] {
  return refs.map((ref) => ({ ref, loc: loc() }));
}

export function job(name: string, overrides: Partial<Omit<JobSpec, 'needs'>> & { needs?: string[] | NeedRef[] } = {}): JobSpec {
  const { needs: written, ...rest } = overrides;
  const refs = (written ?? []).map((entry) => (typeof entry === 'string' ? { ref: entry, loc: loc() } : entry));
  return { name, run: [`echo ${name}`], env: {}, inputs: [], outputs: [], allowFailure: false, exclude: [], loc: loc(), ...rest, needs: refs };
}

export function pipeline(name: string, jobs: JobSpec[], overrides: Partial<Omit<PipelineSpec, 'dependsOn'>> & { dependsOn?: string[] } = {}): PipelineSpec {
  const { dependsOn, ...rest } = overrides;
  return {
    name,
    pool: 'default',
    labels: [],
    env: {},
    failFast: false,
    onStart: [],
    onSuccess: [],
    onFailure: [],
    loc: loc(),
    jobs,
    ...rest,
    dependsOn: needs(...(dependsOn ?? [])),
  };
}

const constraintPattern = /^(>=|<=|=|>|<|~)?(.*)$/;

/** A requirement like `zlib/>=1.2,<2`, parsed the simple way for tests. */
export function requirement(text: string): Requirement {
  const [name = '', request] = text.split('/');
  const constraints: VersionConstraint[] = request === undefined
    ? []
    : request.split(',').map((part) => {
        const match = constraintPattern.exec(part.trim())!;
        return { op: (match[1] ?? 'prefix') as VersionConstraint['op'], version: match[2] ?? '' };
      });
  return { name, constraints, text, loc: loc('packages/recipe.yml') };
}

export function recipe(name: string, versions: string[], overrides: Partial<Omit<RecipeSpec, 'requires'>> & { requires?: string[] } = {}): RecipeSpec {
  const { requires, ...rest } = overrides;
  return {
    name,
    versions,
    path: `packages/${name}/recipe.yml`,
    run: [`./build.sh \${{ version }}`],
    env: {},
    inputs: [],
    outputs: [],
    allowFailure: false,
    loc: loc(`packages/${name}/recipe.yml`),
    ...rest,
    requires: (requires ?? []).map(requirement),
  };
}

export function project(pipelines: PipelineSpec[], recipes?: RecipeSpec[]): ProjectSpec {
  const spec: ProjectSpec = { pipelines, settings: { resourceGroups: [] } };
  if (recipes) spec.workspace = { recipes, loc: loc('farmhand.workspace.yml') };
  return spec;
}
