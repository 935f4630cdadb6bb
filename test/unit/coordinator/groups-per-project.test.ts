// Resource groups belong to a project, as GitLab's resource_group does: one coordinator serving two
// projects keeps their same-named groups apart, and each project's groups follow its own settings,
// whichever project started a build last.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../../agent/agent';
import type { Executor } from '../../../agent/executors/types';
import { createCoordinator, type Coordinator } from '../../../core/coordinator/coordinator';
import { exactPlaces, mustPublishWait } from '../../../core/coordinator/resource-holds';
import { createChannelPair } from '../../../core/protocol/channel';
import type { AgentMessage, CoordinatorMessage, FarmEvent } from '../../../core/protocol/types';
import type { ResourceGroupSettings } from '../../../core/spec/types';
import { createFarmApi } from '../../../core/server/farm-api';
import { openState, type State } from '../../../core/store/state-dir';
import { waitFor } from '../../helpers/cli';
import { makePlan } from '../../helpers/plans';

/** A job sleeps 60 ms, or the ms its command names (`sleep 5`). */
const sleeper: Executor = {
  kind: 'shell',
  run: (request, _log, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ status: 'success', exitCode: 0 }), Number(/^sleep (\d+)$/.exec(request.run[0] ?? '')?.[1] ?? 60));
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve({ status: 'canceled', reason: 'canceled' }); });
    }),
  close: async () => {},
};

let dir: string;
let state: State;
let coordinator: Coordinator;
let agent: Agent;
let events: FarmEvent[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-groups-'));
  mkdirSync(join(dir, 'one'));
  mkdirSync(join(dir, 'two'));
  state = openState(join(dir, 'state'));
  const clock = { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock });
  events = [];
  coordinator.subscribe((event) => events.push(event));
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinator.attachAgent(coordinatorEnd);
  agent = createAgent({ info: { id: 'local', name: 'test', pools: ['*'], labels: ['*'], slots: 8, executors: ['shell'] }, channel: agentEnd, executors: { shell: sleeper }, now: Date.now });
});

