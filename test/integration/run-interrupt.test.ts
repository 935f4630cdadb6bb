// Interrupting `farmhand run`: Ctrl-C cancels cleanly (exit 130, nothing left running); a
// coordinator killed with SIGKILL leaves a build whose finished jobs the next start keeps intact.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, farmhandBin, runCli, tempProject, waitFor } from '../helpers/cli';

beforeAll(() => buildCli());

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('node', [farmhandBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (data) => (output += data));
  child.stderr!.on('data', (data) => (output += data));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}


/** Processes whose command line holds the marker (the test's own sleeps). */
function survivors(marker: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('interrupting farmhand run', () => {
  it('Ctrl-C cancels the build, exits 130 and leaves nothing running', async () => {
    const marker = `farmhand-int-${process.pid}-${Date.now()}`;
    const project = tempProject({ 'farmhand.yml': `name: p\njobs:\n  slow:\n    run: sh -c 'sleep 30; echo ${marker}' ${marker}\n  after:\n    needs: [slow]\n    run: echo never\n` });
    const report = join(project.dir, '..', 'report.json');
    const run = start(['run', project.dir, '--state-dir', project.stateDir, '--report', report]);
    try {
      await waitFor(() => run.output().includes('p/slow running'), 'the job to run');
      await waitFor(() => survivors(marker).length > 0, 'the job process');
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(130);
      const parsed = JSON.parse(readFileSync(report, 'utf8')) as { status: string; jobs: { id: string; status: string }[] };
      expect(parsed.status).toBe('canceled');
      expect(parsed.jobs.map((job) => job.status)).toEqual(['canceled', 'canceled']);
      expect(survivors(marker)).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
      project.close();
    }
  });

  it('a coordinator killed with SIGKILL mid-build: the next start keeps finished jobs and marks the rest lost', async () => {
    const marker = `farmhand-kill-${process.pid}-${Date.now()}`;
    const project = tempProject({
      'farmhand.yml': `name: p\njobs:\n  first:\n    run: echo first done\n  second:\n    needs: [first]\n    run: echo second done\n  slow:\n    needs: [second]\n    run: sh -c 'sleep 30' ${marker}\n`,
    });
    const run = start(['run', project.dir, '--state-dir', project.stateDir]);
    try {
      await waitFor(() => run.output().includes('p/slow running'), 'the slow job to run');
      run.child.kill('SIGKILL');
      await run.exited;
      // The job's own processes outlive a SIGKILLed coordinator (no one is left to stop them); end them here.
      for (const line of survivors(marker)) process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');

      const again = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--only', 'p/first']);
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('build b-0001 was left running by a coordinator that stopped');
      const builds = await runCli(['builds', '--json', '--state-dir', project.stateDir]);
      const reports = JSON.parse(builds.stdout) as { build: string; status: string; jobs: { id: string; status: string; reason: string | null }[] }[];
      const old = reports.find((r) => r.build === 'b-0001')!;
      expect(old.status).toBe('failed');
      expect(Object.fromEntries(old.jobs.map((job) => [job.id, job.status]))).toEqual({ 'p/first': 'success', 'p/second': 'success', 'p/slow': 'lost' });
      const log = await runCli(['logs', 'b-0001', 'p/second', '--state-dir', project.stateDir]);
      expect(log.stdout).toBe('second done\n');
    } finally {
      run.child.kill('SIGKILL');
      project.close();
    }
  });
});
