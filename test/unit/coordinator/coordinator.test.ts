import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent } from '../../../agent/agent';
import type { ExecutionRequest, Executor } from '../../../agent/executors/types';
import { createCoordinator, type Coordinator } from '../../../core/coordinator/coordinator';
import { createChannelPair } from '../../../core/protocol/channel';
import type { AgentMessage, CoordinatorMessage, FarmEvent } from '../../../core/protocol/types';
import { openState, type State } from '../../../core/store/state-dir';
import { makePlan } from '../../helpers/plans';

/** Interprets a job's first command: `ok`, `fail`, `sleep N`, `write PATH`, `flaky NAME` (fails once). */
function fakeExecutor(seen: ExecutionRequest[]): Executor {
  const flaky = new Set<string>();
  return {
    kind: 'shell',
    async run(request, log, signal) {
      seen.push(request);
      const [verb, arg] = (request.run[0] ?? 'ok').split(' ');
      log('stdout', `running ${request.job}\n`);
      if (verb === 'sleep') {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Number(arg));
          signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
        });
        if (signal.aborted) return { status: 'canceled', reason: 'canceled' };
      }
      if (verb === 'write') {
        mkdirSync(join(request.workspaceRoot, arg!, '..'), { recursive: true });
        writeFileSync(join(request.workspaceRoot, arg!), `made by ${request.job}`);
      }
      if (verb === 'fail') return { status: 'failed', reason: 'exit', exitCode: 2 };
      if (verb === 'flaky' && !flaky.has(arg!)) {
        flaky.add(arg!);
        return { status: 'failed', reason: 'exit', exitCode: 1 };
      }
      return { status: 'success', exitCode: 0 };
    },
    async close() {},
  };
}

let dir: string;
let state: State;
let coordinator: Coordinator;
let events: FarmEvent[];
let seen: ExecutionRequest[];
let closeAgent: () => Promise<void>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-coord-'));
  state = openState(join(dir, 'state'));
  const clock = { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock });
  events = [];
  seen = [];
  coordinator.subscribe((event) => events.push(event));
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinator.attachAgent(coordinatorEnd);
  const agent = createAgent({ info: { id: 'local', name: 'test', pools: ['*'], labels: ['*'], slots: 4, executors: ['shell'] }, channel: agentEnd, executors: { shell: fakeExecutor(seen) }, now: Date.now });
  closeAgent = () => agent.close();
});

