// Rough edges a new user hits in the first hour, each through the real `farmhand` process: bad
// paths and flags refused in one line before anything runs, an empty state dir, matrix selectors,
// retried and batched jobs' logs, warnings, allowed failures in the summary.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, tempProject, type ReportJob } from '../helpers/cli';

beforeAll(() => buildCli());

interface Report {
  build: string;
  status: string;
  jobs: (ReportJob & { queued_at: number | null })[];
}

const oneLine = (text: string) => {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.trimEnd().split('\n')).toHaveLength(1);
  expect(text).not.toMatch(/\n\s+at /);
};

describe('first hour: refused before anything runs', () => {
  it('refuses a --report path that cannot be written, before the build, in one line with exit 2', async () => {
    const project = tempProject({ 'farmhand.yml': 'name: p\njobs:\n  a:\n    run: touch ran.txt\n' });
    try {
      mkdirSync(join(project.dir, '..', 'a-folder'));
      for (const [report, why] of [
        [join(project.dir, '..', 'missing', 'r.json'), /--report .*missing\/r\.json cannot be written: the folder .*missing does not exist\n$/],
        [join(project.dir, '..', 'a-folder'), /--report .*a-folder is a folder; give a file name\n$/],
        [join(project.dir, 'farmhand.yml', 'r.json'), /--report .*farmhand\.yml\/r\.json cannot be written: .*farmhand\.yml is not a folder\n$/],
      ] as const) {
        const result = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--report', report]);
        expect(result.code).toBe(2);
        oneLine(result.stderr);
        expect(result.stderr).toMatch(why);
        expect(result.stdout).toBe('');
      }
      // Nothing started: no job ran, no build was recorded.
      expect(existsSync(join(project.dir, 'ran.txt'))).toBe(false);
      expect(existsSync(join(project.stateDir, 'farmhand.db'))).toBe(false);
      // A writable path is left as it was found when the check passes and the build then writes it.
      const report = join(project.dir, '..', 'ok.json');
      const ok = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--report', report]);
      expect(ok.code).toBe(0);
      expect((JSON.parse(readFileSync(report, 'utf8')) as Report).status).toBe('success');
    } finally {
      project.close();
    }
  });

  it('says a missing folder does not exist, a file is not a folder, and an empty folder has no pipelines (suggesting farmhand init)', async () => {
    const project = tempProject({ 'notes.txt': 'x', 'empty/.keep': '', 'yaml/farmhand.yaml': 'name: p\n' });
    try {
      const cases = [
        [['plan', 'nowhere'], 'farmhand: nowhere does not exist; give the folder that holds farmhand.yml or .farmhand/\n'],
        [['plan', 'notes.txt'], 'farmhand: notes.txt is a file, not a folder; give the folder that holds farmhand.yml or .farmhand/\n'],
        [['plan', 'empty'], 'farmhand: no pipelines in empty: there is no farmhand.yml and no .farmhand/*.yml (run `farmhand init` to create farmhand.yml, or give the folder that holds it)\n'],
        [['run', 'empty', '--state-dir', project.stateDir], 'farmhand: no pipelines in empty: there is no farmhand.yml and no .farmhand/*.yml (run `farmhand init` to create farmhand.yml, or give the folder that holds it)\n'],
        [['plan', 'yaml'], 'farmhand: no pipelines in yaml: there is no farmhand.yml and no .farmhand/*.yml (rename farmhand.yaml to farmhand.yml)\n'],
      ] as const;
      for (const [args, message] of cases) {
        const result = await runCli([...args], { cwd: project.dir });
        expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 2, stderr: message });
      }
      const here = await runCli(['plan'], { cwd: join(project.dir, 'empty') });
      expect(here.stderr).toMatch(/^farmhand: no pipelines in this folder: /);
      expect(here.stderr).not.toContain('farmhand.yml:1:1');
    } finally {
      project.close();
    }
  });

  it('reports a refused versions range once, without a follow-on `has no version`', async () => {
    const project = tempProject({
      'farmhand.workspace.yml': 'kind: workspace\nrecipes:\n  - path: packages/p/recipe.yml\n    versions: ["1.{0..99999}"]\n',
      'packages/p/recipe.yml': 'kind: recipe\nname: p\nrun: make\n',
    });
    try {
      const result = await runCli(['plan', project.dir], { cwd: project.dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('farmhand.workspace.yml:4:16: `1.{0..99999}` expands to 100000 versions; the limit is 10000 (list fewer versions)\n');
    } finally {
      project.close();
    }
  });
});

