import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogStream } from '../../core/protocol/types';
import { checkDocker, cleanupStaleContainers, createDockerExecutor, type DockerExecutorOptions } from '../../agent/executors/docker-executor';
import type { ExecutionRequest } from '../../agent/executors/types';
import { requireDocker, testDocker, testImage } from '../helpers/docker';

const docker = testDocker();
const dockerReady = await requireDocker(docker);
const agentName = `test-agent-${process.pid}`;

let workspace: string;
beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'farmhand-docker-'));
});
afterAll(async () => {
  rmSync(workspace, { recursive: true, force: true });
  if (!dockerReady) return;
  // Nothing this suite created may outlive it.
  const left = await docker.listContainers({ all: true, filters: { label: [`farmhand.agent=${agentName}`] } });
  expect(left.map((info) => info.Id)).toEqual([]);
});

function request(run: string[], extra: Partial<ExecutionRequest> = {}): ExecutionRequest {
  return { attempt: `a-${randomUUID()}`, build: `b-${randomUUID()}`, job: 'j', agent: agentName, run, image: testImage, env: {}, workspaceRoot: workspace, workingDirectory: '.', ...extra };
}

/** Runs one job in a fresh executor and collects its log calls. */
async function run(job: ExecutionRequest, options: Partial<DockerExecutorOptions> = {}, signal = new AbortController().signal) {
  const executor = createDockerExecutor({ docker, stopGraceSeconds: 1, ...options, config: { agentName, ...options.config } });
  const calls: { stream: LogStream; data: string }[] = [];
  const started = Date.now();
  try {
    const result = await executor.run(job, (stream, data) => calls.push({ stream, data }), signal);
    const text = (stream: LogStream) => calls.filter((call) => call.stream === stream).map((call) => call.data).join('');
    return { result, calls, stdout: text('stdout'), stderr: text('stderr'), elapsed: Date.now() - started };
  } finally {
    await executor.close();
  }
}

async function containersOfBuild(build: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`farmhand.build=${build}`] } });
  return list.map((info) => info.Id);
}

/** A "registry" on loopback that accepts connections and never answers, for the duration of `use`. */
async function withSilentRegistry(use: (host: string) => Promise<void>): Promise<void> {
  const sockets = new Set<Socket>();
  const registry = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  const { port } = registry.address() as { port: number };
  try {
    await use(`127.0.0.1:${port}`);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => registry.close(resolve));
  }
}

