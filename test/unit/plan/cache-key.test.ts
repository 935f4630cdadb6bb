import { describe, expect, it } from 'vitest';
import { cacheKey, cacheKeyMaterial, canonicalJson, InputMatcher, type CacheKeyInput } from '../../../core/plan/cache-key';
import { planProject } from '../../../core/plan/plan-project';
import type { JobSpec, ProjectSpec } from '../../../core/spec/types';
import { memoryFiles } from '../../helpers/memory-files';
import { job, pipeline, project } from './builders';

const sources = { 'src/a.c': 'int a;', 'src/b.c': 'int b;', 'src/lib/c.c': 'int c;', 'Makefile': 'all:', 'README.md': 'hi' };

function keysOf(spec: ProjectSpec, files = memoryFiles(sources)): Record<string, string> {
  const result = planProject(spec, files);
  expect(result.diagnostics).toEqual([]);
  return Object.fromEntries(result.plan!.jobs.map((entry) => [entry.id, entry.key]));
}

function twoJobs(compile: Partial<JobSpec> = {}, fetch: Partial<JobSpec> = {}, pipelineImage?: string): ProjectSpec {
  return project([
    pipeline('build', [
      job('fetch', { run: ['git fetch'], inputs: ['Makefile'], ...fetch }),
      job('compile', { run: ['make'], inputs: ['src/**', 'Makefile'], env: { CC: 'gcc', LANG: 'C' }, needs: ['fetch'], ...compile }),
    ], pipelineImage ? { image: pipelineImage } : {}),
  ]);
}

describe('canonicalJson', () => {
  it('sorts object keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

describe('InputMatcher', () => {
  it('matches globs and folders, removes ! globs, sorts', () => {
    const matcher = new InputMatcher(memoryFiles({ ...sources, '.hidden/x': '' }));
    expect(matcher.match(['src/**', '!src/lib/**'])).toEqual(['src/a.c', 'src/b.c']);
    expect(matcher.match(['src'])).toEqual(['src/a.c', 'src/b.c', 'src/lib/c.c']);
    expect(matcher.match(['./Makefile', '**/*.md'])).toEqual(['Makefile', 'README.md']);
    expect(matcher.match(['.hidden/**'])).toEqual(['.hidden/x']);
  });
});

describe('cache keys', () => {
  const base = keysOf(twoJobs());

  it('are hex sha-256 and stable across runs', () => {
    expect(base['build/compile']).toMatch(/^[0-9a-f]{64}$/);
    expect(keysOf(twoJobs())).toEqual(base);
  });

  it('change when an input file changes, and only for jobs that read it (or need one that does)', () => {
    const changed = keysOf(twoJobs(), memoryFiles({ ...sources, 'src/b.c': 'int bb;' }));
    expect(changed['build/fetch']).toBe(base['build/fetch']);
    expect(changed['build/compile']).not.toBe(base['build/compile']);
    const upstream = keysOf(twoJobs(), memoryFiles({ ...sources, Makefile: 'all: x' }));
    expect(upstream['build/fetch']).not.toBe(base['build/fetch']);
  });

  it('change when an input file is added or a file not read changes nothing', () => {
    expect(keysOf(twoJobs(), memoryFiles({ ...sources, 'src/new.c': '' }))['build/compile']).not.toBe(base['build/compile']);
    expect(keysOf(twoJobs(), memoryFiles({ ...sources, 'README.md': 'changed' }))).toEqual(base);
  });

  it('change with the command, env, image, working directory and outputs', () => {
    expect(keysOf(twoJobs({ run: ['make -j'] }))['build/compile']).not.toBe(base['build/compile']);
    expect(keysOf(twoJobs({ env: { CC: 'clang', LANG: 'C' } }))['build/compile']).not.toBe(base['build/compile']);
    expect(keysOf(twoJobs({ image: 'gcc:13' }))['build/compile']).not.toBe(base['build/compile']);
    expect(keysOf(twoJobs({}, {}, 'debian:12'))['build/compile']).not.toBe(base['build/compile']);
    expect(keysOf(twoJobs({ workingDirectory: 'src' }))['build/compile']).not.toBe(base['build/compile']);
    expect(keysOf(twoJobs({ outputs: ['build/**'] }))['build/compile']).not.toBe(base['build/compile']);
  });

  it('change when an upstream job changes', () => {
    const changed = keysOf(twoJobs({}, { run: ['git fetch --depth 1'] }));
    expect(changed['build/fetch']).not.toBe(base['build/fetch']);
    expect(changed['build/compile']).not.toBe(base['build/compile']);
  });

  it('do not change when env keys are written in another order, or with `image: none` vs no image', () => {
    expect(keysOf(twoJobs({ env: { LANG: 'C', CC: 'gcc' } }))).toEqual(base);
    expect(keysOf(twoJobs({ image: 'none' }))).toEqual(base);
  });

  it('do not depend on pool or labels', () => {
    expect(keysOf(twoJobs({ pool: 'other', labels: ['x'] }))).toEqual(base);
  });

  it('hold no absolute paths, only project-relative ones', () => {
    const input: CacheKeyInput = { run: ['make'], env: {}, workingDirectory: '.', inputs: ['src/**'], outputs: [], needKeys: ['b', 'a'] };
    const material = cacheKeyMaterial(input, memoryFiles(sources));
    expect(material).toContain('"src/lib/c.c"');
    expect(material).not.toMatch(/\/work|\/home|\/tmp/);
    expect(cacheKey(input, memoryFiles(sources))).toBe(cacheKey({ ...input, needKeys: ['a', 'b'] }, memoryFiles(sources)));
  });
});
