import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../core/spec/diagnostics';
import { parseProject } from '../../../core/spec/parse-project';
import type { ProjectFiles } from '../../../core/spec/types';
import { memoryFiles, memoryFilesWithSizes } from '../../helpers/memory-files';

const fixtures = join(import.meta.dirname, '../../fixtures/specs');
const fixture = (path: string): string => readFileSync(join(fixtures, path), 'utf8');
const formatted = (files: ProjectFiles): string[] => parseProject(files).diagnostics.map(formatDiagnostic);

describe('parseProject: the spec it returns', () => {
  it('reads every pipeline, job and settings key', () => {
    const { spec, diagnostics } = parseProject(memoryFiles({ 'farmhand.yml': fixture('valid-full-pipeline/farmhand.yml') }));
    expect(diagnostics).toEqual([]);
    const [build, lint] = spec?.pipelines ?? [];
    expect(lint?.name).toBe('lint');
    expect(lint?.pool).toBe('default');
    expect(build).toMatchObject({
      name: 'build-linux', pool: 'linux', labels: ['docker', 'x86_64'], concurrency: 4, resourceGroup: 'deploy',
      image: 'debian:12', env: { CI: 'true', LEVEL: '3' }, timeoutMs: 1_800_000, failFast: false,
      onStart: ['echo start ${{ pipeline.name }}'], onSuccess: ['echo ok', 'notify'], onFailure: ['echo failed'],
      loc: { file: 'farmhand.yml', line: 2, col: 7 },
    });
    expect(build?.dependsOn).toEqual([{ ref: 'lint', loc: { file: 'farmhand.yml', line: 5, col: 14 } }]);
    const compile = build?.jobs.find((job) => job.name === 'compile');
    expect(compile).toEqual({
      name: 'compile',
      run: ['make -j CC=${{ matrix.cc }}', 'echo ${{ job.name }} ${{ env.CI }} ${{ env.CC }}'],
      needs: [{ ref: 'fetch', loc: { file: 'farmhand.yml', line: 23, col: 13 } }],
      image: 'gcc:13', pool: 'linux-big', env: { CC: 'gcc' },
      matrix: { cc: ['gcc', 'clang'], os: ['debian', 'alpine'] },
      exclude: [{ cc: 'clang', os: 'alpine' }],
      inputs: ['src/**', 'Makefile', '!src/generated/**'], outputs: ['build/**'], cache: true,
      resourceGroup: 'db-${{ matrix.os }}', batch: { key: 'bazel-${{ matrix.os }}', windowMs: 2000, max: 16 },
      timeoutMs: 5_400_000, retry: { max: 2, when: ['agent_lost', 'timeout', 'failure'] }, allowFailure: false,
      workingDirectory: 'services/api', loc: { file: 'farmhand.yml', line: 19, col: 3 },
    });
    const test = build?.jobs.find((job) => job.name === 'test');
    expect(test).toMatchObject({ image: 'none', retry: { max: 1, when: ['failure', 'timeout', 'agent_lost'] }, timeoutMs: 90_000 });
    expect(test?.needs.map((need) => need.ref)).toEqual(['compile[cc=gcc,os=debian]', 'lint/check']);
    const fetch = build?.jobs.find((job) => job.name === 'fetch');
    expect(fetch).not.toHaveProperty('cache');
    expect(fetch).not.toHaveProperty('image');
    expect(spec?.settings.resourceGroups).toEqual([
      { pattern: 'deploy', capacity: 1, processMode: 'oldest_first', onBusy: 'wait', loc: { file: 'farmhand.yml', line: 54, col: 3 } },
      { pattern: 'staging-*', capacity: 2, processMode: 'unordered', onBusy: 'wait', loc: { file: 'farmhand.yml', line: 55, col: 3 } },
      { pattern: 'db-*', capacity: 1, processMode: 'unordered', onBusy: 'wait', loc: { file: 'farmhand.yml', line: 56, col: 3 } },
    ]);
    expect(spec?.workspace).toBeUndefined();
  });

  it('reads a workspace: globs, brace-expanded versions (deduplicated), requirements, versions as written', () => {
    const names = ['farmhand.workspace.yml', 'farmhand.yml', 'packages/openssl/recipe.yml', 'packages/zlib/recipe.yml', 'packages/perl/recipe.yml', 'packages/python/recipe.yml'];
    const files = memoryFiles(Object.fromEntries(names.map((name) => [name, fixture(`valid-workspace/${name}`)])));
    const { spec, diagnostics } = parseProject(files);
    expect(diagnostics).toEqual([]);
    const recipes = spec?.workspace?.recipes ?? [];
    expect(recipes.map((recipe) => [recipe.name, recipe.path, recipe.versions.length])).toEqual([
      ['openssl', 'packages/openssl/recipe.yml', 1], ['perl', 'packages/perl/recipe.yml', 1],
      ['python', 'packages/python/recipe.yml', 13], ['zlib', 'packages/zlib/recipe.yml', 1],
    ]);
    const byName = Object.fromEntries(recipes.map((recipe) => [recipe.name, recipe]));
    expect(byName.python?.versions.slice(9)).toEqual(['3.11.9', '3.12.0', '3.12.1', '3.12.2']);
    expect(byName.zlib?.versions).toEqual(['1.3']);
    expect(byName.perl?.versions).toEqual(['5.38']);
    expect(byName.openssl?.requires.map((requirement) => [requirement.name, requirement.constraints])).toEqual([
      ['zlib', [{ op: '>=', version: '1.2.12' }]], ['perl', []],
    ]);
    expect(byName.openssl).toMatchObject({ run: ['./build.sh ${{ version }}'], env: { PREFIX: '/opt/${{ version }}' }, timeoutMs: 1_200_000 });
  });

  it('keeps a recipe version like 3.10 as written, and uses workspace versions instead of it', () => {
    const { spec } = parseProject(memoryFiles({
      'farmhand.workspace.yml': 'recipes: [{ path: r.yml, versions: [2.0, "2.{1..2}", 2.1] }]\n',
      'r.yml': 'name: r\nversion: 3.10\nrun: make\n',
    }));
    expect(spec?.workspace?.recipes[0]?.versions).toEqual(['2.0', '2.1', '2.2']);
    const alone = parseProject(memoryFiles({ 'farmhand.workspace.yml': 'recipes: [r.yml]\n', 'r.yml': 'name: r\nversion: 3.10\nrun: make\n' }));
    expect(alone.spec?.workspace?.recipes[0]?.versions).toEqual(['3.10']);
  });

  it('expands merge keys, with explicit keys winning, and ignores hidden keys', () => {
    const { spec, diagnostics } = parseProject(memoryFiles({
      'farmhand.yml': 'name: p\n.base: &base { image: gcc, timeout: 1m }\njobs:\n  .hidden: { run: nothing }\n  a:\n    <<: *base\n    image: clang\n    run: make\n',
    }));
    expect(diagnostics).toEqual([]);
    expect(spec?.pipelines[0]?.jobs).toHaveLength(1);
    expect(spec?.pipelines[0]?.jobs[0]).toMatchObject({ name: 'a', image: 'clang', timeoutMs: 60_000 });
  });

  it('points at the expression inside a quoted string', () => {
    expect(formatted(memoryFiles({ 'farmhand.yml': 'name: p\njobs:\n  a:\n    run: "echo ${{ matrix.x }}"\n' })))
      .toEqual(['farmhand.yml:4:16: unknown expression `${{ matrix.x }}` in `run` (job `a` has no matrix)']);
  });

  it('reports every file of a project at once, in file order', () => {
    const diagnostics = formatted(memoryFiles({
      '.farmhand/a.yml': 'name: a\njobs:\n  x: { run: make, tiemout: 1m }\n',
      '.farmhand/b.yml': 'name: b\ndepends_on: [c]\njobs:\n  y: { run: make }\n',
      '.farmhand/settings.yml': 'resource_groups:\n  g: { capacity: -1 }\n',
    }));
    expect(diagnostics).toEqual([
      '.farmhand/a.yml:3:19: unknown key `tiemout` in job `x` (did you mean `timeout`?)',
      '.farmhand/b.yml:2:14: `depends_on` names `c`, which is not a pipeline of the project (pipelines: a, b)',
      '.farmhand/settings.yml:2:18: `capacity` expects a whole number of at least 1, got the number -1',
    ]);
  });

  it('allows settings in .farmhand/settings.yml next to farmhand.yml, and refuses pipelines in it', () => {
    expect(formatted(memoryFiles({ 'farmhand.yml': 'name: a\njobs: { x: { run: make } }\n', '.farmhand/settings.yml': 'resource_groups: { g: }\n' }))).toEqual([]);
    expect(formatted(memoryFiles({ 'farmhand.yml': 'name: a\njobs: { x: { run: make } }\n', '.farmhand/settings.yml': 'kind: pipeline\n' })))
      .toEqual(['.farmhand/settings.yml:1:7: a `kind: pipeline` document is not allowed here (this file holds settings only; put pipelines in the other files of .farmhand/)']);
  });

  it('refuses a project with settings only', () => {
    expect(formatted(memoryFiles({ 'farmhand.yml': 'kind: settings\n' })))
      .toEqual(['farmhand.yml:1:1: the project defines no pipeline (add a document with `name:` and `jobs:`)']);
  });
});

