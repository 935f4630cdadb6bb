// A Docker job on a LAN agent across namespaces (test/helpers/netns-lan): the agent runs in its own
// namespace and reaches the one dockerd through its socket (a file, not the network). A job with
// `image: farmhand-test/busybox:1` runs in a container with no network, its outputs come back to the
// coordinator's project folder, and no container labelled with the agent's id is left behind; after a
// crash the restarted agent removes its own leftover container and leaves another agent's alone.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/cli';
import { requireDocker, testImage } from '../helpers/docker';
import { createLan, namespacesOrSkip, runFarmhand, spawnFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename) && (await requireDocker());

let lan: Lan;
let base: string;
let agent: AgentProcess;
let foreign: string | undefined;

/** Containers (any state) carrying this agent's label: the ones it must clean up. */
const agentContainers = (id: string) => spawnSync('docker', ['ps', '-aq', '--filter', `label=farmhand.agent=agent-${id}`], { encoding: 'utf8' }).stdout.trim();

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-docker-'));
  lan = createLan(2);
  const env: Record<string, string> = process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {};
  agent = await startAgentProcess(['--state-dir', join(base, 'agent'), '--name', 'boxes', '--no-mdns-probe', '--slots', '1'], lan.hosts[1], env);
  const paired = await runFarmhand(['pair', `${lan.hosts[1]!.address}:${agent.port}`, agent.code!, '--state-dir', join(base, 'coordinator')], lan.hosts[0]);
  expect(paired.code, paired.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  if (agent) expect(await agent.stop('SIGTERM')).toBe(0);
  // Only the container this test made; other engineers' containers share the engine.
  if (foreign) spawnSync('docker', ['rm', '-f', foreign]);
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('a Docker job on a LAN agent', () => {
  it('runs in a container without network on the agent; outputs come back; its containers are cleaned', async () => {
    expect(agent.stderr()).not.toContain('Docker is not running');
    const project = join(base, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, 'farmhand.yml'),
      `version: 1\nname: boxed\njobs:\n  shout:\n    image: ${testImage}\n    run:\n      - tr a-z A-Z < input.txt > out.txt\n      - ls /sys/class/net > net.txt\n      - hostname > host.txt\n    outputs: [out.txt, net.txt, host.txt]\n`,
    );
    writeFileSync(join(project, 'input.txt'), 'from the coordinator\n');
    const reportFile = join(base, 'report.json');
    const run = await runFarmhand(['run', project, '--no-local', '--no-cache', '--agent-wait', '10s', '--state-dir', join(base, 'coordinator'), '--report', reportFile], lan.hosts[0], 45_000);
    expect(run.code, `${run.stdout}\n${run.stderr}\nagent: ${agent.stderr()}`).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { jobs: { id: string; status: string; agent: string | null }[] };
    expect(report.jobs).toMatchObject([{ id: 'boxed/shout', status: 'success', agent: 'boxes' }]);
    expect(readFileSync(join(project, 'out.txt'), 'utf8')).toBe('FROM THE COORDINATOR\n');
    // --network none: the container sees only its loopback.
    expect(readFileSync(join(project, 'net.txt'), 'utf8')).toBe('lo\n');
    // It ran in a container (its own hostname), not in the agent's shell.
    expect(readFileSync(join(project, 'host.txt'), 'utf8').trim()).toMatch(/^[0-9a-f]{12}$/);
    await expect.poll(() => agentContainers(agent.id), { timeout: 10_000 }).toBe('');
  }, 60_000);

  it('after a crash, the restarted agent removes its own leftover container and nobody else\'s', async () => {
    foreign = spawnSync('docker', ['run', '-d', '--network', 'none', '--label', 'farmhand.agent=agent-someone-else', testImage, 'sleep', '60'], { encoding: 'utf8' }).stdout.trim();
    expect(foreign).toMatch(/^[0-9a-f]{64}$/);
    const project = join(base, 'slow');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'farmhand.yml'), `version: 1\nname: slow\njobs:\n  wait:\n    image: ${testImage}\n    run: sleep 60\n`);
    const run = spawnFarmhand(['run', project, '--no-local', '--no-cache', '--agent-wait', '10s', '--state-dir', join(base, 'coordinator')], lan.hosts[0]);
    const runClosed = new Promise((resolve) => run.on('close', resolve));
    try {
      await expect.poll(() => agentContainers(agent.id), { timeout: 20_000 }).toMatch(/^[0-9a-f]+$/);
      await agent.stop('SIGKILL');
      expect(agentContainers(agent.id)).not.toBe('');
    } finally {
      run.kill('SIGKILL');
      await runClosed;
    }
    const env: Record<string, string> = process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {};
    agent = await startAgentProcess(['--state-dir', join(base, 'agent'), '--name', 'boxes', '--no-mdns-probe', '--no-pairing', '--slots', '1'], lan.hosts[1], env);
    await expect.poll(() => agentContainers(agent.id), { timeout: 10_000 }).toBe('');
    expect(spawnSync('docker', ['inspect', '-f', '{{.State.Running}}', foreign], { encoding: 'utf8' }).stdout.trim()).toBe('true');
  }, 60_000);
});
