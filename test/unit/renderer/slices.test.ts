// The window's store slices, without React: builds, dag, logs, agents, groups, ui and routes.
import { describe, expect, it } from 'vitest';
import { finishedJobStates as protocolFinished } from '../../../core/protocol/types';
import { createFarmStore } from '../../../renderer/state/store';
import { finishedJobStates } from '../../../renderer/state/job-state-sets';
import { buildDuration } from '../../../renderer/state/builds-slice';
import { agentStatus } from '../../../renderer/state/agents-slice';
import { splitLines } from '../../../renderer/state/logs-slice';
import { formatRoute, parseRoute, type Route } from '../../../renderer/state/routes';
import type { BuildReport } from '../../../renderer/state/api-types';

const report: BuildReport = {
  build: 'b-0001', status: 'running', started_at: 1000,
  jobs: [
    { id: 'prepare/sources', pipeline: 'prepare', name: 'sources', status: 'cached', needs: [] },
    { id: 'build/a', pipeline: 'build', name: 'a', status: 'queued', needs: ['prepare/sources'], resource_group: 'db' },
  ],
};

describe('builds slice', () => {
  it('lists builds newest first and adds a build that an event announces at the top', () => {
    const store = createFarmStore();
    store.getState().setBuilds([{ build: 'b-0002', status: 'success', started_at: 1, finished_at: 5 }, { build: 'b-0001', status: 'failed' }]);
    store.getState().applyEvents([{ type: 'build', build: 'b-0003', state: 'running', at: 100 }, { type: 'build', build: 'b-0002', state: 'canceled', at: 7 }]);
    const state = store.getState();
    expect(state.buildOrder).toEqual(['b-0003', 'b-0002', 'b-0001']);
    expect(state.builds['b-0003']).toMatchObject({ status: 'running', started_at: 100 });
    expect(state.builds['b-0002']).toMatchObject({ status: 'canceled', finished_at: 5 });
    store.getState().applyEvents([{ type: 'build', build: 'b-0003', state: 'success', at: 250 }]);
    expect(buildDuration(store.getState().builds['b-0003']!, 999)).toBe(150);
    expect(buildDuration({ build: 'x', status: 'running', started_at: 10 }, 40)).toBe(30);
  });
});