describe('first hour: builds and flags', () => {
  it('lists no builds of a new state dir as [] or nothing, exit 0, and refuses --limit abc', async () => {
    const project = tempProject({});
    try {
      const json = await runCli(['builds', '--json', '--state-dir', project.stateDir]);
      expect(json).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
      const text = await runCli(['builds', '--state-dir', project.stateDir]);
      expect(text).toEqual({ code: 0, stdout: '', stderr: '' });
      // Reading creates nothing.
      expect(existsSync(project.stateDir)).toBe(false);
      for (const limit of ['abc', '0', '1.5']) {
        const bad = await runCli(['builds', '--limit', limit, '--state-dir', project.stateDir]);
        expect(bad.code).toBe(2);
        oneLine(bad.stderr);
        expect(bad.stderr).toContain(`expected a whole number of 1 or more, got "${limit}"`);
      }
    } finally {
      project.close();
    }
  });

  it('selects a matrix job of two axes with --only in plan and run, and records queued_at after its needs', async () => {
    const project = tempProject({
      'farmhand.yml': [
        'name: m', 'jobs:', '  gen:', '    run: sleep 0.2', '  compile:', '    needs: [gen]', '    matrix: { cc: [gcc, clang], os: [debian, alpine] }', '    run: echo "$CC"',
        '    env: { CC: "${{ matrix.cc }}" }',
      ].join('\n'),
    });
    const report = join(project.dir, '..', 'r.json');
    try {
      const plan = await runCli(['plan', project.dir, '--format', 'json', '--only', 'm/compile[cc=clang,os=alpine]']);
      expect(plan.stderr).toBe('');
      expect((JSON.parse(plan.stdout) as { jobs: { id: string }[] }).jobs.map((job) => job.id)).toEqual(['m/gen', 'm/compile[cc=clang,os=alpine]']);
      const both = await runCli(['plan', project.dir, '--format', 'json', '--only', 'm/compile[cc=gcc,os=debian],m/compile[cc=clang,os=debian]']);
      expect((JSON.parse(both.stdout) as { jobs: { id: string }[] }).jobs.map((job) => job.id)).toEqual(['m/gen', 'm/compile[cc=clang,os=debian]', 'm/compile[cc=gcc,os=debian]']);

      const run = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--report', report, '--only', 'm/compile[cc=gcc,os=alpine]']);
      expect(run.code).toBe(0);
      const jobs = (JSON.parse(readFileSync(report, 'utf8')) as Report).jobs;
      expect(jobs.map((job) => job.id)).toEqual(['m/gen', 'm/compile[cc=gcc,os=alpine]']);
      const [gen, compile] = jobs;
      for (const job of jobs) {
        expect(job.queued_at).toEqual(expect.any(Number));
        expect(job.queued_at!).toBeLessThanOrEqual(job.started_at!);
      }
      // The dependent entered the queue when its need had finished, not when the build was made.
      expect(compile!.queued_at!).toBeGreaterThanOrEqual(gen!.finished_at!);
      expect(compile!.queued_at!).toBeGreaterThan(gen!.queued_at!);
    } finally {
      project.close();
    }
  });
});

describe('first hour: logs, warnings and the summary', () => {
  it('separates retried attempts, points a batch member to the batch log, counts allowed failures apart and warns about cache and inputs', async () => {
    const batch = '    batch: { key: unit, window: 300ms, max: 5 }\n    run: echo "batch of $FARMHAND_BATCH_SIZE"\n';
    const project = tempProject({
      'farmhand.yml': [
        'name: p', 'jobs:',
        '  flaky:', '    run: echo "try $(ls tries 2>/dev/null | wc -l)"; mkdir -p tries; touch tries/$$; exit 3', '    retry: { max: 1, when: [failure] }',
        '  soft:', '    run: echo soft fail; exit 1', '    allow_failure: true',
        '  never:', '    run: echo never cached', '    cache: true',
        '  typo:', '    run: echo typo', '    inputs: [srcs/**]',
        `  one:\n${batch}  two:\n${batch}`,
      ].join('\n'),
    });
    const report = join(project.dir, '..', 'r.json');
    try {
      const run = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--report', report]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe([
        'farmhand.yml:9:3: warning: job `p/never` has `cache: true` but no `inputs`, so it is never cached (list the files it reads in `inputs`, or remove `cache: true`)',
        'farmhand.yml:12:3: warning: `inputs` of job `p/typo` has `srcs/**`, which matches no file (paths are relative to the project root; a change to the files meant would not re-run the job)',
        '',
      ].join('\n').replace(/farmhand\.yml/g, join(project.dir, 'farmhand.yml')));
      const attempts = /--- p\/flaky \(failed\) ---\n--- attempt 1 of 2: failed \(exit 3\) on .+ ---\ntry 0\n--- attempt 2 of 2: failed \(exit 3\) on .+ ---\ntry 1\n/;
      expect(run.stdout).toMatch(attempts);
      expect(run.stdout).toContain('--- p/soft (failed, allowed) ---\nsoft fail\n');
      expect(run.stdout).toMatch(/\nb-0001 failed: 4 success, 1 failed, 1 failed \(allowed\)\n$/);

      const batched = (JSON.parse(readFileSync(report, 'utf8')) as Report).jobs.filter((job) => job.batch !== null);
      expect(batched.map((job) => job.id)).toEqual(['p/one', 'p/two']);
      const logs = await runCli(['logs', 'b-0001', '--state-dir', project.stateDir]);
      expect(logs.code).toBe(0);
      expect(logs.stdout).toMatch(/--- p\/flaky ---\n--- attempt 1 of 2: failed \(exit 3\) on .+ ---\ntry 0\n--- attempt 2 of 2: failed \(exit 3\) on .+ ---\ntry 1\n/);
      expect(logs.stdout).toContain('--- p/one ---\nbatch of 2\n');
      expect(logs.stdout).toContain('--- p/two ---\n(ran in a batch with p/one; the batch\'s output is in its log: farmhand logs b-0001 p/one)\n');
      const member = await runCli(['logs', 'b-0001', 'p/two', '--state-dir', project.stateDir]);
      expect(member.stdout).toBe('(ran in a batch with p/one; the batch\'s output is in its log: farmhand logs b-0001 p/one)\n');
      const single = await runCli(['logs', 'b-0001', 'p/soft', '--state-dir', project.stateDir]);
      expect(single.stdout).toBe('soft fail\n');
    } finally {
      project.close();
    }
  });

  it('a build whose only failure is allowed succeeds, and says so', async () => {
    const project = tempProject({ 'farmhand.yml': 'name: p\njobs:\n  soft:\n    run: exit 1\n    allow_failure: true\n  after:\n    needs: [soft]\n    run: echo after\n' });
    try {
      const run = await runCli(['run', project.dir, '--state-dir', project.stateDir]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\nb-0001 success: 1 success, 1 failed \(allowed\)\n$/);
    } finally {
      project.close();
    }
  });
});
