import { describe, expect, it } from 'vitest';
import { planProject } from '../../../core/plan/plan-project';
import type { Plan, PlannedJob } from '../../../core/plan/types';
import type { ProjectSpec } from '../../../core/spec/types';
import { memoryFiles } from '../../helpers/memory-files';
import { job, needs, pipeline, project, recipe } from './builders';

const noFiles = memoryFiles({});

function planOf(spec: ProjectSpec): Plan {
  const result = planProject(spec, noFiles);
  expect(result.diagnostics).toEqual([]);
  return result.plan!;
}

function jobById(plan: Plan, id: string): PlannedJob {
  const found = plan.jobs.find((entry) => entry.id === id);
  if (!found) throw new Error(`no job ${id} in ${plan.jobs.map((entry) => entry.id).join(', ')}`);
  return found;
}

function messages(spec: ProjectSpec): string[] {
  return planProject(spec, noFiles).diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}${d.remedy ? ` (${d.remedy})` : ''}`);
}

describe('planProject: defaults and substitution', () => {
  it('takes pool, labels, image and timeout from the job, else the pipeline, else defaults', () => {
    const plan = planOf(project([
      pipeline('p', [job('a'), job('b', { pool: 'big', labels: ['gpu'], image: 'none', timeoutMs: 5 })], { pool: 'linux', labels: ['x86'], image: 'debian:12', timeoutMs: 60 }),
      pipeline('q', [job('c')], { pool: '' }),
    ]));
    expect(jobById(plan, 'p/a')).toMatchObject({ pool: 'linux', labels: ['x86'], image: 'debian:12', timeoutMs: 60 });
    const b = jobById(plan, 'p/b');
    expect(b).toMatchObject({ pool: 'big', labels: ['gpu'], timeoutMs: 5 });
    expect(b.image).toBeUndefined();
    expect('image' in b).toBe(false);
    expect(jobById(plan, 'q/c')).toMatchObject({ pool: 'default', labels: [], workingDirectory: '.' });
  });

  it('defaults retry and caching (no inputs: never cached, even with cache: true)', () => {
    const plan = planOf(project([pipeline('p', [job('a', { cache: true }), job('b', { inputs: ['src/**'] }), job('c', { inputs: ['x'], cache: false })])]));
    expect(jobById(plan, 'p/a')).toMatchObject({ cache: false, retry: { max: 0, when: ['failure', 'timeout', 'agent_lost'] } });
    expect(jobById(plan, 'p/b').cache).toBe(true);
    expect(jobById(plan, 'p/c').cache).toBe(false);
  });

  it('merges env and substitutes matrix, env, pipeline and job names', () => {
    const compile = job('compile', {
      matrix: { os: ['debian', 'alpine'] },
      env: { CC: 'gcc-${{ matrix.os }}', FLAGS: '-O2' },
      run: ['make CC=${{ env.CC }} ${{ env.CI }}', 'echo ${{ pipeline.name }} ${{ job.name }}'],
      resourceGroup: 'db-${{ matrix.os }}',
      batch: { key: 'b-${{ matrix.os }}', windowMs: 2000, max: 4 },
      workingDirectory: './services/${{ matrix.os }}/',
    });
    const plan = planOf(project([pipeline('build', [compile], { env: { CI: 'true', FLAGS: '-O0' } })]));
    const debian = jobById(plan, 'build/compile[os=debian]');
    expect(debian.env).toEqual({ CC: 'gcc-debian', CI: 'true', FLAGS: '-O2' });
    expect(debian.run).toEqual(['make CC=gcc-debian true', 'echo build compile[os=debian]']);
    expect(debian).toMatchObject({ resourceGroup: 'db-debian', batch: { key: 'b-debian', windowMs: 2000, max: 4 }, workingDirectory: 'services/debian', matrix: { os: 'debian' } });
  });

  it('rejects a working directory outside the project', () => {
    expect(messages(project([pipeline('p', [job('a', { workingDirectory: '../x' })])]))[0]).toContain('outside the project');
  });
});

describe('planProject: needs', () => {
  const spec = project([
    pipeline('build', [
      job('fetch'),
      job('compile', { matrix: { cc: ['gcc', 'clang'] }, needs: ['fetch'] }),
      job('test', { needs: ['compile[cc=gcc]'] }),
    ]),
    pipeline('release', [job('package', { needs: ['build/compile', 'openssl/>=3'] })]),
  ], [recipe('openssl', ['1.1.1', '3.0.2', '3.1.0'], { requires: ['zlib/~1.2'] }), recipe('zlib', ['1.2.11', '1.2.13', '1.3'])]);

  it('resolves a job name to every matrix expansion and a full name to one', () => {
    const plan = planOf(spec);
    expect(jobById(plan, 'build/compile[cc=gcc]').needs).toEqual(['build/fetch']);
    expect(jobById(plan, 'build/test').needs).toEqual(['build/compile[cc=gcc]']);
  });

  it('resolves cross-pipeline refs and recipe requests to the highest matching version', () => {
    const plan = planOf(spec);
    expect(jobById(plan, 'release/package').needs).toEqual(['build/compile[cc=clang]', 'build/compile[cc=gcc]', 'openssl/3.1.0']);
    expect(jobById(plan, 'openssl/3.0.2').needs).toEqual(['zlib/1.2.13']);
  });

  it('makes one pseudo-pipeline per recipe with one job per version and ${{ version }} substituted', () => {
    const plan = planOf(spec);
    const openssl = plan.pipelines.find((entry) => entry.name === 'openssl')!;
    expect(openssl).toMatchObject({ recipe: true, jobs: ['openssl/1.1.1', 'openssl/3.0.2', 'openssl/3.1.0'] });
    expect(jobById(plan, 'openssl/3.0.2')).toMatchObject({ pipeline: 'openssl', name: '3.0.2', version: '3.0.2', run: ['./build.sh 3.0.2'] });
  });

  it('reports unknown refs at their location with a suggestion', () => {
    const fetchRef = needs('fecth');
    const result = planProject(project([pipeline('build', [job('fetch'), job('compile', { needs: fetchRef })])]), noFiles);
    expect(result.plan).toBeUndefined();
    expect(result.diagnostics).toEqual([{ ...fetchRef[0]!.loc, message: '`needs` names `fecth`, but pipeline `build` has no such job', remedy: 'did you mean `fetch`?' }]);
  });

  it('reports an unknown job of another pipeline and an unknown pipeline', () => {
    const found = messages(project([
      pipeline('build', [job('compile')]),
      pipeline('release', [job('package', { needs: ['build/compiel', 'biuld/compile'] })]),
    ]));
    expect(found[0]).toContain('pipeline `build` (write `build/JOB`) has no job `compiel` (did you mean `compile`?)');
    expect(found[1]).toContain('there is no pipeline or recipe `biuld` (did you mean `build`?)');
  });

  it('reports a requirement nothing matches, naming the recipe and the request', () => {
    const found = messages(project([], [recipe('openssl', ['3.0.2'], { requires: ['zlib/>=2'] }), recipe('zlib', ['1.2.13'])]));
    expect(found).toEqual([expect.stringContaining('recipe `openssl` requires `zlib/>=2`, but no version of recipe `zlib` matches (the workspace has 1.2.13)')]);
    expect(messages(project([], [recipe('openssl', ['3.0.2'], { requires: ['zlip'] }), recipe('zlib', ['1.2.13'])]))[0]).toContain('did you mean `zlib`?');
  });

  it('reports a recipe named like a pipeline', () => {
    expect(messages(project([pipeline('zlib', [job('a')])], [recipe('zlib', ['1'])]))[0]).toContain('recipe `zlib` has the name of a pipeline');
  });

  it('reports a matrix that excludes everything', () => {
    expect(messages(project([pipeline('p', [job('a', { matrix: { x: ['1'] }, exclude: [{ x: '1' }] })])]))[0]).toContain('excludes every combination');
  });
});

describe('planProject: depends_on', () => {
  it('makes every job of B need every sink of A', () => {
    const plan = planOf(project([
      pipeline('a', [job('one'), job('two', { needs: ['one'] }), job('three')]),
      pipeline('b', [job('x'), job('y', { needs: ['x'] })], { dependsOn: ['a'] }),
    ]));
    expect(jobById(plan, 'b/x').needs).toEqual(['a/three', 'a/two']);
    expect(jobById(plan, 'b/y').needs).toEqual(['a/three', 'a/two', 'b/x']);
    expect(plan.pipelines.find((entry) => entry.name === 'b')!.dependsOn).toEqual(['a']);
  });

  it('reports an unknown pipeline', () => {
    expect(messages(project([pipeline('lint', [job('a')]), pipeline('b', [job('x')], { dependsOn: ['lnt'] })]))[0]).toContain('did you mean `lint`?');
  });
});

describe('planProject: cycles', () => {
  it('prints the cycle path at the location of one of its needs', () => {
    const twoNeeds = needs('a/one');
    const oneNeeds = needs('b/two');
    const result = planProject(project([
      pipeline('a', [job('one', { needs: oneNeeds })]),
      pipeline('b', [job('two', { needs: twoNeeds })]),
    ]), noFiles);
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({ ...oneNeeds[0]!.loc, message: 'cycle: a/one -> b/two -> a/one' });
  });

  it('finds cycles through depends_on', () => {
    const found = messages(project([pipeline('a', [job('one')], { dependsOn: ['b'] }), pipeline('b', [job('two')], { dependsOn: ['a'] })]));
    expect(found).toEqual([expect.stringContaining('cycle: a/one -> b/two -> a/one')]);
  });

  it('finds a job that needs itself', () => {
    expect(messages(project([pipeline('a', [job('one', { needs: ['one'] })])]))[0]).toContain('cycle: a/one -> a/one');
  });
});

describe('planProject: order and critical path', () => {
  it('orders jobs after their needs, ties by id, and counts critical paths', () => {
    const plan = planOf(project([pipeline('p', [job('d', { needs: ['c'] }), job('c', { needs: ['a'] }), job('b'), job('a')])]));
    expect(plan.jobs.map((entry) => entry.id)).toEqual(['p/a', 'p/b', 'p/c', 'p/d']);
    expect(plan.jobs.map((entry) => entry.criticalPath)).toEqual([3, 1, 2, 1]);
    expect(plan.pipelines[0]!.jobs).toEqual(['p/a', 'p/b', 'p/c', 'p/d']);
  });

  it('weights critical paths by measured durations, with the pipeline median, then the project median, as fallback', () => {
    const spec = project([
      pipeline('p', [job('a'), job('b', { needs: ['a'] }), job('c', { needs: ['a'] }), job('new', { needs: ['b'] })]),
      pipeline('q', [job('x')]),
    ]);
    const durations = new Map([['p/a', 100], ['p/b', 5000], ['p/c', 300], ['gone/old', 99]]);
    const plan = planProject(spec, noFiles, { durations }).plan!;
    // p/new has no history: the median of p's measured jobs (100, 300, 5000) is 300; q has none: the project's, 300.
    expect(plan.jobs.map((entry) => [entry.id, entry.estimateMs, entry.criticalPath])).toEqual([
      ['p/a', 100, 100 + 5000 + 300],
      ['p/b', 5000, 5000 + 300],
      ['p/c', 300, 300],
      ['p/new', 300, 300],
      ['q/x', 300, 300],
    ]);
  });

  it('keeps unit weights and no estimate without any measurement', () => {
    const plan = planProject(project([pipeline('p', [job('a'), job('b', { needs: ['a'] })])]), noFiles, { durations: new Map([['other/job', 5]]) }).plan!;
    expect(plan.jobs.map((entry) => [entry.criticalPath, 'estimateMs' in entry])).toEqual([[2, false], [1, false]]);
  });
});
