// `farmhand run` as a user runs it: real processes, real SQLite, real shell jobs.
import { readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, maxOverlap, runCli, tempProject, type ReportJob } from '../helpers/cli';

beforeAll(() => buildCli());

interface Report {
  build: string;
  status: string;
  jobs: ReportJob[];
}

async function runProject(files: Record<string, string>, extra: string[] = []) {
  const project = tempProject(files);
  const reportPath = join(project.dir, '..', 'report.json');
  const result = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--report', reportPath, ...extra]);
  const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as Report) : undefined;
  return { project, result, report, reportPath };
}

const byId = (report: Report | undefined) => Object.fromEntries((report?.jobs ?? []).map((job) => [job.id, job]));

describe('farmhand run', () => {
  it('runs fan-out then fan-in across pipelines in order', async () => {
    const { project, result, report } = await runProject({
      'farmhand.yml': [
        'name: prepare', 'jobs:', '  fetch:', '    run: sleep 0.1; echo fetched', '---',
        'name: build', 'depends_on: [prepare]', 'jobs:', '  a:', '    run: sleep 0.2', '  b:', '    run: sleep 0.2', '---',
        'name: ship', 'jobs:', '  package:', '    needs: [build/a, build/b]', '    run: echo done',
      ].join('\n'),
    });
    try {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const jobs = byId(report);
      expect(report?.status).toBe('success');
      expect(jobs['build/a']!.started_at!).toBeGreaterThanOrEqual(jobs['prepare/fetch']!.finished_at!);
      expect(jobs['build/b']!.started_at!).toBeGreaterThanOrEqual(jobs['prepare/fetch']!.finished_at!);
      expect(jobs['ship/package']!.started_at!).toBeGreaterThanOrEqual(Math.max(jobs['build/a']!.finished_at!, jobs['build/b']!.finished_at!));
      // a and b ran at the same time (fan-out)
      expect(jobs['build/a']!.started_at!).toBeLessThan(jobs['build/b']!.finished_at!);
      expect(result.stdout).toContain('prepare/fetch success');
    } finally {
      project.close();
    }
  });

  it('a failing job skips only its dependents; exit code 1 and its log printed', async () => {
    const { project, result, report } = await runProject({
      'farmhand.yml': [
        'name: p', 'jobs:', '  bad:', '    run: [echo about to fail, exit 3]', '  after:', '    needs: [bad]', '    run: echo never',
        '  other:', '    run: echo fine', '---', 'name: q', 'jobs:', '  alone:', '    run: echo independent',
      ].join('\n'),
    });
    try {
      expect(result.code).toBe(1);
      const jobs = byId(report);
      expect(jobs['p/bad']).toMatchObject({ status: 'failed', exit_code: 3 });
      expect(jobs['p/after']).toMatchObject({ status: 'skipped', reason: 'needs p/bad, which failed' });
      expect(jobs['p/other']!.status).toBe('success');
      expect(jobs['q/alone']!.status).toBe('success');
      expect(result.stdout).toContain('about to fail');
    } finally {
      project.close();
    }
  });

  it('never runs more jobs of a pipeline at once than its concurrency', async () => {
    const jobs = Array.from({ length: 8 }, (_, i) => `  j${i}:\n    run: sleep 0.15`).join('\n');
    const { project, result, report } = await runProject({ 'farmhand.yml': `name: capped\nconcurrency: 2\njobs:\n${jobs}\n` }, ['--jobs', '6']);
    try {
      expect(result.code).toBe(0);
      expect(maxOverlap(report!.jobs)).toBe(2);
    } finally {
      project.close();
    }
  });

  it.each([1, 2])('never lets more than capacity %i jobs hold a resource group', async (capacity) => {
    const jobs = Array.from({ length: 6 }, (_, i) => `  j${i}:\n    run: sleep 0.15\n    resource_group: db`).join('\n');
    const { project, result, report } = await runProject({
      'farmhand.yml': `kind: settings\nresource_groups:\n  db: { capacity: ${capacity} }\n---\nname: p\njobs:\n${jobs}\n`,
    }, ['--jobs', '6']);
    try {
      expect(result.code).toBe(0);
      expect(maxOverlap(report!.jobs)).toBe(capacity);
      expect(report!.jobs.every((job) => job.resource_group === 'db')).toBe(true);
    } finally {
      project.close();
    }
  });

  it('on_busy: skip reports the job skipped with the holder', async () => {
    const { project, result, report } = await runProject({
      'farmhand.yml': 'kind: settings\nresource_groups:\n  lock: { on_busy: skip }\n---\nname: p\njobs:\n  holder:\n    run: sleep 0.3\n    resource_group: lock\n  late:\n    needs: []\n    run: sleep 0.05; echo x\n  skipper:\n    needs: [late]\n    run: echo never\n    resource_group: lock\n',
    });
    try {
      expect(result.code).toBe(0);
      const jobs = byId(report);
      expect(jobs['p/skipper']!.status).toBe('skipped');
      expect(jobs['p/skipper']!.reason).toContain('resource group lock is busy');
      expect(jobs['p/skipper']!.reason).toContain('p/holder');
    } finally {
      project.close();
    }
  });

  it('batches ready jobs of one key, never a job with its dependency', async () => {
    const member = (name: string, needs = '') => `  ${name}:\n    run: echo "$FARMHAND_BATCH_SIZE" > out-$FARMHAND_JOB.txt; printf '%s\\n' "$FARMHAND_BATCH"\n    batch: { key: unit, window: 300ms, max: 10 }\n${needs}`;
    const { project, result, report } = await runProject({
      'farmhand.yml': `name: t\njobs:\n${member('a')}${member('b')}${member('c')}${member('d', '    needs: [a]\n')}`,
    });
    try {
      expect(result.code).toBe(0);
      const jobs = byId(report);
      expect(jobs['t/a']!.batch).not.toBeNull();
      expect(jobs['t/a']!.batch).toBe(jobs['t/b']!.batch);
      expect(jobs['t/a']!.batch).toBe(jobs['t/c']!.batch);
      expect(jobs['t/d']!.batch).not.toBe(jobs['t/a']!.batch);
      expect(readFileSync(join(project.dir, 'out-a.txt'), 'utf8').trim()).toBe('3');
    } finally {
      project.close();
    }
  });

  it('a second run of an unchanged project is all cached and restores outputs; one changed input re-runs that job and its dependents', async () => {
    const project = tempProject({
      'farmhand.yml': [
        'name: lib', 'jobs:',
        '  one:', '    run: mkdir -p out && cat src/one.txt > out/one.txt', '    inputs: [src/one.txt]', '    outputs: [out/one.txt]',
        '  two:', '    run: mkdir -p out && cat src/two.txt > out/two.txt', '    inputs: [src/two.txt]', '    outputs: [out/two.txt]',
        '  both:', '    needs: [one, two]', '    run: cat out/one.txt out/two.txt > out/both.txt', '    inputs: [src/both.txt]', '    outputs: [out/both.txt]',
      ].join('\n'),
      'src/one.txt': 'one\n',
      'src/two.txt': 'two\n',
      'src/both.txt': 'both\n',
    });
    const report = join(project.dir, '..', 'r.json');
    const run = async () => {
      const result = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--report', report]);
      expect(result.code).toBe(0);
      return byId(JSON.parse(readFileSync(report, 'utf8')) as Report);
    };
    try {
      const first = await run();
      expect(Object.values(first).map((j) => j.status)).toEqual(['success', 'success', 'success']);
      rmSync(join(project.dir, 'out'), { recursive: true });
      const second = await run();
      expect(Object.values(second).map((j) => j.status)).toEqual(['cached', 'cached', 'cached']);
      expect(readFileSync(join(project.dir, 'out/both.txt'), 'utf8')).toBe('one\ntwo\n');
      project.write('src/two.txt', 'TWO\n');
      const third = await run();
      expect({ one: third['lib/one']!.status, two: third['lib/two']!.status, both: third['lib/both']!.status }).toEqual({ one: 'cached', two: 'success', both: 'success' });
      expect(readFileSync(join(project.dir, 'out/both.txt'), 'utf8')).toBe('one\nTWO\n');
      const plan = await runCli(['plan', project.dir, '--format', 'json', '--state-dir', project.stateDir]);
      expect(plan.code).toBe(0);
      expect((JSON.parse(plan.stdout) as { jobs: { would: string }[] }).jobs.map((job) => job.would)).toEqual(['cached', 'cached', 'cached']);
    } finally {
      project.close();
    }
  });

  it('times out a job and retries it when retry says so', async () => {
    const { project, result, report } = await runProject({
      'farmhand.yml': 'name: p\njobs:\n  slow:\n    run: sleep 5\n    timeout: 1s\n    retry: { max: 1, when: [timeout] }\n',
    });
    try {
      expect(result.code).toBe(1);
      expect(byId(report)['p/slow']).toMatchObject({ status: 'failed', attempts: 2 });
      expect(byId(report)['p/slow']!.reason).toMatch(/^timed out/);
      // Both attempts stay listed, oldest first, each with its own end.
      const history = (byId(report)['p/slow'] as unknown as { attempt_history: { number: number; status: string; reason: string | null; finished_at: number | null }[] }).attempt_history;
      expect(history.map((attempt) => [attempt.number, attempt.status, attempt.reason])).toEqual([[1, 'failed', 'timeout'], [2, 'failed', 'timeout']]);
      expect(history.every((attempt) => attempt.finished_at !== null)).toBe(true);
    } finally {
      project.close();
    }
  });

  it('refuses a bad spec with file:line:col and exit code 2, starting nothing', async () => {
    const { project, result } = await runProject({ 'farmhand.yml': 'name: p\njobs:\n  a:\n    runn: echo hi\n' });
    try {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/farmhand\.yml:4:5: .*runn/);
      expect(existsSync(join(project.stateDir, 'farmhand.db'))).toBe(false);
    } finally {
      project.close();
    }
  });

  it('refuses a state dir it cannot use, in one line and without hanging', async () => {
    const project = tempProject({ 'farmhand.yml': 'name: p\njobs:\n  a:\n    run: echo a\n' });
    try {
      // Node's own recursive mkdir never returns for a path under /proc.
      const proc = await runCli(['run', project.dir, '--state-dir', '/proc/farmhand-nope/state'], { timeoutMs: 15_000 });
      expect(proc.code).toBe(2);
      expect(proc.stderr).toMatch(/^farmhand run: cannot use the state dir \/proc\/farmhand-nope\/state: ENOENT.*\n$/);
      project.write('../state/farmhand.db', 'x'.repeat(8192));
      const corrupt = await runCli(['run', project.dir, '--state-dir', project.stateDir]);
      expect(corrupt.code).toBe(2);
      expect(corrupt.stderr).toBe(`farmhand run: cannot use the state dir ${project.stateDir}: file is not a database\n`);
    } finally {
      project.close();
    }
  });

  it('refuses bad flags with exit code 2', async () => {
    const result = await runCli(['run', '--jobs', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected a whole number');
  });
});
