// Two terminals, one state dir: real `farmhand run` processes. The first owns the state dir, the
// second submits to it; resource groups, on_busy and exit codes hold across them, nothing is lost.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, farmhandBin, maxOverlap, runCli, tempProject, type CliResult, type ReportJob, type TempProject, waitFor } from '../helpers/cli';

beforeAll(() => buildCli());

let project: TempProject | undefined;
afterEach(() => project?.close());

const settings = (onBusy: string) => `kind: settings\nresource_groups:\n  deploy: { capacity: 1, on_busy: ${onBusy} }\n---\n`;
const deployPipeline = (seconds: number) => `version: 1\nname: ship\njobs:\n  deploy:\n    resource_group: deploy\n    run: ["echo deploying; sleep ${seconds}; echo done"]\n  lint:\n    run: ["echo lint"]\n`;
/** A deploy that holds its group until the test creates the gate file: no race with a loaded machine. */
const gatedPipeline = `version: 1\nname: ship\njobs:\n  deploy:\n    resource_group: deploy\n    run: ["echo deploying; while [ ! -f ../gate ]; do sleep 0.05; done; sleep 0.3; echo done"]\n  lint:\n    run: ["echo lint"]\n`;

interface Report {
  build: string;
  status: string;
  jobs: ReportJob[];
}
const report = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Report;

/** Starts `farmhand run` in the background; resolves with its result when it ends. */
function startRun(args: string[]): { done: Promise<CliResult>; pid: number; stderr: () => string; stdout: () => string } {
  const child = spawn('node', [farmhandBin, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data) => (stdout += data));
  child.stderr.on('data', (data) => (stderr += data));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, pid: child.pid!, stderr: () => stderr, stdout: () => stdout };
}

describe('two farmhand runs on one state dir', () => {
  it('both succeed, the second joins the first, and a capacity-1 group never overlaps', async () => {
    project = tempProject({ 'farmhand.yml': settings('wait') + gatedPipeline });
    const { dir, stateDir } = project;
    const first = startRun([dir, '--state-dir', stateDir, '--report', join(dir, '../r1.json')]);
    await waitFor(() => /ship\/deploy running/.test(first.stdout()), 'the first deploy to run');
    const second = startRun([dir, '--state-dir', stateDir, '--report', join(dir, '../r2.json')]);
    await waitFor(() => /runs on the coordinator of this state dir \(farmhand run, pid \d+\)/.test(second.stderr()), 'the second run to join');
    writeFileSync(join(dir, '../gate'), '');
    const [firstResult, secondResult] = await Promise.all([first.done, second.done]);

    expect(secondResult.code, secondResult.stderr).toBe(0);
    expect(firstResult.code, firstResult.stderr).toBe(0);
    expect(secondResult.stdout).toMatch(/b-0002 success: 2 success/);
    const [one, two] = [report(join(dir, '../r1.json')), report(join(dir, '../r2.json'))];
    expect([one.build, one.status, two.build, two.status]).toEqual(['b-0001', 'success', 'b-0002', 'success']);
    const deploys = [...one.jobs, ...two.jobs].filter((job) => job.id === 'ship/deploy');
    expect(deploys.map((job) => job.status)).toEqual(['success', 'success']);
    expect(maxOverlap(deploys)).toBe(1);
    expect(firstResult.stderr + secondResult.stderr).not.toMatch(/lost|left running/);
  });

  it('on_busy: skip holds across terminals: the second build skips the busy group', async () => {
    project = tempProject({ 'farmhand.yml': settings('skip') + gatedPipeline });
    const { dir, stateDir } = project;
    const first = startRun([dir, '--state-dir', stateDir]);
    await waitFor(() => /ship\/deploy running/.test(first.stdout()), 'the first deploy to run');
    const second = await runCli(['run', dir, '--state-dir', stateDir, '--report', join(dir, '../r2.json')]);
    writeFileSync(join(dir, '../gate'), '');
    expect((await first.done).code).toBe(0);
    expect(second.stderr).toMatch(/runs on the coordinator of this state dir/);
    const skipped = report(join(dir, '../r2.json')).jobs.find((job) => job.id === 'ship/deploy')!;
    expect(skipped.status).toBe('skipped');
    expect(skipped.reason).toMatch(/deploy/);
  });

  it('two first runs on a new state dir do not race the migrations', async () => {
    project = tempProject({ 'farmhand.yml': deployPipeline(0.2) });
    const { dir, stateDir } = project;
    const results = await Promise.all([0, 1, 2].map(() => runCli(['run', dir, '--state-dir', stateDir])));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const builds = await runCli(['builds', '--state-dir', stateDir, '--json']);
    expect((JSON.parse(builds.stdout) as Report[]).map((build) => build.status)).toEqual(['success', 'success', 'success']);
  });

  it('farmhand cancel stops a running build of another terminal', async () => {
    project = tempProject({ 'farmhand.yml': deployPipeline(30) });
    const { dir, stateDir } = project;
    const run = startRun([dir, '--state-dir', stateDir, '--report', join(dir, '../r.json')]);
    await waitFor(() => existsSync(join(stateDir, 'coordinator.json')), 'the run to own the state dir');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const cancel = await runCli(['cancel', 'b-0001', '--state-dir', stateDir]);
    expect(cancel.stdout).toBe('canceling b-0001\n');
    const result = await run.done;
    expect(result.code).toBe(1);
    const deploy = report(join(dir, '../r.json')).jobs.find((job) => job.id === 'ship/deploy')!;
    expect(deploy.status).toBe('canceled');
    expect(deploy.started_at).not.toBeNull();
    const none = await runCli(['cancel', 'b-0001', '--state-dir', stateDir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no coordinator is running/);
  });

  it('a killed owner: the joined run says so (exit 3), and the next run ends the dead build', async () => {
    project = tempProject({ 'farmhand.yml': deployPipeline(30) });
    const { dir, stateDir } = project;
    const owner = startRun([dir, '--state-dir', stateDir]);
    await waitFor(() => existsSync(join(stateDir, 'coordinator.json')), 'the first run to own the state dir');
    const joined = startRun([dir, '--state-dir', stateDir]);
    await waitFor(() => /runs on the coordinator/.test(joined.stderr()), 'the second run to join');
    process.kill(owner.pid, 'SIGKILL');
    const joinedResult = await joined.done;
    await owner.done;
    expect(joinedResult.code).toBe(3);
    expect(joinedResult.stderr).toMatch(/closed the connection before b-0002 ended/);
    const next = await runCli(['run', dir, '--state-dir', stateDir, '--only', 'ship/lint']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/build b-0001 was left running/);
    const builds = JSON.parse((await runCli(['builds', '--state-dir', stateDir, '--json'])).stdout) as Report[];
    expect(builds.map((build) => [build.build, build.status])).toEqual([
      ['b-0003', 'success'],
      ['b-0002', 'failed'],
      ['b-0001', 'failed'],
    ]);
  });
});
