// `node bench/docker-latency.mjs`: how long a job container takes to print its first line and to exit,
// through dockerode (what the docker executor does) against `docker run --rm` (the baseline), on the
// same local image. Needs scripts/docker-test-setup.sh first. Prints medians and their ratio.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Dockerode from 'dockerode';

const image = process.env.BENCH_IMAGE ?? 'farmhand-test/busybox:1';
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const workspace = mkdtempSync(join(tmpdir(), 'farmhand-docker-bench-'));
const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });
const script = 'echo first-line; echo second-line';
const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The docker executor's call sequence: create, attach, wait(next-exit), start, drain, remove. */
async function viaDockerode() {
  const t0 = now();
  let firstLine;
  const container = await docker.createContainer({
    Image: image, Cmd: ['/bin/sh', '-e', '-c', script], WorkingDir: '/workspace', Tty: false,
    AttachStdout: true, AttachStderr: true, Labels: { 'farmhand.bench': '1' },
    HostConfig: { Binds: [`${workspace}:/workspace:rw`], NetworkMode: 'none', Init: true },
  });
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const stdout = new PassThrough();
  stdout.on('data', () => (firstLine ??= now() - t0));
  container.modem.demuxStream(stream, stdout, new PassThrough());
  const ended = new Promise((resolve) => stream.once('end', resolve));
  const waited = container.wait({ condition: 'next-exit' });
  await container.start();
  await waited;
  await ended;
  const exited = now() - t0;
  await container.remove({ force: true });
  return { firstLine, exited, removed: now() - t0 };
}

/** The baseline: the Docker CLI, which also removes the container before it exits (--rm). */
function viaCli() {
  return new Promise((resolve, reject) => {
    const t0 = now();
    let firstLine;
    const child = spawn('docker', ['run', '--rm', '--init', '--network', 'none', '-v', `${workspace}:/workspace:rw`, '-w', '/workspace', image, '/bin/sh', '-e', '-c', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', () => (firstLine ??= now() - t0));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ firstLine, exited: now() - t0, removed: now() - t0 }) : reject(new Error(`docker run exited ${code}`))));
  });
}

try {
  await docker.getImage(image).inspect();
} catch (error) {
  // `npm run bench` runs this after the make comparison: without Docker, say so and leave that result standing.
  const reason = error?.code === 'ENOENT' || error?.code === 'ECONNREFUSED' ? 'Docker is not running' : `image ${image} is missing`;
  console.error(`docker latency bench skipped: ${reason}; run scripts/docker-test-setup.sh (as root) first`);
  rmSync(workspace, { recursive: true, force: true });
  process.exit(0);
}

try {
  await viaDockerode(); // warm-up: first container of a session pays for cold caches
  await viaCli();
  const results = { dockerode: [], cli: [] };
  for (let round = 0; round < rounds; round++) {
    // Interleaved, so drift in the machine's load hits both alike.
    results.dockerode.push(await viaDockerode());
    results.cli.push(await viaCli());
  }
  const summary = (runs, key) => median(runs.map((run) => run[key]));
  console.log(`docker latency: ${rounds} rounds each, image ${image}, network none, medians in ms`);
  console.log('path                        first-line   exited   removed');
  for (const [name, runs] of Object.entries(results)) {
    const [a, b, c] = ['firstLine', 'exited', 'removed'].map((key) => summary(runs, key).toFixed(0).padStart(8));
    console.log(`${name === 'cli' ? 'docker run --rm (CLI)' : 'dockerode (executor path)'}`.padEnd(26), a, '  ', b, c);
  }
  const ratio = (key) => (summary(results.dockerode, key) / summary(results.cli, key)).toFixed(2);
  console.log(`ratio dockerode/CLI: first-line ${ratio('firstLine')}, exited ${ratio('exited')}, removed-vs-CLI-exit ${(summary(results.dockerode, 'removed') / summary(results.cli, 'exited')).toFixed(2)}`);
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