describe('dag slice', () => {
  it('shows a build from its report and moves job states with events for that build only', () => {
    const store = createFarmStore();
    store.getState().showBuild(report);
    const shape = store.getState().dag.shape;
    store.getState().applyEvents([
      { type: 'job', build: 'b-0001', job: 'build/a', state: 'waiting', at: 10, waiting: { group: 'db', holders: [{ build: 'b-0000', job: 'x/y' }], position: 2 } },
      { type: 'job', build: 'b-0009', job: 'build/a', state: 'failed', at: 11 },
    ]);
    let job = store.getState().dag.jobs['build/a']!;
    expect(job.state).toBe('waiting');
    expect(job.waiting).toEqual({ group: 'db', holders: [{ build: 'b-0000', job: 'x/y' }], position: 2 });
    expect(store.getState().dag.shape).toBe(shape);
    store.getState().applyEvents([{ type: 'job', build: 'b-0001', job: 'build/a', state: 'running', at: 20, agent: 'mini', attempt: 1 }]);
    job = store.getState().dag.jobs['build/a']!;
    expect(job.waiting).toBeUndefined();
    expect(job.attempts).toEqual([{ number: 1, agent: 'mini', start: 20, state: 'running' }]);
  });

  it('closes a lost attempt as lost and opens a second bar for the retry', () => {
    const store = createFarmStore();
    store.getState().showBuild(report);
    store.getState().applyEvents([
      { type: 'job', build: 'b-0001', job: 'build/a', state: 'running', at: 20, agent: 'mini', attempt: 1 },
      { type: 'job', build: 'b-0001', job: 'build/a', state: 'queued', at: 30, reason: 'agent_lost' },
      { type: 'job', build: 'b-0001', job: 'build/a', state: 'running', at: 40, agent: 'local', attempt: 2 },
      { type: 'job', build: 'b-0001', job: 'build/a', state: 'success', at: 55, agent: 'local', attempt: 2 },
    ]);
    const job = store.getState().dag.jobs['build/a']!;
    expect(job.attempts).toEqual([
      { number: 1, agent: 'mini', start: 20, end: 30, state: 'lost' },
      { number: 2, agent: 'local', start: 40, end: 55, state: 'success' },
    ]);
    expect(job).toMatchObject({ state: 'success', startedAt: 20, finishedAt: 55, agent: 'local' });
  });

  it('starts the bar of an attempt that waited in a queue place when it starts, and drops the reason it waited', () => {
    const store = createFarmStore();
    store.getState().showBuild(report);
    store.getState().applyEvents([
      { type: 'job', build: 'b-0001', job: 'build/a', state: 'running', at: 20, agent: 'mini', attempt: 1, reason: 'next on mini: starts when a slot frees' },
      { type: 'job', build: 'b-0001', job: 'build/a', state: 'running', at: 26, agent: 'mini', attempt: 1 },
    ]);
    let job = store.getState().dag.jobs['build/a']!;
    expect(job).toMatchObject({ state: 'running', startedAt: 26, attempts: [{ number: 1, agent: 'mini', start: 26, state: 'running' }] });
    expect(job.reason).toBeUndefined();
    store.getState().applyEvents([{ type: 'job', build: 'b-0001', job: 'build/a', state: 'success', at: 30, agent: 'mini', attempt: 1 }]);
    job = store.getState().dag.jobs['build/a']!;
    expect(job.attempts).toEqual([{ number: 1, agent: 'mini', start: 26, end: 30, state: 'success' }]);
  });

  it('draws every attempt of a reloaded report, the lost one included', () => {
    const store = createFarmStore();
    const job = report.jobs![0]!;
    store.getState().showBuild({ ...report, jobs: [{ ...job, status: 'success', attempts: 2, started_at: 20, finished_at: 55, agent: 'local',
      attempt_history: [
        { number: 1, agent: 'mini', status: 'lost', reason: 'agent_lost', started_at: 20, finished_at: 30 },
        { number: 2, agent: 'local', status: 'success', reason: null, started_at: 40, finished_at: 55 },
      ] }, ...report.jobs!.slice(1)] });
    expect(store.getState().dag.jobs[job.id]!.attempts).toEqual([
      { number: 1, agent: 'mini', start: 20, end: 30, state: 'lost' },
      { number: 2, agent: 'local', start: 40, end: 55, state: 'success' },
    ]);
  });

  it('adds a job it did not know and bumps the shape so the layout runs again', () => {
    const store = createFarmStore();
    store.getState().showBuild(report);
    const shape = store.getState().dag.shape;
    store.getState().applyEvents([{ type: 'job', build: 'b-0001', job: 'late/one', state: 'queued', at: 5 }]);
    expect(store.getState().dag.order).toEqual(['prepare/sources', 'build/a', 'late/one']);
    expect(store.getState().dag.jobs['late/one']).toMatchObject({ pipeline: 'late', name: 'one', state: 'queued' });
    expect(store.getState().dag.shape).toBe(shape + 1);
  });

  it('shows a plan with cached jobs as cached and the rest queued', () => {
    const store = createFarmStore();
    store.getState().showPlan('p1', [
      { id: 'a/one', pipeline: 'a', name: 'one', needs: [], would: 'cached' },
      { id: 'a/two', pipeline: 'a', name: 'two', needs: ['a/one'], would: 'run', batch: 'b1' },
    ]);
    const { dag, plan } = store.getState();
    expect(dag.build).toBeNull();
    expect(dag.jobs['a/one']!.state).toBe('cached');
    expect(dag.jobs['a/two']).toMatchObject({ state: 'queued', needs: ['a/one'], batch: 'b1' });
    expect(plan).toMatchObject({ project: 'p1', loading: false, error: null });
  });

  it('agrees with core/protocol on which job states are finished', () => {
    expect([...finishedJobStates].sort()).toEqual([...protocolFinished].sort());
  });
});