afterEach(async () => {
  await agent.close();
  await coordinator.close();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The most jobs of these builds that ran at once. */
function mostAtOnce(builds: string[]): number {
  let running = 0;
  let most = 0;
  for (const event of events) {
    if (event.type !== 'job' || !builds.includes(event.build)) continue;
    if (event.state === 'running') most = Math.max(most, ++running);
    else if (event.state === 'success' || event.state === 'failed') running--;
  }
  return most;
}

const capacity = (pattern: string, value: number): ResourceGroupSettings => ({ pattern, capacity: value, processMode: 'unordered', onBusy: 'wait', loc: { file: 'farmhand.yml', line: 1, col: 1 } });
const deployJobs = { 'p/a': { resourceGroup: 'deploy' }, 'p/b': { resourceGroup: 'deploy' } };

describe('resource groups per project', () => {
  it("two projects' deploy groups never block each other; a group is shared within a project", async () => {
    const one = coordinator.startBuild({ root: join(dir, 'one'), plan: makePlan({ 'p/a': { resourceGroup: 'deploy' } }), options: { noCache: false, only: [] } });
    const two = coordinator.startBuild({ root: join(dir, 'two'), plan: makePlan({ 'p/a': { resourceGroup: 'deploy' } }), options: { noCache: false, only: [] } });
    const again = coordinator.startBuild({ root: join(dir, 'one'), plan: makePlan({ 'p/a': { resourceGroup: 'deploy' } }), options: { noCache: false, only: [] } });
    expect(await Promise.all([one, two, again].map((id) => coordinator.finished(id)))).toEqual(['success', 'success', 'success']);
    expect(mostAtOnce([one, two])).toBe(2);
    expect(mostAtOnce([one, again])).toBe(1);
    // The wait shows the plain group name, not the scheduler's per-project key.
    const waiting = events.find((event) => event.type === 'job' && event.state === 'waiting');
    expect(waiting).toMatchObject({ build: again, waiting: { group: 'deploy', position: 1 } });
  });

  it('the API lists one row per project and group, with its holder', async () => {
    const one = coordinator.startBuild({ root: join(dir, 'one'), plan: makePlan({ 'p/a': { resourceGroup: 'deploy', run: ['sleep 400'] } }), options: { noCache: false, only: [] } });
    const two = coordinator.startBuild({ root: join(dir, 'two'), plan: makePlan({ 'p/a': { resourceGroup: 'deploy', run: ['sleep 400'] } }), options: { noCache: false, only: [] } });
    await waitFor(() => state.store.listHolders().length === 2, 'both projects to hold deploy');
    const farm = createFarmApi({ coordinator, store: state.store, loadPlan: () => ({ error: 'unused' }), report: () => undefined, describe: () => ({ pid: 1, kind: 'test', version: '0' }) });
    const rows = farm.resourceGroups() as { name: string; project: string; holders: { build: string }[] }[];
    expect(rows.map((row) => [row.project, row.name, row.holders.map((holder) => holder.build)]).sort()).toEqual([
      [join(dir, 'one'), 'deploy', [one]],
      [join(dir, 'two'), 'deploy', [two]],
    ]);
    expect(await Promise.all([one, two].map((id) => coordinator.finished(id)))).toEqual(['success', 'success']);
  });

  it("each project keeps its own group settings, not those of the newest build's project", async () => {
    const wide = coordinator.startBuild({ root: join(dir, 'one'), plan: makePlan(deployJobs, { resourceGroups: [capacity('deploy', 2)] }), options: { noCache: false, only: [] } });
    const narrow = coordinator.startBuild({ root: join(dir, 'two'), plan: makePlan(deployJobs), options: { noCache: false, only: [] } });
    expect(await coordinator.finished(wide)).toBe('success');
    expect(await coordinator.finished(narrow)).toBe('success');
    expect(mostAtOnce([wide])).toBe(2);
    expect(mostAtOnce([narrow])).toBe(1);
    expect(state.store.listHolders()).toEqual([]);
  });
});

describe('waiter places', () => {
  const holders = [{ build: 'b-1', job: 'p/a' }];
  it('are exact near the head of a queue, and only a bound further back', () => {
    expect(mustPublishWait(undefined, { group: 'deploy', holders, position: 40 })).toBe(true);
    // Far back, moving up is not rewritten; falling back, or a new group, is.
    expect(mustPublishWait({ group: 'deploy', holders, position: 40 }, { group: 'deploy', holders: [], position: 39 })).toBe(false);
    expect(mustPublishWait({ group: 'deploy', holders, position: 39 }, { group: 'deploy', holders, position: 40 })).toBe(true);
    expect(mustPublishWait({ group: 'deploy', holders, position: 40 }, { group: 'other', holders, position: 40 })).toBe(true);
    // Near the head, any change is shown: the place, or who holds the group.
    expect(mustPublishWait({ group: 'deploy', holders, position: 40 }, { group: 'deploy', holders, position: exactPlaces })).toBe(true);
    expect(mustPublishWait({ group: 'deploy', holders, position: 2 }, { group: 'deploy', holders: [], position: 2 })).toBe(true);
    expect(mustPublishWait({ group: 'deploy', holders, position: 2 }, { group: 'deploy', holders, position: 2 })).toBe(false);
  });

  it('a queue of 40 drains without rewriting every waiter at each hand-over, and each job is shown first in line before it runs', async () => {
    const jobs = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`p/j${String(index).padStart(2, '0')}`, { resourceGroup: 'deploy', run: ['sleep 3'] }]));
    const build = coordinator.startBuild({ root: join(dir, 'one'), plan: makePlan(jobs), options: { noCache: false, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    const waits = events.filter((event): event is Extract<FarmEvent, { type: 'job' }> => event.type === 'job' && event.state === 'waiting');
    // Rewriting every waiter would publish 39 + 38 + ... = 780 waits; the first ten places, at most ~40 + 40 x 10.
    expect(waits.length).toBeLessThanOrEqual(40 * (exactPlaces + 1));
    expect(waits.length).toBeGreaterThanOrEqual(39);
    for (const id of Object.keys(jobs)) {
      const last = waits.filter((event) => event.job === id).at(-1);
      if (last) expect(last.waiting?.position).toBe(1);
    }
  });
});

describe('max_running', () => {
  it("caps the running jobs of all of a project's builds together, and leaves other projects alone", async () => {
    const wide = Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`p/j${index}`, { run: ['sleep 80'] }]));
    const first = coordinator.startBuild({ root: join(dir, 'one'), plan: makePlan(wide, { maxRunning: 2 }), options: { noCache: true, only: [] } });
    const second = coordinator.startBuild({ root: join(dir, 'one'), plan: makePlan(wide, { maxRunning: 2 }), options: { noCache: true, only: [] } });
    const other = coordinator.startBuild({ root: join(dir, 'two'), plan: makePlan(wide), options: { noCache: true, only: [] } });
    expect(await Promise.all([first, second, other].map((id) => coordinator.finished(id)))).toEqual(['success', 'success', 'success']);
    expect(mostAtOnce([first, second])).toBe(2);
    expect(mostAtOnce([other])).toBe(6);
  });
});