describe('parseProject: limits', () => {
  it('refuses a 50 MB file from its size, without reading it', () => {
    const files: ProjectFiles = {
      ...memoryFilesWithSizes({ 'farmhand.yml': '' }, { 'farmhand.yml': 52_428_800 }),
      readText: () => {
        throw new Error('must not read a file over the limit');
      },
    };
    const started = performance.now();
    expect(formatted(files)).toEqual(['farmhand.yml:1:1: file is 52428800 bytes; the limit is 5 MB (split it into several files)']);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('refuses a real file just over 5 MB and reads one just under', () => {
    const over = `name: p\njobs: { a: { run: make } }\n#${'x'.repeat(5 * 1024 * 1024)}\n`;
    expect(formatted(memoryFiles({ 'farmhand.yml': over }))[0]).toMatch(/^farmhand\.yml:1:1: file is \d+ bytes; the limit is 5 MB/);
    const under = `name: p\njobs: { a: { run: make } }\n#${'x'.repeat(4 * 1024 * 1024)}\n`;
    expect(formatted(memoryFiles({ 'farmhand.yml': under }))).toEqual([]);
  });

  it('stops alias bombs', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const bomb = `name: p\n.bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\njobs:\n  a: { run: make, labels: *j }\n`;
    // 10^10 nodes if expanded: a parser that does not stop the bomb never returns (the test's timeout).
    const diagnostics = formatted(memoryFiles({ 'farmhand.yml': bomb }));
    expect(diagnostics).toContainEqual(expect.stringContaining('aliases expand to more than 100000 nodes'));
  });

  it('refuses absurd nesting without throwing', () => {
    for (const text of ['['.repeat(100_000), `${'['.repeat(5000)}${']'.repeat(5000)}`, `a:\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x\n`]) {
      const result = parseProject(memoryFiles({ 'farmhand.yml': text }));
      expect(result.spec).toBeUndefined();
      expect(result.diagnostics.length).toBeGreaterThan(0);
    }
  });

  it('turns a throwing collaborator into one diagnostic instead of throwing', () => {
    const files: ProjectFiles = { list: () => { throw new Error('disk on fire'); }, readText: () => undefined, size: () => undefined, hash: () => '' };
    expect(formatted(files)).toEqual(['farmhand.yml:1:1: internal error while reading the project: disk on fire (this is a bug in Farmhand; please report it)']);
  });
});