afterEach(async () => {
  await closeAgent();
  await coordinator.close();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves once `condition` holds, checking every 5 ms (fails the test after 5 s). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const states = (build: string) => Object.fromEntries(state.store.listJobs(build).map((job) => [job.id, job.state]));

describe('coordinator', () => {
  it('runs a fan-out / fan-in build in dependency order', async () => {
    const plan = makePlan({ 'p/a': {}, 'p/b': { needs: ['p/a'] }, 'p/c': { needs: ['p/a'] }, 'p/d': { needs: ['p/b', 'p/c'] } });
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    const order = seen.map((request) => request.job);
    expect(order[0]).toBe('p/a');
    expect(order[3]).toBe('p/d');
    expect(state.store.readLog(build, 'p/d').map((chunk) => chunk.data)).toEqual(['running p/d\n']);
  });

  it('skips only the dependents of a failed job; other branches go on', async () => {
    const plan = makePlan({ 'p/a': { run: ['fail'] }, 'p/b': { needs: ['p/a'] }, 'p/c': { needs: ['p/b'] }, 'q/x': {}, 'q/y': { needs: ['q/x'] } });
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(build)).toBe('failed');
    expect(states(build)).toEqual({ 'p/a': 'failed', 'p/b': 'skipped', 'p/c': 'skipped', 'q/x': 'success', 'q/y': 'success' });
    expect(state.store.getJob(build, 'p/c')?.reason).toBe('needs p/b, which was skipped');
  });

  it('allow_failure lets dependents run and the build succeed', async () => {
    const plan = makePlan({ 'p/a': { run: ['fail'], allowFailure: true }, 'p/b': { needs: ['p/a'] } });
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    expect(states(build)).toEqual({ 'p/a': 'failed', 'p/b': 'success' });
  });

  it('retries a failure when retry allows it', async () => {
    const plan = makePlan({ 'p/a': { run: ['flaky a'], retry: { max: 1, when: ['failure'] } } });
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    expect(state.store.getJob(build, 'p/a')?.attempts).toBe(2);
    expect(state.store.listAttempts(build, 'p/a').map((a) => a.status)).toEqual(['failed', 'success']);
  });

  it('fail_fast cancels the rest of the pipeline', async () => {
    const plan = makePlan({ 'p/slow': { run: ['sleep 5000'] }, 'p/bad': { run: ['fail'] } });
    plan.pipelines[0]!.failFast = true;
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(build)).toBe('failed');
    expect(states(build)).toEqual({ 'p/slow': 'canceled', 'p/bad': 'failed' });
  });

  it('cancels a build: the running job is stopped, the queued one never starts', async () => {
    const plan = makePlan({ 'p/a': { run: ['sleep 5000'] }, 'p/b': { needs: ['p/a'] } });
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    await until(() => events.some((e) => e.type === 'job' && e.job === 'p/a' && e.state === 'running'));
    const started = Date.now();
    coordinator.cancelBuild(build);
    expect(await coordinator.finished(build)).toBe('canceled');
    // The running job's executor saw the abort (it returned long before its 5 s sleep), the queued job never ran.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen.map((request) => request.job)).toEqual(['p/a']);
    expect(state.store.listAttempts(build, 'p/a').map((a) => a.status)).toEqual(['canceled']);
    expect(state.store.listAttempts(build, 'p/b')).toEqual([]);
    const history = (job: string) => state.store.jobHistory(build, job).map((entry) => entry.state);
    expect(history('p/a')).toEqual(['queued', 'running', 'canceled']);
    expect(history('p/b')).toEqual(['queued', 'canceled']);
  });

  it('restores a cached job outputs and reports it cached', async () => {
    const plan = makePlan({ 'p/gen': { run: ['write out/gen.txt'], cache: true, outputs: ['out/**'], key: 'k1' } });
    const first = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(first)).toBe('success');
    rmSync(join(dir, 'out'), { recursive: true });
    const second = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(second)).toBe('success');
    expect(states(second)).toEqual({ 'p/gen': 'cached' });
    expect(readFileSync(join(dir, 'out/gen.txt'), 'utf8')).toBe('made by p/gen');
    const third = coordinator.startBuild({ root: dir, plan, options: { noCache: true, only: [] } });
    expect(await coordinator.finished(third)).toBe('success');
    expect(states(third)).toEqual({ 'p/gen': 'success' });
  });

  it('runs a batch as one invocation with FARMHAND_BATCH', async () => {
    const batch = { key: 'b', windowMs: 50, max: 10 };
    const plan = makePlan({ 'p/a': { batch }, 'p/b': { batch }, 'p/c': { batch, needs: ['p/a'] } });
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    expect(seen).toHaveLength(2);
    expect(seen[0]!.env.FARMHAND_BATCH).toBe('a\nb');
    expect(seen[0]!.env.FARMHAND_BATCH_IDS).toBe('p/a\np/b');
    expect(seen[0]!.env.FARMHAND_BATCH_SIZE).toBe('2');
    const jobs = state.store.listJobs(build);
    expect(jobs.find((j) => j.id === 'p/a')?.batch).toBeDefined();
    expect(jobs.find((j) => j.id === 'p/a')?.batch).toBe(jobs.find((j) => j.id === 'p/b')?.batch);
    expect(jobs.find((j) => j.id === 'p/c')?.batch).toBeUndefined();
  });

  it('publishes waiting with holder and place for a busy resource group', async () => {
    const plan = makePlan({ 'p/a': { run: ['sleep 100'], resourceGroup: 'deploy' }, 'p/b': { run: ['sleep 10'], resourceGroup: 'deploy' } });
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    const waiting = events.find((e) => e.type === 'job' && e.state === 'waiting');
    if (waiting?.type !== 'job') throw new Error('no job waited for the resource group');
    // The job that waited names the other one, which held the group at that moment, and its place in line.
    const holder = waiting.job === 'p/a' ? 'p/b' : 'p/a';
    expect(waiting.waiting).toEqual({ group: 'deploy', holders: [{ build, job: holder }], position: 1 });
    const holderRunning = events.findIndex((e) => e.type === 'job' && e.job === holder && e.state === 'running');
    const holderDone = events.findIndex((e) => e.type === 'job' && e.job === holder && e.state === 'success');
    const waitedAt = events.indexOf(waiting);
    expect(holderRunning).toBeLessThan(waitedAt);
    expect(holderDone).toBeGreaterThan(waitedAt);
    // The wait is recorded in the store too (what `farmhand builds --json` and the window read), and the group is free after.
    expect(state.store.jobHistory(build, waiting.job).map((entry) => entry.state)).toEqual(['queued', 'waiting', 'running', 'success']);
    expect(state.store.listHolders()).toEqual([]);
  });
});
