// `farmhand run` with Docker jobs against the real engine: mixed docker and shell jobs, outputs
// flowing into a docker job and out of it, no container left behind, and exit 3 without Docker.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { buildCli, farmhandBin, runCli, tempProject } from '../helpers/cli';
import { requireDocker, testDocker, testImage } from '../helpers/docker';

// Known before the tests are collected, so Docker tests are reported skipped (with requireDocker's loud
// warning), never passed; under CI or FARMHAND_REQUIRE_DOCKER a missing engine fails the file instead.
const haveDocker = await requireDocker();
beforeAll(() => buildCli());

const mixed = [
  'name: app',
  'jobs:',
  '  prepare:',
  '    run: mkdir -p build && echo "from the host" > build/in.txt',
  '    inputs: [src.txt]',
  '    outputs: [build/in.txt]',
  '  transform:',
  `    image: ${testImage}`,
  '    needs: [prepare]',
  '    run:',
  '      - cat build/in.txt src.txt > build/out.txt',
  '      - echo "inside $(id -u) $(pwd)"',
  '    inputs: [src.txt]',
  '    outputs: [build/out.txt]',
  '  check:',
  '    needs: [transform]',
  '    run: grep -q "from the host" build/out.txt && rm build/out.txt && echo deletable',
].join('\n');

// Containers are looked up by this file's own job names: other test files share the engine at the same time.
describe('farmhand run with Docker jobs', () => {
  it.skipIf(!haveDocker)('runs docker and shell jobs together; outputs flow in and out of the container; nothing is left behind', async () => {
    const project = tempProject({ 'farmhand.yml': mixed, 'src.txt': 'source\n' });
    const report = join(project.dir, '..', 'report.json');
    try {
      const result = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--report', report, '--logs']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('app/transform | inside 0 /workspace');
      expect(result.stdout).toContain('app/check | deletable');
      const jobs = (JSON.parse(readFileSync(report, 'utf8')) as { jobs: { id: string; status: string }[] }).jobs;
      expect(jobs.map((job) => job.status)).toEqual(['success', 'success', 'success']);
      const left = await testDocker().listContainers({ all: true, filters: { label: ['farmhand.job=app/transform'] } });
      expect(left).toEqual([]);

      // The docker job's output comes back from the cache into a clean workspace.
      rmSync(join(project.dir, 'build'), { recursive: true, force: true });
      const again = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--only', 'app/transform']);
      expect(again.code).toBe(0);
      expect(readFileSync(join(project.dir, 'build/out.txt'), 'utf8')).toBe('from the host\nsource\n');
    } finally {
      project.close();
    }
  });

  it.skipIf(!haveDocker)('a docker job that times out leaves no container', async () => {
    const project = tempProject({ 'farmhand.yml': `name: p\njobs:\n  slow:\n    image: ${testImage}\n    run: sleep 30\n    timeout: 1s\n` });
    try {
      const result = await runCli(['run', project.dir, '--state-dir', project.stateDir]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/p\/slow failed \(.*timed out/);
      const left = await testDocker().listContainers({ all: true, filters: { label: ['farmhand.job=p/slow'] } });
      expect(left).toEqual([]);
    } finally {
      project.close();
    }
  });

  it.skipIf(!haveDocker)('a coordinator killed mid-job: its container goes with it (the lifeline); the next start reports the job lost', async () => {
    const project = tempProject({ 'farmhand.yml': `name: p\njobs:\n  long:\n    image: ${testImage}\n    run: sleep 60\n` });
    const docker = testDocker();
    const run = spawn('node', [farmhandBin, 'run', project.dir, '--state-dir', project.stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => run.on('close', resolve));
    try {
      const until = Date.now() + 20_000;
      let containers: unknown[] = [];
      while (containers.length === 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        containers = await docker.listContainers({ filters: { label: ['farmhand.job=p/long'], status: ['running'] } });
      }
      expect(containers).toHaveLength(1);
      run.kill('SIGKILL');
      await exited;
      const gone = Date.now() + 10_000;
      while ((await docker.listContainers({ all: true, filters: { label: ['farmhand.job=p/long'] } })).length > 0 && Date.now() < gone) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await docker.listContainers({ all: true, filters: { label: ['farmhand.job=p/long'] } })).toEqual([]);

      project.write('farmhand.yml', `name: p\njobs:\n  quick:\n    image: ${testImage}\n    run: echo ok\n`);
      const again = await runCli(['run', project.dir, '--state-dir', project.stateDir]);
      expect(again.code).toBe(0);
      expect(await docker.listContainers({ all: true, filters: { label: ['farmhand.job=p/long'] } })).toEqual([]);
      const builds = JSON.parse((await runCli(['builds', '--json', '--state-dir', project.stateDir])).stdout) as { build: string; jobs: { status: string }[] }[];
      expect(builds.find((b) => b.build === 'b-0001')?.jobs.map((j) => j.status)).toEqual(['lost']);
    } finally {
      run.kill('SIGKILL');
      project.close();
    }
  });

  it.skipIf(!haveDocker)('agent.yml limits container memory: a job over it is reported as out of memory', async () => {
    const project = tempProject({ 'farmhand.yml': `name: p\njobs:\n  hungry:\n    image: ${testImage}\n    run: head -c 200000000 /dev/zero | tail > /dev/null\n` });
    const report = join(project.dir, '..', 'report.json');
    try {
      project.write('../state/agent.yml', 'docker:\n  memory: 16m\n');
      const result = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--report', report]);
      expect(result.code).toBe(1);
      const job = (JSON.parse(readFileSync(report, 'utf8')) as { jobs: { status: string; reason: string }[] }).jobs[0];
      expect(job).toMatchObject({ status: 'failed', reason: 'killed: out of memory (limit 16 MiB)' });
    } finally {
      project.close();
    }
  });

  it('isolation: shell in agent.yml runs image jobs as plain processes, with no Docker needed', async () => {
    const project = tempProject({ 'farmhand.yml': `name: p\njobs:\n  boxed:\n    image: ${testImage}\n    run: echo "ran on the host in $PWD"\n` });
    try {
      const config = join(project.dir, '..', 'trusted.yml');
      project.write('../trusted.yml', 'isolation: shell\n');
      const result = await runCli(['run', project.dir, '--state-dir', project.stateDir, '--agent-config', config, '--logs'], { env: { DOCKER_HOST: `unix://${join(project.dir, 'no-docker.sock')}` } });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`p/boxed | ran on the host in ${project.dir}`);
    } finally {
      project.close();
    }
  });

  it('a bad agent.yml is refused with its location and exit code 2', async () => {
    const project = tempProject({ 'farmhand.yml': 'name: p\njobs:\n  a:\n    run: echo a\n' });
    try {
      project.write('../state/agent.yml', 'docker:\n  netwrk: host\n');
      const result = await runCli(['run', project.dir, '--state-dir', project.stateDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`farmhand run: ${join(project.stateDir, 'agent.yml')}:2:3: unknown docker setting \`netwrk\` (expected network, user, memory, cpus or pids)\n`);
    } finally {
      project.close();
    }
  });

  it('exits 3 with a hint when a job needs Docker and none answers', async () => {
    const project = tempProject({ 'farmhand.yml': `name: p\njobs:\n  boxed:\n    image: ${testImage}\n    run: echo hi\n` });
    try {
      const result = await runCli(['run', project.dir, '--state-dir', project.stateDir], { env: { DOCKER_HOST: `unix://${join(project.dir, 'no-docker.sock')}` } });
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/^farmhand run: Docker is not running/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      project.close();
    }
  });
});
