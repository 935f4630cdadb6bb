// Planner scale guards: matrix and workspace limits are refused with a location, and a big matrix
// plans correctly (timing is the bench's business; here only a generous bound against quadratic work).
import { describe, expect, it } from 'vitest';
import { matrixSizeProblem, maxMatrixJobs } from '../../../core/plan/expand-matrix';
import { planProject } from '../../../core/plan/plan-project';
import { maxWorkspaceJobs } from '../../../core/spec/brace-expansion';
import { memoryFiles } from '../../helpers/memory-files';
import { job, pipeline, project, recipe } from './builders';

const noFiles = memoryFiles({});
const values = (count: number, prefix = 'v'): string[] => Array.from({ length: count }, (_, index) => `${prefix}${index}`);

describe('matrix limit', () => {
  it('refuses a job whose matrix expands past the limit, at the job, without expanding it', () => {
    const big = job('test', { matrix: { a: values(2000), b: values(2000), c: values(800) } });
    const started = performance.now();
    const result = planProject(project([pipeline('p', [job('lint'), big])]), noFiles);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.plan).toBeUndefined();
    expect(result.diagnostics).toEqual([{
      file: big.loc.file, line: big.loc.line, col: big.loc.col,
      message: `the matrix of job \`p/test\` expands to 3200000000 jobs; the limit is ${maxMatrixJobs}`,
      remedy: 'split the job into several, or list fewer axis values',
    }]);
  });

  it('counts after exclude: 10,100 combinations minus 100 excluded fit, minus 99 do not', () => {
    const matrix = { a: values(101), b: values(100) };
    expect(matrixSizeProblem({ matrix, exclude: [{ a: 'v100' }] })).toBeUndefined();
    const nearly = [{ a: 'v100', b: 'v0' }, ...values(98, 'v').map((b, index) => ({ a: 'v100', b: `v${index + 1}` }))];
    expect(matrixSizeProblem({ matrix, exclude: nearly })).toBe('expands to 10001 jobs; the limit is 10000');
    expect(matrixSizeProblem({ matrix: { a: values(10_000) }, exclude: [] })).toBeUndefined();
    expect(matrixSizeProblem({ matrix: { a: values(10_001) }, exclude: [] })).toBe('expands to 10001 jobs; the limit is 10000');
  });

  it('plans 8,000 matrix jobs and their fan-in correctly', () => {
    const fanOut = job('test', { matrix: { shard: values(4000), os: ['debian', 'alpine'] } });
    const started = performance.now();
    const result = planProject(project([pipeline('p', [fanOut, job('report', { needs: ['test'] }), job('after', { needs: ['test[os=alpine,shard=v17]'] })])]), noFiles);
    const elapsed = performance.now() - started;
    expect(result.diagnostics).toEqual([]);
    const plan = result.plan!;
    expect(plan.jobs).toHaveLength(8002);
    const ids = new Set(plan.jobs.map((entry) => entry.id));
    expect(ids.size).toBe(8002);
    const report = plan.jobs.find((entry) => entry.id === 'p/report')!;
    expect(report.needs).toHaveLength(8000);
    expect(report.needs.every((need) => need.startsWith('p/test[os='))).toBe(true);
    expect(plan.jobs.find((entry) => entry.id === 'p/after')!.needs).toEqual(['p/test[os=alpine,shard=v17]']);
    expect(plan.jobs.at(-1)?.id).toBe('p/report');
    expect(plan.pipelines[0]!.jobs).toHaveLength(8002);
    // Quadratic planning took seconds here; linear work takes a fraction of one even on a busy machine.
    expect(elapsed).toBeLessThan(5000);
  });
});

describe('workspace limit', () => {
  it('refuses more recipe jobs in all than the limit, at the recipe that goes past it', () => {
    const recipes = [recipe('a', values(6000, '1.')), recipe('b', values(4000, '2.')), recipe('c', values(1, '3.'))];
    const result = planProject(project([], recipes), noFiles);
    expect(result.plan).toBeUndefined();
    const loc = recipes[2]!.loc;
    expect(result.diagnostics).toEqual([{
      file: loc.file, line: loc.line, col: loc.col,
      message: `the workspace has 10001 recipe jobs (versions of all recipes); the limit is ${maxWorkspaceJobs}`,
      remedy: 'list fewer versions, or split the workspace',
    }]);
  });

  it('plans a workspace of exactly the limit', () => {
    const result = planProject(project([], [recipe('a', values(6000, '1.')), recipe('b', values(4000, '2.'))]), noFiles);
    expect(result.diagnostics).toEqual([]);
    expect(result.plan!.jobs).toHaveLength(10_000);
    expect(result.plan!.pipelines.map((entry) => entry.jobs.length)).toEqual([6000, 4000]);
  });
});