describe('logs slice', () => {
  it('appends API pages, then only events past the last page, for the open job only', () => {
    const store = createFarmStore();
    store.getState().openLog('b-0001', 'build/a');
    store.getState().appendLogPage('b-0001', 'build/a', { lines: [{ seq: 1, stream: 'stdout', text: 'one', at: 1 }, { seq: 2, stream: 'stderr', text: 'two', at: 2 }], next: 2 });
    store.getState().finishLogLoad();
    const version = store.getState().log.version;
    store.getState().applyEvents([
      { type: 'log', build: 'b-0001', job: 'build/a', seq: 2, stream: 'stderr', data: 'two\n', at: 2 },
      { type: 'log', build: 'b-0001', job: 'build/other', seq: 3, stream: 'stdout', data: 'not mine\n', at: 3 },
      { type: 'log', build: 'b-0001', job: 'build/a', seq: 3, stream: 'stdout', data: 'three\nfour\n', at: 3 },
    ]);
    const log = store.getState().log;
    expect(log.lines.map((line) => line.text)).toEqual(['one', 'two', 'three', 'four']);
    expect(log.lines[1]!.stream).toBe('stderr');
    expect(log.next).toBe(3);
    expect(log.version).toBeGreaterThan(version);
    store.getState().appendLogPage('b-0001', 'other/job', { lines: [{ seq: 9, stream: 'stdout', text: 'x', at: 1 }], next: 10 });
    expect(store.getState().log.lines).toHaveLength(4);
  });

  it('holds live events back while pages load, so lines stay in order and none is skipped', () => {
    const store = createFarmStore();
    store.getState().openLog('b-1', 'a/b');
    store.getState().applyEvents([{ type: 'log', build: 'b-1', job: 'a/b', seq: 3, stream: 'stdout', data: 'two\n', at: 1 }]);
    expect(store.getState().log.lines).toHaveLength(0);
    store.getState().appendLogPage('b-1', 'a/b', { lines: [{ seq: 1, stream: 'stdout', text: 'zero', at: 0 }, { seq: 2, stream: 'stdout', text: 'one', at: 0 }], next: 2 });
    store.getState().finishLogLoad();
    store.getState().applyEvents([{ type: 'log', build: 'b-1', job: 'a/b', seq: 4, stream: 'stdout', data: 'three\n', at: 2 }]);
    expect(store.getState().log.lines.map((line) => line.text)).toEqual(['zero', 'one', 'two', 'three']);
    expect(store.getState().log).toMatchObject({ loading: false, pending: [] });
  });

  it('splits chunks into lines without an empty line after the final newline', () => {
    expect(splitLines('a\r\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('')).toEqual(['']);
  });
});

describe('agents and groups slices', () => {
  it('moves an agent online and unreachable with events and tells discovered agents apart', () => {
    const store = createFarmStore();
    store.getState().setAgents([
      { id: 'm1', name: 'mini', pools: ['default'], labels: [], slots: 2, busy: 0, paired: true, online: false },
      { id: 'n1', name: 'nas', pools: [], labels: [], slots: 1, busy: 0, paired: false, online: false },
    ]);
    store.getState().applyEvents([{ type: 'agent', agent: { id: 'm1', name: 'mini', pools: ['linux'], labels: ['x86'], slots: 4, executors: ['shell'] }, state: 'online', at: 77 }]);
    const [mini, nas] = store.getState().agents;
    expect(agentStatus(mini!)).toBe('online');
    expect(mini).toMatchObject({ pools: ['linux'], labels: ['x86'], slots: 4, last_seen: 77 });
    expect(agentStatus(nas!)).toBe('discovered');
    store.getState().applyEvents([{ type: 'agent', agent: { id: 'm1', name: 'mini', pools: ['linux'], labels: [], slots: 4, executors: ['shell'] }, state: 'offline', at: 90 }]);
    expect(agentStatus(store.getState().agents[0]!)).toBe('unreachable');
  });

  it('fills in what a store-only agent list leaves out: paired, and online for the embedded agent', () => {
    const store = createFarmStore();
    store.getState().setAgents([{ id: 'local', name: 'vm', pools: ['*'], labels: [], slots: 2, lastSeen: 5 }, { id: 'x1', name: 'old' }] as never);
    const [old, local] = store.getState().agents;
    expect(agentStatus(local!)).toBe('online');
    expect(local).toMatchObject({ busy: 0, last_seen: 5 });
    expect(agentStatus(old!)).toBe('unreachable');
    expect(old).toMatchObject({ pools: [], labels: [], slots: 0 });
  });

  it('orders waiters by their place in the queue', () => {
    const store = createFarmStore();
    store.getState().setGroups([{ name: 'db', project: '/p', capacity: 1, holders: [{ build: 'b1', job: 'a/x' }], waiters: [{ build: 'b1', job: 'a/z', position: 2 }, { build: 'b1', job: 'a/y', position: 1 }] }]);
    expect(store.getState().groups[0]!.waiters.map((waiter) => waiter.job)).toEqual(['a/y', 'a/z']);
  });
});

describe('routes', () => {
  it('round-trips every view, with job and line on a build', () => {
    const routes: Route[] = [{ view: 'builds' }, { view: 'agents' }, { view: 'groups' }, { view: 'plan' }, { view: 'plan', project: 'p 1' },
      { view: 'build', build: 'b-0001', tab: 'log', job: 'build-linux/compile[cc=gcc]', line: 12 }, { view: 'build', build: 'b-0002', tab: 'timeline' }];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(parseRoute('#/nonsense')).toEqual({ view: 'builds' });
    expect(parseRoute('#/builds/b-1/bogus?line=-3')).toEqual({ view: 'build', build: 'b-1', tab: 'dag' });
  });
});
