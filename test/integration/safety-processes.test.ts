// Jobs never outlive the `farmhand run` that started them: kill -9, a closed terminal (SIGHUP), a closed
// stdout (EPIPE), and the leftovers of an owner that died with its lifelines are ended; stops are fast.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createShellExecutor } from '../../agent/executors/shell-executor';
import type { Executor, ProcessPlace } from '../../agent/executors/types';
import { openState } from '../../core/store/state-dir';
import { buildCli, farmhandBin, runCli, tempProject, type TempProject, waitFor } from '../helpers/cli';

beforeAll(() => buildCli());

const projects: TempProject[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const project of projects.splice(0)) project.close();
});

function project(files: Record<string, string>): TempProject {
  const made = tempProject(files);
  projects.push(made);
  return made;
}

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; at: number }> } {
  const child = spawn('node', [farmhandBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (data) => (output += data));
  child.stderr!.on('data', (data) => (output += data));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('close', (code) => resolve({ code, at: Date.now() })));
  return { child, output: () => output, exited };
}


/** Live processes whose command line holds the marker, as `pid ppid args` lines. */
function survivors(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo') && line.trim().split(/\s+/)[2]?.[0] !== 'Z');
}

function killAll(lines: string[]): void {
  for (const line of lines) {
    try {
      process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** A project whose job counts its starts in runs.txt, then sleeps (marked) unless `fast` exists. */
function countingProject(marker: string): TempProject {
  return project({
    'farmhand.yml': `name: p\njobs:\n  slow:\n    run: echo start >> ../runs.txt; if [ -f ../fast ]; then exit 0; fi; sh -c 'sleep 30' ${marker}\n`,
  });
}

describe('jobs die with their coordinator', () => {
  it('kill -9 of farmhand run: the job is gone within a second, and the next run runs it once', async () => {
    const marker = `fh-k9-${process.pid}-${Date.now()}`;
    const made = countingProject(marker);
    const run = start(['run', made.dir, '--state-dir', made.stateDir]);
    await waitFor(() => survivors(marker).length > 0, 'the job process');
    run.child.kill('SIGKILL');
    await run.exited;
    const killedAt = Date.now();
    await waitFor(() => survivors(marker).length === 0, 'the job to die with its coordinator', 2000).catch((error) => {
      killAll(survivors(marker));
      throw error;
    });
    expect(Date.now() - killedAt).toBeLessThan(1500);

    writeFileSync(join(made.dir, '..', 'fast'), '');
    const again = await runCli(['run', made.dir, '--state-dir', made.stateDir]);
    expect(again.code).toBe(0);
    expect(readFileSync(join(made.dir, '..', 'runs.txt'), 'utf8')).toBe('start\nstart\n');
  });

  it('SIGHUP (a closed terminal) cancels the build like Ctrl-C and leaves nothing running', async () => {
    const marker = `fh-hup-${process.pid}-${Date.now()}`;
    const made = countingProject(marker);
    const report = join(made.dir, '..', 'report.json');
    const run = start(['run', made.dir, '--state-dir', made.stateDir, '--report', report]);
    await waitFor(() => survivors(marker).length > 0, 'the job process');
    const sentAt = Date.now();
    run.child.kill('SIGHUP');
    const { code, at } = await run.exited;
    expect(code).toBe(130);
    expect(at - sentAt).toBeLessThan(3000);
    expect(survivors(marker)).toEqual([]);
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as { status: string; jobs: { status: string }[] };
    expect(parsed.status).toBe('canceled');
    expect(parsed.jobs.map((job) => job.status)).toEqual(['canceled']);
  });

  // A real terminal that goes away: `script` gives farmhand a pty; killing `script` closes its master side,
  // so the kernel sends SIGHUP and later writes to the terminal fail (EIO).
  it.skipIf(spawnSync('script', ['--version']).status !== 0)('a closed terminal (pty) cancels the build and leaves nothing running', async () => {
    const marker = `fh-pty-${process.pid}-${Date.now()}`;
    const made = countingProject(marker);
    const terminal = spawn('script', ['-qfc', `node ${farmhandBin} run --state-dir ${made.stateDir} ${made.dir}`, '/dev/null'], { stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(terminal);
    const closed = new Promise((resolve) => terminal.on('close', resolve));
    await waitFor(() => survivors(marker).length > 0, 'the job process');
    terminal.kill('SIGKILL');
    await closed;
    await waitFor(() => survivors(marker).length === 0 && survivors(made.stateDir).length === 0, 'the run and its job to end', 5000);
    const builds = await runCli(['builds', '--state-dir', made.stateDir]);
    expect(builds.stdout).toMatch(/^b-0001 {2}canceled/);
  });

  it('ends the job group a dead owner left when its lifeline died too, before running anything', async () => {
    const marker = `fh-rec-${process.pid}-${Date.now()}`;
    const made = countingProject(marker);
    const run = start(['run', made.dir, '--state-dir', made.stateDir]);
    await waitFor(() => survivors(marker).length > 0, 'the job process');
    // Kill the lifelines first (as a kill of everything at once may), then the coordinator.
    const pid = run.child.pid!;
    const lifelines = survivors('farmhand-lifeline').filter((line) => Number(line.trim().split(/\s+/)[1]) === pid);
    expect(lifelines.length).toBeGreaterThan(0);
    killAll(lifelines);
    run.child.kill('SIGKILL');
    await run.exited;
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(survivors(marker).length).toBe(1); // orphaned: only the recorded group can find it now
      const state = openState(made.stateDir);
      const records = state.store.listProcesses();
      state.close();
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ ownerPid: pid });
      expect(records[0]!.processGroup).toBeGreaterThan(0);

      writeFileSync(join(made.dir, '..', 'fast'), '');
      const again = await runCli(['run', made.dir, '--state-dir', made.stateDir]);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('ended 1 job(s) left running by a farmhand run that stopped');
      await waitFor(() => survivors(marker).length === 0, 'the leftover to be killed', 2000);
      const after = openState(made.stateDir);
      expect(after.store.listProcesses()).toEqual([]);
      after.close();
    } finally {
      killAll(survivors(marker));
    }
  });

  it('leaves the recorded jobs of a live owner alone', async () => {
    const marker = `fh-live-${process.pid}-${Date.now()}`;
    const made = countingProject(marker);
    const other = project({ 'farmhand.yml': 'name: q\njobs:\n  quick:\n    run: "true"\n' });
    const run = start(['run', made.dir, '--state-dir', made.stateDir]);
    await waitFor(() => survivors(marker).length > 0, 'the job process');
    // A second run on the same state dir while the first one lives.
    const second = await runCli(['run', other.dir, '--state-dir', made.stateDir]);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('ended');
    expect(survivors(marker).length).toBeGreaterThan(0);
    run.child.kill('SIGINT');
    await run.exited;
  });
});

describe('stops are fast', () => {
  it('timeout: 1s on sleep 5 is reported after about a second, not after the 5 s grace', async () => {
    const made = project({ 'farmhand.yml': 'name: p\njobs:\n  slow:\n    timeout: 1s\n    run: sleep 5\n' });
    const report = join(made.dir, '..', 'report.json');
    const started = Date.now();
    const result = await runCli(['run', made.dir, '--state-dir', made.stateDir, '--report', report]);
    const elapsed = Date.now() - started;
    expect(result.code).toBe(1);
    const job = (JSON.parse(readFileSync(report, 'utf8')) as { jobs: { status: string; reason: string; started_at: number; finished_at: number }[] }).jobs[0]!;
    expect(job.status).toBe('failed');
    expect(job.reason).toContain('timed out after 1s');
    expect(job.finished_at - job.started_at).toBeLessThan(2000);
    expect(elapsed).toBeLessThan(4500);
  });

  it('Ctrl-C ends a run within a second or two, not after the 5 s grace', async () => {
    const made = project({ 'farmhand.yml': 'name: p\njobs:\n  slow:\n    run: sleep 30\n' });
    const run = start(['run', made.dir, '--state-dir', made.stateDir]);
    await waitFor(() => run.output().includes('p/slow running'), 'the job to run');
    const sentAt = Date.now();
    run.child.kill('SIGINT');
    const { code, at } = await run.exited;
    expect(code).toBe(130);
    expect(at - sentAt).toBeLessThan(2000);
  });

  describe.each([{ pool: true }, { pool: false }])('shell executor (pool: $pool)', ({ pool }) => {
    let executor: Executor | undefined;
    afterEach(async () => {
      await executor?.close();
      executor = undefined;
    });

    it('returns from a timeout as soon as the job group is gone, with the default 5 s grace', async () => {
      executor = createShellExecutor({ pool });
      const started = Date.now();
      const result = await executor.run(
        { attempt: 'a1', build: 'b1', job: 'j', agent: 't', run: ['sleep 5'], env: {}, workspaceRoot: '/tmp', workingDirectory: '.', timeoutMs: 300 },
        () => {},
        new AbortController().signal,
      );
      expect(result).toMatchObject({ status: 'failed', reason: 'timeout' });
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('a cancel that comes before the job has started still ends it at once, not after the grace', async () => {
      executor = createShellExecutor({ pool });
      // Warm a worker up, so the cancel below races a worker that is about to start the job.
      await executor.run({ attempt: 'a0', build: 'b1', job: 'j', agent: 't', run: ['true'], env: {}, workspaceRoot: '/tmp', workingDirectory: '.' }, () => {}, new AbortController().signal);
      const controller = new AbortController();
      const started = Date.now();
      const pending = executor.run({ attempt: 'a1', build: 'b1', job: 'j', agent: 't', run: ['sleep 30'], env: {}, workspaceRoot: '/tmp', workingDirectory: '.' }, () => {}, controller.signal);
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      expect(await pending).toEqual({ status: 'canceled', reason: 'canceled' });
      expect(Date.now() - started).toBeLessThan(1500);
    });

    it('SIGKILLs a background process that ignores SIGTERM when its job ends, and tells the recorder the group', async () => {
      const marker = `fh-bg-${process.pid}-${Date.now()}`;
      const places: (ProcessPlace | 'ended')[] = [];
      executor = createShellExecutor({ pool, recorder: { started: (_attempt, place) => places.push(place), ended: () => places.push('ended') } });
      const result = await executor.run(
        { attempt: 'a1', build: 'b1', job: 'j', agent: 't', run: [`sh -c "trap '' TERM; sleep 30" ${marker} >/dev/null 2>&1 &`, 'sleep 0.1', 'echo done'], env: {}, workspaceRoot: '/tmp', workingDirectory: '.' },
        () => {},
        new AbortController().signal,
      );
      expect(result.status).toBe('success');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(survivors(marker)).toEqual([]);
      expect(places).toHaveLength(2);
      expect((places[0] as ProcessPlace).processGroup).toBeGreaterThan(0);
      expect(places[1]).toBe('ended');
    });
  });
});

describe('a closed stdout', () => {
  /** Runs `farmhand ARGS | READER` in bash; returns farmhand's exit status, its stderr and the time taken. */
  function pipeline(args: string, reader: string): { status: number; stderr: string; elapsed: number } {
    const started = Date.now();
    const out = execFileSync('bash', ['-c', `$FH ${args} 2>"$ERR" | ${reader} 2>/dev/null; echo "\${PIPESTATUS[0]}"`], {
      encoding: 'utf8',
      env: { ...process.env, FH: `node ${farmhandBin}`, ERR: join(projects[0]!.dir, '..', 'stderr.txt') },
    });
    const stderrFile = join(projects[0]!.dir, '..', 'stderr.txt');
    return { status: Number(out.trim().split('\n').pop()), stderr: existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8') : '', elapsed: Date.now() - started };
  }

  it('`run --logs | head -1` cancels its jobs and exits quietly, without an EPIPE stack', () => {
    const marker = `fh-pipe-${process.pid}-${Date.now()}`;
    const jobs = Array.from({ length: 8 }, (_, index) => `  j${index}:\n    run: for i in 1 2 3 4 5 6 7 8 9 10; do echo line $i; done; sh -c 'sleep 20' ${marker}\n`).join('');
    const made = project({ 'farmhand.yml': `name: p\njobs:\n${jobs}` });
    const result = pipeline(`run --logs --state-dir ${made.stateDir} ${made.dir}`, 'head -1');
    expect(result.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(result.stderr).toContain('canceling b-0001');
    expect(result.status).toBe(130);
    expect(result.elapsed).toBeLessThan(10_000);
    expect(survivors(marker)).toEqual([]);
  });

  it('`plan | head -1`, `plan --format dot | missing-dot` and `logs | head -1` exit quietly', async () => {
    const jobs = Array.from({ length: 150 }, (_, index) => `  j${index}:\n    run: echo ${'x'.repeat(50)} ${index}\n`).join('');
    const made = project({ 'farmhand.yml': `name: p\njobs:\n${jobs}` });
    const plan = pipeline(`plan ${made.dir}`, 'head -1');
    expect(plan.stderr).toBe('');
    expect(plan.status).toBe(0);
    const dot = pipeline(`plan --format dot ${made.dir}`, 'farmhand-no-such-dot-command');
    expect(dot.stderr).toBe('');
    expect(dot.status).toBe(0);
    expect((await runCli(['run', made.dir, '--state-dir', made.stateDir, '--jobs', '1'])).code).toBe(0);
    const logs = pipeline(`logs b-0001 --state-dir ${made.stateDir}`, 'head -1');
    expect(logs.stderr).toBe('');
    expect(logs.status).toBe(0);
  });
});
