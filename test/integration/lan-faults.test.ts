// LAN faults with real processes in a simulated LAN of namespaces (test/helpers/netns-lan): a
// coordinator host running `farmhand run --no-local` and two paired agents. An agent SIGKILLed mid-job
// (its attempt lost within 5 s, rerun on the other); a link cut for 10 s mid-job (one attempt, every
// line once and in order); a cut past `agent_lost_after` (rerun elsewhere, the late result recorded on
// the lost attempt's row only); an agent restarted with SIGTERM (its job canceled, run again on it once
// it is back, still paired); an agent stopped with SIGSTOP and resumed (its attempt finishes normally).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../core/store/sqlite-store';
import { buildCli } from '../helpers/cli';
import { createLan, namespacesOrSkip, runFarmhand, startAgentProcess, type AgentProcess, type Lan, type LanHost } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);

let lan: Lan;
let base: string;
const agents: Record<'left' | 'right', AgentProcess | undefined> = { left: undefined, right: undefined };
const hostOf = (name: 'left' | 'right'): LanHost => lan.hosts[name === 'left' ? 1 : 2]!;
const project = () => join(base, 'project');
const coordinatorState = () => join(base, 'coordinator');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Report {
  build: string;
  status: string;
  jobs: { id: string; status: string; agent: string | null; reason: string | null; attempts: number }[];
}

function startAgent(name: 'left' | 'right', extra: string[] = []): Promise<AgentProcess> {
  return startAgentProcess(['--state-dir', join(base, name), '--name', name, '--labels', name, '--no-mdns-probe', '--slots', '2', ...extra], hostOf(name));
}

/** Which agent has a workspace now (it runs an attempt). */
function runningOn(): ('left' | 'right')[] {
  return (['left', 'right'] as const).filter((name) => {
    try {
      return readdirSync(join(base, name, 'workspaces')).length > 0;
    } catch {
      return false;
    }
  });
}

async function waitUntil(what: string, check: () => boolean, timeoutMs = 20_000): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - start;
}

/** Starts a build of `pipeline` (plus settings) and resolves with its report once `farmhand run` ends. */
function startBuild(name: string, pipeline: string): Promise<Report> {
  writeFileSync(join(project(), 'farmhand.yml'), pipeline);
  const reportFile = join(base, `${name}.json`);
  return runFarmhand(['run', project(), '--no-local', '--no-cache', '--agent-wait', '30s', '--state-dir', coordinatorState(), '--report', reportFile], lan.hosts[0], 60_000).then((result) => {
    const context = `${result.stdout}\n${result.stderr}\nleft: ${agents.left?.stderr()}\nright: ${agents.right?.stderr()}`;
    let report: Report;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    } catch {
      throw new Error(`no report (exit ${result.code}):\n${context}`);
    }
    (report as Report & { context?: string }).context = context;
    return report;
  });
}

/** Attempt rows and log lines of a job, as the coordinator's store holds them. */
function stored(build: string, job: string) {
  const store = openStore(join(coordinatorState(), 'farmhand.db'));
  try {
    const attempts = store.listAttempts(build, job).map(({ number, agent, status, reason }) => ({ number, agent, status, reason }));
    const lines = store.readLog(build, job).map((chunk) => chunk.data).join('').split('\n').filter(Boolean);
    return { attempts, lines };
  } finally {
    store.close();
  }
}

function link(name: 'left' | 'right', state: 'up' | 'down'): void {
  const namespace = hostOf(name).namespace;
  spawnSync('ip', ['-n', namespace, 'link', 'set', 'eth0', state]);
  // Bringing the link down removes the multicast route mDNS needs; put it back.
  if (state === 'up') spawnSync('ip', ['-n', namespace, 'route', 'replace', '224.0.0.0/4', 'dev', 'eth0']);
}

