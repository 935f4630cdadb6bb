// A coordinator killed mid-build, with real processes in a simulated LAN of namespaces
// (test/helpers/netns-lan): `farmhand serve` SIGKILLed while a job runs on a paired agent and started
// again on the same state dir resumes the build (one attempt, its log complete); `farmhand run`
// SIGKILLed while a job runs on the agent: the next run of the project takes the result the agent
// kept (the job is `cached`, not run again).
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../core/store/sqlite-store';
import { buildCli } from '../helpers/cli';
import { createLan, namespacesOrSkip, runFarmhand, spawnFarmhand, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);

let lan: Lan;
let base: string;
let agent: AgentProcess | undefined;
const children: ChildProcess[] = [];
const project = () => join(base, 'project');
const coordinatorState = () => join(base, 'coordinator');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A job on the agent `left` printing `count` numbered lines, one every 100 ms, and writing an output. */
const counting = (count: number) => `version: 1
name: restart
jobs:
  count:
    labels: [left]
    inputs: [farmhand.yml]
    outputs: [out.txt]
    run: i=1; while [ $i -le ${count} ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done; echo done > out.txt
`;
const numbered = (count: number) => Array.from({ length: count }, (_, index) => `line ${index + 1}`);

const runningOnAgent = () => {
  try {
    return readdirSync(join(base, 'left', 'workspaces')).length > 0;
  } catch {
    return false;
  }
};

async function waitUntil(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function readStore<T>(read: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore(join(coordinatorState(), 'farmhand.db'));
  try {
    return read(store);
  } finally {
    store.close();
  }
}

/** Starts `farmhand ...args` on the coordinator host, keeping its output. */
function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawnFarmhand(args, lan.hosts[0]);
  children.push(child);
  let output = '';
  child.stdout!.on('data', (data) => (output += data));
  child.stderr!.on('data', (data) => (output += data));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output: () => output, exited };
}

async function startServe() {
  const serve = start(['serve', '--state-dir', coordinatorState(), '--port', '0', '--jobs', '1']);
  await waitUntil('farmhand serve to listen', () => /farmhand serving/.test(serve.output()) || serve.child.exitCode !== null);
  expect(serve.child.exitCode, serve.output()).toBeNull();
  return serve;
}

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-restart-'));
  lan = createLan(2);
  agent = await startAgentProcess(['--state-dir', join(base, 'left'), '--name', 'left', '--labels', 'left', '--no-mdns-probe', '--slots', '2'], lan.hosts[1]);
  const paired = await runFarmhand(['pair', `${lan.hosts[1]!.address}:${agent.port}`, agent.code!, '--state-dir', coordinatorState()], lan.hosts[0]);
  expect(paired.code, paired.stderr).toBe(0);
  mkdirSync(project(), { recursive: true });
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await agent?.stop('SIGTERM');
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('a coordinator killed mid-build', () => {
  it('farmhand serve SIGKILLed with a job running on an agent and started again: the build resumes, the job ran once', async () => {
    writeFileSync(join(project(), 'farmhand.yml'), counting(30));
    const first = await startServe();
    const client = start(['run', project(), '--no-cache', '--state-dir', coordinatorState()]);
    await waitUntil('the job to start on the agent', runningOnAgent);
    await sleep(800);
    first.child.kill('SIGKILL');
    client.child.kill('SIGKILL');
    await Promise.all([first.exited, client.exited]);
    const build = readStore((store) => store.listBuilds(1)[0]!.id);
    const second = await startServe();
    await waitUntil('the build to end', () => readStore((store) => store.getBuild(build)!.status) !== 'running', 30_000);
    const context = `${first.output()}\n--- restarted:\n${second.output()}\nagent: ${agent!.stderr()}`;
    const { status, attempts, lines, job } = readStore((store) => ({
      status: store.getBuild(build)!.status,
      job: store.getJob(build, 'restart/count')!,
      attempts: store.listAttempts(build, 'restart/count').map(({ agent: name, status: ended }) => ({ agent: name, status: ended })),
      lines: store.readLog(build, 'restart/count').map((chunk) => chunk.data).join('').split('\n').filter(Boolean),
    }));
    expect(status, context).toBe('success');
    expect(job.state, context).toBe('success');
    expect(attempts, context).toEqual([{ agent: 'left', status: 'success' }]);
    expect(lines, context).toEqual(numbered(30));
    expect(second.output()).toMatch(new RegExp(`build ${build} was left running .*resuming it`));
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toBe(0);
  }, 60_000);

  it('farmhand run SIGKILLed with a job running on an agent: the next run takes the agent\'s result as cached', async () => {
    writeFileSync(join(project(), 'farmhand.yml'), counting(15));
    rmSync(join(project(), 'out.txt'), { force: true });
    const killed = start(['run', project(), '--no-local', '--state-dir', coordinatorState()]);
    await waitUntil('the job to start on the agent', runningOnAgent);
    await sleep(300);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const first = readStore((store) => store.listBuilds(1)[0]!.id);
    // The agent finishes the job meanwhile (1.5 s) and keeps its result.
    await sleep(2500);
    const reportFile = join(base, 'again.json');
    const again = await runFarmhand(['run', project(), '--no-local', '--agent-wait', '10s', '--state-dir', coordinatorState(), '--report', reportFile], lan.hosts[0], 60_000);
    const context = `${killed.output()}\n--- again:\n${again.stdout}${again.stderr}\nagent: ${agent!.stderr()}`;
    expect(again.code, context).toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { build: string; jobs: { id: string; status: string; attempts: number }[] };
    expect(report.jobs[0], context).toMatchObject({ id: 'restart/count', status: 'cached', attempts: 0 });
    expect(readFileSync(join(project(), 'out.txt'), 'utf8')).toBe('done\n');
    const old = readStore((store) => ({
      attempts: store.listAttempts(first, 'restart/count').map(({ status }) => status),
      lines: store.readLog(first, 'restart/count').map((chunk) => chunk.data).join('').split('\n').filter(Boolean),
      status: store.getBuild(first)!.status,
    }));
    // The killed run's build is closed; its attempt row records how the job really ended, with its whole log.
    expect(old.status).toBe('failed');
    expect(old.attempts, context).toEqual(['success']);
    expect(old.lines, context).toEqual(numbered(15));
  }, 60_000);
});