describe.skipIf(!dockerReady)('docker executor', () => {
  it('runs commands in the image and streams stdout and stderr apart', async () => {
    const { result, stdout, stderr } = await run(request(['echo hello', 'echo oops >&2', 'echo "$GREETING from $(pwd)"'], { env: { GREETING: 'hi' } }));
    expect(result).toEqual({ status: 'success', exitCode: 0 });
    expect(stdout).toBe('hello\nhi from /workspace\n');
    expect(stderr).toBe('oops\n');
  });

  it('reports exit code 3 and stops at the first failing command', async () => {
    const { result, stdout } = await run(request(['echo before', 'exit 3', 'echo after']));
    expect(result).toMatchObject({ status: 'failed', reason: 'exit', exitCode: 3 });
    expect(stdout).toBe('before\n');
  });

  it('runs in the working directory below /workspace', async () => {
    mkdirSync(path.join(workspace, 'services/api'), { recursive: true });
    const { result, stdout } = await run(request(['pwd'], { workingDirectory: './services/api/' }));
    expect(result.status).toBe('success');
    expect(stdout).toBe('/workspace/services/api\n');
  });

  it('delivers 100k lines complete and in order', async () => {
    const { result, stdout } = await run(request(['seq 1 100000']));
    expect(result.status).toBe('success');
    const expected = Array.from({ length: 100_000 }, (_, i) => `${i + 1}\n`).join('');
    expect(stdout.length).toBe(expected.length);
    expect(stdout === expected).toBe(true);
  });

  it('times out, stops the container and leaves none behind', async () => {
    const job = request(['echo started', 'sleep 100'], { timeoutMs: 500 });
    const { result, stdout, elapsed } = await run(job);
    expect(result).toMatchObject({ status: 'failed', reason: 'timeout', message: 'timed out after 500ms' });
    expect(stdout).toBe('started\n');
    expect(elapsed).toBeLessThan(5000);
    expect(await containersOfBuild(job.build)).toEqual([]);
  });

  it('reports an aborted job as canceled and leaves no container', async () => {
    const job = request(['echo ready', 'sleep 100']);
    const controller = new AbortController();
    const executor = createDockerExecutor({ docker, stopGraceSeconds: 1, config: { agentName } });
    const result = await executor.run(job, (_stream, data) => data.includes('ready') && controller.abort(), controller.signal);
    await executor.close();
    expect(result).toEqual({ status: 'canceled', reason: 'canceled' });
    expect(await containersOfBuild(job.build)).toEqual([]);
  });

  it('does not create a container for a job whose signal is already aborted', async () => {
    const job = request(['echo should-not-run']);
    const { result, calls } = await run(job, {}, AbortSignal.abort());
    expect(result).toEqual({ status: 'canceled', reason: 'canceled' });
    expect(calls).toEqual([]);
    expect(await containersOfBuild(job.build)).toEqual([]);
  });

  it('never splits a multi-byte utf-8 character across log calls', async () => {
    const { stdout, calls } = await run(request(["printf '\\303'", 'sleep 0.1', "printf '\\251 \\360\\237'", 'sleep 0.1', "printf '\\232\\200\\n'"]));
    expect(stdout).toBe('é 🚀\n');
    for (const call of calls) expect(call.data).not.toContain('\uFFFD');
  });

  it('writes outputs to the host workspace, where they can be deleted', async () => {
    const { result } = await run(request(['mkdir -p out/sub', 'echo data > out/sub/file.txt']));
    expect(result.status).toBe('success');
    expect(readFileSync(path.join(workspace, 'out/sub/file.txt'), 'utf8')).toBe('data\n');
    rmSync(path.join(workspace, 'out'), { recursive: true });
  });

  it('gives the workspace files back to the agent user when asked', async () => {
    const { result } = await run(request(['mkdir -p owned', 'echo x > owned/file']), { workspaceOwner: { uid: 4321, gid: 4322 } });
    expect(result.status).toBe('success');
    const file = statSync(path.join(workspace, 'owned/file'));
    expect([file.uid, file.gid]).toEqual([4321, 4322]);
    rmSync(path.join(workspace, 'owned'), { recursive: true });
  });

  it('reports a job over its memory limit as oom', async () => {
    // tail keeps the last lines in memory; /dev/zero has no newline, so it buffers everything.
    const { result } = await run(request(['head -c 200000000 /dev/zero | tail > /dev/null']), {
      config: { agentName, memoryBytes: 16 * 2 ** 20 },
    });
    expect(result).toMatchObject({ status: 'failed', reason: 'oom', message: 'killed: out of memory (limit 16 MiB)' });
  });

  it('fails with a message naming a missing image that cannot be pulled', async () => {
    // A registry on loopback where nothing listens: refused at once, and no traffic leaves the machine.
    const image = '127.0.0.1:9/farmhand-test/missing:1';
    const { result, elapsed } = await run(request(['true'], { image }), { pullTimeoutMs: 5000 });
    expect(result).toMatchObject({ status: 'failed', reason: 'error' });
    expect(result.message).toContain(`image "${image}" is not available locally and could not be pulled: `);
    expect(result.message).not.toContain('\n');
    expect(elapsed).toBeLessThan(5000);
  });

  it('gives up on a registry that never answers after pullTimeoutMs', async () => {
    await withSilentRegistry(async (host) => {
      const image = `${host}/farmhand-test/silent:1`;
      const { result, elapsed } = await run(request(['true'], { image }), { pullTimeoutMs: 1000 });
      expect(result).toMatchObject({ status: 'failed', reason: 'error' });
      expect(result.message).toBe(`image "${image}" is not available locally and could not be pulled: no answer from the registry within 1 s`);
      expect(elapsed).toBeLessThan(4000);
    });
  });

  it('reports a job canceled while its image is being pulled as canceled', async () => {
    await withSilentRegistry(async (host) => {
      const { result, elapsed } = await run(request(['true'], { image: `${host}/farmhand-test/slow:1` }), { pullTimeoutMs: 10_000 }, AbortSignal.timeout(300));
      expect(result).toEqual({ status: 'canceled', reason: 'canceled' });
      expect(elapsed).toBeLessThan(2000);
    });
  });

  it('reports bad paths as error results, not exceptions', async () => {
    const relative = await run(request(['true'], { workspaceRoot: 'relative/ws' }));
    expect(relative.result).toMatchObject({ status: 'failed', reason: 'error' });
    expect(relative.result.message).toContain('invalid mount path "relative/ws"');
    const escaping = await run(request(['true'], { workingDirectory: 'a/../../etc' }));
    expect(escaping.result).toMatchObject({ status: 'failed', reason: 'error' });
    expect(escaping.result.message).toContain('a/../../etc');
    const missing = await run(request(['true'], { workingDirectory: 'not/there' }));
    expect(missing.result).toMatchObject({ status: 'failed', reason: 'error' });
    expect(missing.result.message).toContain('not/there');
  });

  it('removes the containers a killed agent left behind and names their attempts', async () => {
    const staleAgent = `${agentName}-stale`;
    // The owner: a process of this host that has exited.
    const owner = spawnSync('true');
    const container = await docker.createContainer({
      Image: testImage,
      Cmd: ['sleep', '100'],
      Labels: { 'farmhand.agent': staleAgent, 'farmhand.attempt': 'attempt-7', 'farmhand.build': 'b-stale', 'farmhand.owner.host': hostname(), 'farmhand.owner.pid': String(owner.pid) },
      HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    const { removed, attempts } = await cleanupStaleContainers(docker, staleAgent);
    expect(removed).toEqual([container.id]);
    expect(attempts).toEqual(['attempt-7']);
    expect(await containersOfBuild('b-stale')).toEqual([]);
  });

  it('checkDocker says Docker is not running when there is no socket', async () => {
    const check = await checkDocker(new Dockerode({ socketPath: '/nonexistent/docker.sock' }));
    expect(check).toEqual({
      ok: false,
      message: 'Docker is not running (no socket at /nonexistent/docker.sock); start it with `dockerd` or install docker.io',
    });
    expect(await checkDocker(docker)).toEqual({ ok: true });
  });
});
