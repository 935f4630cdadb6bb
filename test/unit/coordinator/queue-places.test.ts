// The coordinator hands an agent with a queue (the embedded agent's) attempts beyond its slots only
// once its last attempts ran quickly, never more than slots + queue at once; an attempt's start time
// is when the agent said it started, not when it was handed over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../../agent/agent';
import type { Executor } from '../../../agent/executors/types';
import { createCoordinator, type Coordinator } from '../../../core/coordinator/coordinator';
import { createChannelPair } from '../../../core/protocol/channel';
import type { AgentMessage, CoordinatorMessage, FarmEvent } from '../../../core/protocol/types';
import { queueJobMaxMs } from '../../../core/schedule/queue-places';
import { openState, type State } from '../../../core/store/state-dir';
import { makePlan } from '../../helpers/plans';

let dir: string;
let state: State;
let coordinator: Coordinator;
let agent: Agent;

afterEach(async () => {
  await agent.close();
  await coordinator.close();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A coordinator and an agent of 1 slot and `queue`, whose jobs `sleep N` (ms); counts what is out at once. */
function farm(queue: number | undefined) {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-queue-places-'));
  state = openState(join(dir, 'state'));
  const clock = { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock });
  const events: FarmEvent[] = [];
  coordinator.subscribe((event) => events.push(event));
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  const load = { out: 0, maxOut: 0, running: 0, maxRunning: 0 };
  const send = coordinatorEnd.send.bind(coordinatorEnd);
  coordinatorEnd.send = (message) => {
    if (message.type === 'assign') load.maxOut = Math.max(load.maxOut, ++load.out);
    send(message);
  };
  coordinatorEnd.onMessage((message) => {
    if (message.type === 'result') load.out--;
  });
  coordinator.attachAgent(coordinatorEnd);
  const executor: Executor = {
    kind: 'shell',
    async run(request) {
      load.maxRunning = Math.max(load.maxRunning, ++load.running);
      await new Promise((resolve) => setTimeout(resolve, Number((request.run[0] ?? 'sleep 0').split(' ')[1])));
      load.running--;
      return { status: 'success', exitCode: 0 };
    },
    close: async () => {},
  };
  agent = createAgent({ info: { id: 'local', name: 'here', pools: ['*'], labels: ['*'], slots: 1, queue, executors: ['shell'] }, channel: agentEnd, executors: { shell: executor }, now: Date.now });
  return { load, events };
}

/** Jobs p/j1..p/jN, started in that order (longest critical path first), each `sleep` its ms. */
function chainless(durations: number[]) {
  return makePlan(Object.fromEntries(durations.map((ms, index) => [`p/j${index + 1}`, { run: [`sleep ${ms}`], criticalPath: durations.length - index }])));
}

describe('queue places', () => {
  it('go to an agent whose last attempts were quick; the next job starts when the slot frees', async () => {
    const { load, events } = farm(1);
    // Four quick jobs earn the queue place; j5 takes the slot and j6 its queue place while j5 runs.
    const plan = chainless([1, 1, 1, 1, 60, 1, 1, 1]);
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: true, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    expect(load.maxOut).toBe(2);
    expect(load.maxRunning).toBe(1);
    const waited = events.filter((event) => event.type === 'job' && event.reason === 'next on here: starts when a slot frees').map((event) => (event.type === 'job' ? event.job : ''));
    expect(waited).toContain('p/j6');
    expect(waited).not.toContain('p/j1');
    // j6 was handed over while j5 ran, but its recorded start is when it started: after j5's 60 ms.
    const startOf = (job: string) => state.store.listAttempts(build, job)[0]!.startedAt;
    expect(startOf('p/j6') - startOf('p/j5')).toBeGreaterThanOrEqual(55);
  });

  it('are not used while the agent jobs run longer than queueJobMaxMs', async () => {
    const { load } = farm(1);
    const slow = queueJobMaxMs + 20;
    const build = coordinator.startBuild({ root: dir, plan: chainless([slow, slow, slow, slow, slow, 1]), options: { noCache: true, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    expect(load.maxOut).toBe(1);
  });

  it('are never used by an agent without a queue', async () => {
    const { load } = farm(undefined);
    const build = coordinator.startBuild({ root: dir, plan: chainless([1, 1, 1, 1, 1, 1, 1, 1]), options: { noCache: true, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    expect(load.maxOut).toBe(1);
  });
});
