// Docker runs and other runs' containers: clean-up removes only containers whose owner process is dead
// (never another project's running job); a run with Docker jobs exits as soon as it is done; a
// container job that plants a link in the workspace cannot make a later restore write outside it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupStaleContainers } from '../../agent/executors/docker-engine';
import { processStartTime } from '../../agent/executors/process-group';
import { buildCli, farmhandBin, runCli, tempProject, type TempProject } from '../helpers/cli';
import { requireDocker, testDocker, testImage } from '../helpers/docker';

const haveDocker = await requireDocker();
const docker = testDocker();
beforeAll(() => buildCli());

const made: Dockerode.Container[] = [];
const projects: TempProject[] = [];
afterEach(async () => {
  for (const container of made.splice(0)) await container.remove({ force: true }).catch(() => undefined);
  for (const project of projects.splice(0)) project.close();
});

/** A running container labelled as a Farmhand job of `agent`, owned by the process `owner` (pid, start time). */
async function jobContainer(agent: string, attempt: string, owner: { pid: number; start?: string } | undefined): Promise<Dockerode.Container> {
  const ownerLabels = owner ? { 'farmhand.owner.host': hostname(), 'farmhand.owner.pid': String(owner.pid), ...(owner.start ? { 'farmhand.owner.start': owner.start } : {}) } : {};
  const container = await docker.createContainer({
    Image: testImage,
    Cmd: ['sleep', '300'],
    Labels: { 'farmhand.agent': agent, 'farmhand.attempt': attempt, ...ownerLabels },
    HostConfig: { NetworkMode: 'none', Init: true },
  });
  made.push(container);
  await container.start();
  return container;
}

const running = async (container: Dockerode.Container) => (await container.inspect().catch(() => undefined))?.State.Running === true;

describe.skipIf(!haveDocker)('Docker clean-up and exit', () => {
  it("removes a dead owner's container and leaves a live owner's (and an unlabelled running one) alone", async () => {
    const agent = `safety-agent-${process.pid}`;
    const exited = spawnSync('true');
    const dead = await jobContainer(agent, 'attempt-dead', { pid: exited.pid!, start: '1' });
    const live = await jobContainer(agent, 'attempt-live', { pid: process.pid, start: processStartTime(process.pid) });
    const reused = await jobContainer(agent, 'attempt-reused', { pid: process.pid, start: 'not-this-process' });
    const unlabelled = await jobContainer(agent, 'attempt-old', undefined);
    const { removed, attempts } = await cleanupStaleContainers(docker, agent);
    expect(removed.sort()).toEqual([dead.id, reused.id].sort());
    expect(attempts.sort()).toEqual(['attempt-dead', 'attempt-reused']);
    expect(await running(live)).toBe(true);
    expect(await running(unlabelled)).toBe(true);
  });

  it("a farmhand run with a Docker job leaves another run's running container alone, and exits as soon as it is done", async () => {
    // Another project's job on this machine: same agent name (the host name), a live owner (this process).
    const other = await jobContainer(hostname(), 'other-project-attempt', { pid: process.pid, start: processStartTime(process.pid) });
    const project = tempProject({ 'farmhand.yml': `name: p\njobs:\n  quick:\n    image: ${testImage}\n    run: echo inside\n` });
    projects.push(project);
    const child = spawn('node', [farmhandBin, 'run', project.dir, '--state-dir', project.stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let summaryAt = 0;
    child.stdout.on('data', (data) => {
      stdout += data;
      if (!summaryAt && /b-0001 success/.test(stdout)) summaryAt = Date.now();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const exitedAt = Date.now();
    expect(code).toBe(0);
    expect(summaryAt).toBeGreaterThan(0);
    // A never-cleared 2 s timer used to hold the process open after the summary.
    expect(exitedAt - summaryAt).toBeLessThan(1000);
    expect(await running(other)).toBe(true);
  });

  it('a container job that plants a link to a host folder cannot make a later restore write there', async () => {
    const project = tempProject({
      'src.txt': 'v1\n',
      'farmhand.yml': [
        'name: p',
        'jobs:',
        '  plant:',
        `    image: ${testImage}`,
        '    run: if [ -f plant-now ]; then rm -rf out && ln -s "$(cat plant-now)" out; fi',
        '  lib:',
        '    needs: [plant]',
        '    inputs: [src.txt]',
        '    outputs: ["out/**"]',
        '    run: test ! -L out && mkdir -p out && cp src.txt out/lib.so',
        '',
      ].join('\n'),
    });
    projects.push(project);
    expect((await runCli(['run', project.dir, '--state-dir', project.stateDir])).code).toBe(0);
    const hostFolder = join(project.dir, '..', 'host-folder');
    mkdirSync(hostFolder);
    writeFileSync(join(project.dir, 'plant-now'), hostFolder);
    const again = await runCli(['run', project.dir, '--state-dir', project.stateDir]);
    expect(again.stderr).toContain('p/lib: not restoring out/lib.so: out is a symbolic link that leads out of the workspace');
    expect(readdirSync(hostFolder)).toEqual([]);
  });
});
