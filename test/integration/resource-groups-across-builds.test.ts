// Resource groups are shared by every build of one coordinator: real shell jobs, several builds at
// once, the lock's capacity, process modes and on_busy: cancel as the format promises.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../agent/agent';
import { createShellExecutor } from '../../agent/executors/shell-executor';
import type { Executor } from '../../agent/executors/types';
import { createCoordinator, type Coordinator } from '../../core/coordinator/coordinator';
import { createChannelPair } from '../../core/protocol/channel';
import type { AgentMessage, CoordinatorMessage, FarmEvent } from '../../core/protocol/types';
import type { ProcessMode, OnBusy } from '../../core/spec/types';
import { openState, type State } from '../../core/store/state-dir';
import { systemClock } from '../../cli/clock';
import { makePlan } from '../helpers/plans';

let dir: string;
let state: State;
let coordinator: Coordinator;
let agent: Agent;
let shell: Executor;
let events: FarmEvent[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-rg-'));
  state = openState(join(dir, 'state'));
  coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock: systemClock });
  events = [];
  coordinator.subscribe((event) => events.push(event));
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinator.attachAgent(coordinatorEnd);
  shell = createShellExecutor({ killGraceMs: 500 });
  agent = createAgent({
    info: { id: 'local', name: 'test', pools: ['*'], labels: ['*'], slots: 8, executors: ['shell'] },
    channel: agentEnd,
    executors: { shell },
    now: Date.now,
  });
});

afterEach(async () => {
  await agent.close();
  await shell.close();
  await coordinator.close();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

function groupPlan(mode: ProcessMode, onBusy: OnBusy, seconds: number) {
  return makePlan(
    { 'p/deploy': { run: [`sleep ${seconds}`], resourceGroup: 'deploy' } },
    { resourceGroups: [{ pattern: 'deploy', capacity: 1, processMode: mode, onBusy, loc: { file: 'farmhand.yml', line: 1, col: 1 } }] },
  );
}

const start = (plan: ReturnType<typeof makePlan>) => coordinator.startBuild({ root: dir, plan, options: { noCache: true, only: [] } });
const startedOrder = () => events.flatMap((e) => (e.type === 'job' && e.state === 'running' ? [e.build] : []));
const waitUntil = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('resource groups across builds', () => {
  it('oldest_first: waiting builds get the lock oldest first, one at a time', async () => {
    const first = start(groupPlan('oldest_first', 'wait', 0.3));
    await waitUntil(() => startedOrder().length === 1);
    const second = start(groupPlan('oldest_first', 'wait', 0.05));
    const third = start(groupPlan('oldest_first', 'wait', 0.05));
    await Promise.all([first, second, third].map((id) => coordinator.finished(id)));
    expect(startedOrder()).toEqual([first, second, third]);
    const waiting = events.filter((e) => e.type === 'job' && e.state === 'waiting' && e.build === third);
    expect(waiting[0]?.type === 'job' && waiting[0].waiting).toMatchObject({ group: 'deploy', holders: [{ build: first, job: 'p/deploy' }], position: 2 });
  });

  it('newest_first: the newest waiting build goes next', async () => {
    const first = start(groupPlan('newest_first', 'wait', 0.3));
    await waitUntil(() => startedOrder().length === 1);
    const second = start(groupPlan('newest_first', 'wait', 0.05));
    const third = start(groupPlan('newest_first', 'wait', 0.05));
    await Promise.all([first, second, third].map((id) => coordinator.finished(id)));
    expect(startedOrder()).toEqual([first, third, second]);
  });

  it('on_busy: cancel stops the holder from the older build and runs the newer one', async () => {
    const first = start(groupPlan('unordered', 'cancel', 30));
    await waitUntil(() => startedOrder().length === 1);
    const second = start(groupPlan('unordered', 'cancel', 0.05));
    expect(await coordinator.finished(first)).toBe('canceled');
    expect(await coordinator.finished(second)).toBe('success');
    const job = state.store.getJob(first, 'p/deploy');
    expect(job?.state).toBe('canceled');
    expect(job?.reason).toContain(`canceled by ${second}`);
  });

  it('never lets two builds hold a capacity-1 group at once', async () => {
    const builds = [0, 1, 2, 3].map(() => start(groupPlan('unordered', 'wait', 0.1)));
    await Promise.all(builds.map((id) => coordinator.finished(id)));
    let holding = 0;
    let most = 0;
    for (const event of events) {
      if (event.type !== 'job') continue;
      if (event.state === 'running') holding++;
      if (event.state === 'success') holding--;
      most = Math.max(most, holding);
    }
    expect(most).toBe(1);
  });
});
