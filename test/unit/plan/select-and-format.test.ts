import { describe, expect, it } from 'vitest';
import { formatPlanDot, formatPlanJson, formatPlanText, wouldRunWithCache } from '../../../core/plan/format-plan';
import { planProject } from '../../../core/plan/plan-project';
import { selectJobs, unknownSelectors } from '../../../core/plan/select-jobs';
import type { Plan } from '../../../core/plan/types';
import { memoryFiles } from '../../helpers/memory-files';
import { job, pipeline, project } from './builders';

function samplePlan(): Plan {
  const result = planProject(project([
    pipeline('build', [
      job('fetch', { inputs: ['src/**'] }),
      job('compile', { matrix: { cc: ['gcc', 'clang'] }, needs: ['fetch'], resourceGroup: 'cpu', batch: { key: 'cc', windowMs: 1000, max: 2 } }),
    ], { pool: 'linux' }),
    pipeline('docs', [job('site')]),
    pipeline('release', [job('package', { needs: ['build/compile[cc=gcc]'], image: 'debian:12' })]),
  ]), memoryFiles({ 'src/x': 'x' }));
  return result.plan!;
}

describe('selectJobs', () => {
  it('keeps selected jobs and everything they need, recomputing critical paths', () => {
    const selected = selectJobs(samplePlan(), ['release/package']);
    expect(selected.jobs.map((entry) => entry.id)).toEqual(['build/fetch', 'build/compile[cc=gcc]', 'release/package']);
    expect(selected.pipelines.map((entry) => entry.name)).toEqual(['build', 'release']);
    expect(selected.jobs[0]!.criticalPath).toBe(3);
  });
  it('selects a whole pipeline, or every matrix expansion of a job', () => {
    expect(selectJobs(samplePlan(), ['docs']).jobs.map((entry) => entry.id)).toEqual(['docs/site']);
    expect(selectJobs(samplePlan(), ['build/compile']).jobs).toHaveLength(3);
  });
  it('keeps everything when nothing is selected and names unknown selectors', () => {
    expect(selectJobs(samplePlan(), [])).toEqual(samplePlan());
    expect(unknownSelectors(samplePlan(), ['docs', 'nope', 'build/nope'])).toEqual(['nope', 'build/nope']);
  });
});

describe('formatters', () => {
  it('print JSON with the contract fields', () => {
    const parsed = JSON.parse(formatPlanJson(samplePlan()));
    expect(parsed.jobs.find((entry: { id: string }) => entry.id === 'build/compile[cc=gcc]')).toEqual({
      id: 'build/compile[cc=gcc]', pipeline: 'build', name: 'compile[cc=gcc]', key: expect.stringMatching(/^[0-9a-f]{64}$/),
      needs: ['build/fetch'], would: 'run', batch: 'cc', resource_group: 'cpu', pool: 'linux', image: null, labels: [], critical_path: 2, estimate_ms: null,
    });
  });
  it('ask the cache seam only for jobs with caching on', () => {
    const plan = samplePlan();
    const fetch = plan.jobs.find((entry) => entry.id === 'build/fetch')!;
    const parsed = JSON.parse(formatPlanJson(plan, wouldRunWithCache(() => true)));
    expect(parsed.jobs.map((entry: { would: string }) => entry.would)).toEqual(plan.jobs.map((entry) => (entry === fetch ? 'cached' : 'run')));
  });
  it('print text grouped by pipeline with short needs', () => {
    const text = formatPlanText(samplePlan());
    expect(text).toContain('pipeline build (pool linux)\n');
    expect(text).toMatch(/\n {2}compile\[cc=gcc\] +run +key=[0-9a-f]{8} {2}needs: fetch\n/);
    expect(text).toMatch(/package +run +key=[0-9a-f]{8} {2}needs: build\/compile\[cc=gcc\]/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('5 jobs: 5 would run, 0 cached');
  });
  it('print DOT with clusters and quoted ids', () => {
    const dot = formatPlanDot(samplePlan());
    expect(dot).toMatch(/^digraph farmhand \{/);
    expect(dot).toContain('subgraph "cluster_build" {');
    expect(dot).toContain('"build/fetch" -> "build/compile[cc=clang]";');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });
});
