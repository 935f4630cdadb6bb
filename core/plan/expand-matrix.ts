// Matrix fan-out: one concrete job per combination of axis values, minus the excluded ones.
import type { JobSpec } from '../spec/types';

/** One combination of a job's matrix, with the job name it gives. */
export interface MatrixExpansion {
  /** `compile[cc=gcc,os=debian]` (axes sorted by name); the bare job name when there is no matrix. */
  name: string;
  /** Axis -> value; undefined when the job has no matrix. */
  matrix?: Record<string, string>;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The most jobs one job's matrix may expand to (after `exclude`), like the brace limit of recipe versions. */
export const maxMatrixJobs = 10_000;
/** Combinations counted one by one at most: a matrix with more is refused without looking at its excludes. */
const maxCountedCombinations = 100 * maxMatrixJobs;

/**
 * Why a job's matrix is too large to expand (`expands to N jobs`), or undefined when it fits in
 * `limit`. Counted before anything is built, so a matrix of millions is refused in milliseconds.
 */
export function matrixSizeProblem(job: Pick<JobSpec, 'matrix' | 'exclude'>, limit = maxMatrixJobs): string | undefined {
  const axes = Object.keys(job.matrix ?? {}).sort(byName);
  const values = axes.map((axis) => job.matrix?.[axis] ?? []);
  const combinations = values.reduce((product, list) => product * list.length, 1);
  if (combinations <= limit) return undefined;
  if (combinations > maxCountedCombinations || job.exclude.length === 0) {
    const written = Number.isSafeInteger(combinations) ? String(combinations) : 'more than 9007199254740991';
    return `expands to ${written} ${job.exclude.length === 0 ? 'jobs' : 'combinations before `exclude`'}; the limit is ${limit}`;
  }
  // Excludes are partial combinations: count the kept ones by index, without making their objects.
  const excludes = job.exclude.map((entry) => Object.entries(entry).map(([axis, value]) => [axes.indexOf(axis), values[axes.indexOf(axis)]?.indexOf(value) ?? -1] as const));
  const digits = new Array<number>(axes.length).fill(0);
  let kept = 0;
  for (let index = 0; index < combinations; index += 1) {
    let rest = index;
    for (let axis = axes.length - 1; axis >= 0; axis -= 1) {
      const size = values[axis]!.length;
      digits[axis] = rest % size;
      rest = Math.floor(rest / size);
    }
    if (!excludes.some((entry) => entry.every(([axis, value]) => digits[axis] === value))) kept += 1;
  }
  return kept > limit ? `expands to ${kept} jobs; the limit is ${limit}` : undefined;
}

/** The job name for one combination: axes sorted by name, `name[a=1,b=2]`. */
export function matrixJobName(name: string, matrix: Readonly<Record<string, string>>): string {
  const axes = Object.keys(matrix).sort(byName);
  if (axes.length === 0) return name;
  return `${name}[${axes.map((axis) => `${axis}=${matrix[axis]}`).join(',')}]`;
}

/** An exclude entry removes every combination that has all of its axis values (a partial entry removes many). */
function isExcluded(combination: Readonly<Record<string, string>>, exclude: readonly Record<string, string>[]): boolean {
  return exclude.some((entry) => Object.entries(entry).every(([axis, value]) => combination[axis] === value));
}

/**
 * Every combination of the job's matrix that no exclude entry removes, in a stable order: axes sorted
 * by name, the first axis varying slowest, values in the order written. A job without a matrix (or with
 * an empty one) gives itself; a matrix whose every combination is excluded gives nothing.
 */
export function expandMatrix(job: Pick<JobSpec, 'name' | 'matrix' | 'exclude'>): MatrixExpansion[] {
  const axes = Object.keys(job.matrix ?? {}).sort(byName);
  if (!job.matrix || axes.length === 0) return [{ name: job.name }];
  let combinations: Record<string, string>[] = [{}];
  for (const axis of axes) {
    const values = job.matrix[axis] ?? [];
    combinations = combinations.flatMap((partial) => values.map((value) => ({ ...partial, [axis]: value })));
  }
  const seen = new Set<string>();
  const expansions: MatrixExpansion[] = [];
  for (const combination of combinations) {
    const name = matrixJobName(job.name, combination);
    // A value written twice on one axis would give the same job twice; keep the first.
    if (isExcluded(combination, job.exclude) || seen.has(name)) continue;
    seen.add(name);
    expansions.push({ name, matrix: combination });
  }
  return expansions;
}