/** A job printing `count` numbered lines, one every 100 ms. */
const counting = (count: number, extra = '') => `version: 1
name: faults
jobs:
  count:${extra}
    run: i=1; while [ $i -le ${count} ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done
`;
const numbered = (count: number) => Array.from({ length: count }, (_, index) => `line ${index + 1}`);

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-faults-'));
  lan = createLan(3);
  const started = await Promise.allSettled([startAgent('left'), startAgent('right')]);
  [agents.left, agents.right] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  for (const name of ['left', 'right'] as const) {
    const agent = agents[name]!;
    const paired = await runFarmhand(['pair', `${hostOf(name).address}:${agent.port}`, agent.code!, '--state-dir', coordinatorState()], lan.hosts[0]);
    expect(paired.code, paired.stderr).toBe(0);
  }
  mkdirSync(project(), { recursive: true });
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  for (const name of ['left', 'right'] as const) {
    link(name, 'up');
    agents[name]?.child.kill('SIGCONT');
  }
  await Promise.all([agents.left?.stop('SIGTERM'), agents.right?.stop('SIGTERM')]);
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('LAN faults', () => {
  it('an agent SIGKILLed mid-job: its attempt is lost within 5 s and rerun on the other agent', async () => {
    const building = startBuild('kill', counting(30));
    await waitUntil('the job to start', () => runningOn().length === 1);
    const victim = runningOn()[0]!;
    const other = victim === 'left' ? 'right' : 'left';
    await sleep(700);
    expect(await agents[victim]!.stop('SIGKILL')).toBe(null);
    const rerunMs = await waitUntil('the rerun on the other agent', () => runningOn().includes(other), 10_000);
    const report = await building;
    const context = (report as Report & { context?: string }).context;
    expect(report.status, context).toBe('success');
    expect(report.jobs[0]).toMatchObject({ status: 'success', agent: other, attempts: 2 });
    expect(rerunMs, `rerun ${rerunMs} ms after the kill`).toBeLessThan(5000);
    console.log(`killed agent: rerun started ${rerunMs} ms after SIGKILL`);
    const { attempts } = stored(report.build, 'faults/count');
    expect(attempts).toEqual([
      { number: 1, agent: victim, status: 'lost', reason: 'agent_lost' },
      { number: 2, agent: other, status: 'success', reason: undefined },
    ]);
    rmSync(join(base, victim, 'workspaces'), { recursive: true, force: true });
    agents[victim] = await startAgent(victim, ['--no-pairing']);
  }, 60_000);

  it('a link cut for 10 s mid-job: one attempt, every line once and in order', async () => {
    const building = startBuild('cut', counting(140, '\n    labels: [left]'));
    await waitUntil('the job to start on left', () => runningOn().includes('left'));
    await sleep(1500);
    link('left', 'down');
    await sleep(10_000);
    const upAt = Date.now();
    link('left', 'up');
    const report = await building;
    const context = (report as Report & { context?: string }).context;
    console.log(`cut link: build ended ${Date.now() - upAt} ms after the link came back`);
    expect(report.status, context).toBe('success');
    expect(report.jobs[0]).toMatchObject({ status: 'success', agent: 'left', attempts: 1 });
    const { attempts, lines } = stored(report.build, 'faults/count');
    expect(attempts.map((attempt) => attempt.status)).toEqual(['success']);
    expect(lines).toEqual(numbered(140));
  }, 60_000);

  it('a cut past agent_lost_after: rerun elsewhere; the late result lands on the lost attempt\'s row only', async () => {
    const pipeline = `${counting(50)}  linger:
    needs: [count]
    run: sleep 5
---
version: 1
kind: settings
agent_lost_after: 3s
`;
    const building = startBuild('long-cut', pipeline);
    await waitUntil('the job to start', () => runningOn().length === 1);
    const victim = runningOn()[0]!;
    const other = victim === 'left' ? 'right' : 'left';
    await sleep(800);
    link(victim, 'down');
    await sleep(6500);
    link(victim, 'up');
    const report = await building;
    const context = (report as Report & { context?: string }).context;
    expect(report.status, context).toBe('success');
    expect(report.jobs.find((job) => job.id === 'faults/count'), context).toMatchObject({ status: 'success', agent: other, attempts: 2 });
    const { attempts } = stored(report.build, 'faults/count');
    // The first attempt finished during the cut: its result came late, recorded on its own row.
    expect(attempts, context).toEqual([
      { number: 1, agent: victim, status: 'success', reason: 'agent_lost' },
      { number: 2, agent: other, status: 'success', reason: undefined },
    ]);
  }, 60_000);

  it('an agent restarted with SIGTERM cancels its job, and once back (still paired) runs it again', async () => {
    const building = startBuild('restart', counting(20, '\n    labels: [left]'));
    await waitUntil('the job to start on left', () => runningOn().includes('left'));
    await sleep(500);
    expect(await agents.left!.stop('SIGTERM')).toBe(0);
    expect(agents.left!.stderr()).toMatch(/SIGTERM: withdrawing the advertisement and stopping/);
    agents.left = await startAgent('left', ['--no-pairing']);
    const report = await building;
    const context = (report as Report & { context?: string }).context;
    expect(report.status, context).toBe('success');
    expect(report.jobs[0], `${JSON.stringify(stored(report.build, 'faults/count').attempts)}\n${context}`).toMatchObject({ status: 'success', agent: 'left', attempts: 2 });
    const { attempts, lines } = stored(report.build, 'faults/count');
    expect(attempts.map((attempt) => attempt.status), JSON.stringify(attempts)).toEqual(['canceled', 'success']);
    expect(lines.slice(-20)).toEqual(numbered(20));
  }, 60_000);

  it('an agent stopped with SIGSTOP and resumed before agent_lost_after: its attempt finishes normally', async () => {
    const building = startBuild('stop', counting(40, '\n    labels: [left]'));
    await waitUntil('the job to start on left', () => runningOn().includes('left'));
    await sleep(800);
    agents.left!.child.kill('SIGSTOP');
    await sleep(4500);
    agents.left!.child.kill('SIGCONT');
    const report = await building;
    const context = (report as Report & { context?: string }).context;
    expect(report.status, context).toBe('success');
    expect(report.jobs[0]).toMatchObject({ status: 'success', agent: 'left', attempts: 1 });
    const { attempts, lines } = stored(report.build, 'faults/count');
    expect(attempts.map((attempt) => attempt.status)).toEqual(['success']);
    expect(lines).toEqual(numbered(40));
  }, 60_000);
});
