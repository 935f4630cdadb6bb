import { describe, expect, it } from 'vitest';
import { schedule } from '../../../core/schedule/schedule';
import { defaultGroupSettings } from '../../../core/schedule/resource-groups';
import type { AgentSlots, GroupSettings, Holder, ReadyJob, SchedulerInput } from '../../../core/schedule/types';

const job = (id: string, extra: Partial<ReadyJob> = {}): ReadyJob => ({
  build: 'b-1', job: id, pipeline: id.split('/')[0] ?? 'p', pool: 'default', labels: [], executor: 'shell', criticalPath: 1, readyAt: 0, ...extra,
});
const agent = (id: string, free: number, extra: Partial<AgentSlots> = {}): AgentSlots => ({ id, pools: ['*'], labels: ['*'], executors: ['shell', 'docker'], free, running: 0, ...extra });

function input(partial: Partial<Omit<SchedulerInput, 'ready'>> & { ready?: ReadyJob[]; settings?: Record<string, Partial<GroupSettings>> }): SchedulerInput {
  const ready = partial.ready ?? [];
  const builds = partial.builds ?? [...new Set(ready.map((r) => r.build))].map((id, order) => ({ id, order, running: 0 }));
  return {
    now: partial.now ?? 0, ready, builds, pipelines: partial.pipelines ?? [], agents: partial.agents ?? [agent('a', 8)],
    holders: partial.holders ?? new Map(), groupSettings: (g) => ({ ...defaultGroupSettings, ...(partial.settings?.[g] ?? {}) }),
  };
}
const started = (out: ReturnType<typeof schedule>) => out.decisions.filter((d) => d.type === 'start').map((d) => (d.type === 'start' ? d.members.map((m) => m.job).join('+') : ''));

describe('schedule', () => {
  it('starts the longest critical path first, then the oldest', () => {
    const out = schedule(input({ ready: [job('p/a', { criticalPath: 1 }), job('p/b', { criticalPath: 5 }), job('p/c', { criticalPath: 1, readyAt: -5 })], agents: [agent('a', 2)] }));
    expect(started(out)).toEqual(['p/b', 'p/c']);
  });

  it('shares slots fairly between builds running at once', () => {
    const ready = [job('p/a1', { build: 'b-1', criticalPath: 9 }), job('p/a2', { build: 'b-1', criticalPath: 9 }), job('p/b1', { build: 'b-2' }), job('p/b2', { build: 'b-2' })];
    const out = schedule(input({ ready, agents: [agent('a', 2)] }));
    expect(started(out).sort()).toEqual(['p/a1', 'p/b1']);
  });

  it('never exceeds a pipeline concurrency cap', () => {
    const ready = ['p/a', 'p/b', 'p/c'].map((id) => job(id));
    const out = schedule(input({ ready, pipelines: [{ build: 'b-1', pipeline: 'p', running: 1, concurrency: 2 }] }));
    expect(started(out)).toHaveLength(1);
  });

  it('matches pools, labels and executors', () => {
    const ready = [job('p/linux', { pool: 'linux' }), job('p/gpu', { labels: ['gpu'] }), job('p/img', { executor: 'docker' })];
    const agents = [agent('x', 5, { pools: ['linux'], labels: [], executors: ['shell'] }), agent('y', 5, { pools: ['default'], labels: ['gpu'], executors: ['shell'] })];
    const out = schedule(input({ ready, agents }));
    const where = Object.fromEntries(out.decisions.flatMap((d) => (d.type === 'start' ? [[d.members[0]!.job, d.agent]] : [])));
    expect(where).toEqual({ 'p/linux': 'x', 'p/gpu': 'y' });
  });

  it('holds a capacity-1 group for one job and queues the rest with holder and position', () => {
    const ready = ['p/a', 'p/b', 'p/c'].map((id, i) => job(id, { resourceGroup: 'deploy', readyAt: i }));
    const out = schedule(input({ ready }));
    expect(started(out)).toEqual(['p/a']);
    const waits = out.decisions.filter((d) => d.type === 'wait');
    expect(waits.map((w) => (w.type === 'wait' ? [w.job, w.waiting.position, w.waiting.holders[0]?.job] : []))).toEqual([
      ['p/b', 1, 'p/a'],
      ['p/c', 2, 'p/a'],
    ]);
  });

  it('lets capacity 2 hold two at once', () => {
    const ready = ['p/a', 'p/b', 'p/c'].map((id, i) => job(id, { resourceGroup: 'db', readyAt: i }));
    expect(started(schedule(input({ ready, settings: { db: { capacity: 2 } } })))).toEqual(['p/a', 'p/b']);
  });

  it('orders waiters oldest_first and newest_first by build age', () => {
    const ready = [job('p/x', { build: 'b-2', resourceGroup: 'g', readyAt: 0 }), job('p/x', { build: 'b-1', resourceGroup: 'g', readyAt: 5 }), job('p/x', { build: 'b-3', resourceGroup: 'g', readyAt: 1 })];
    const builds = [{ id: 'b-1', order: 1, running: 0 }, { id: 'b-2', order: 2, running: 0 }, { id: 'b-3', order: 3, running: 0 }];
    const first = (mode: GroupSettings['processMode']) => {
      const out = schedule(input({ ready, builds, settings: { g: { processMode: mode } } }));
      return out.decisions.flatMap((d) => (d.type === 'start' ? [d.members[0]!.build] : []));
    };
    expect(first('oldest_first')).toEqual(['b-1']);
    expect(first('newest_first')).toEqual(['b-3']);
    expect(first('newest_ready_first')).toEqual(['b-1']);
  });

  it('in a strict mode the head waiter keeps its turn when it cannot get a slot', () => {
    const ready = [job('p/old', { build: 'b-1', resourceGroup: 'g', pool: 'nowhere' }), job('p/new', { build: 'b-2', resourceGroup: 'g' })];
    const out = schedule(input({ ready, agents: [agent('a', 4, { pools: ['default'] })], settings: { g: { processMode: 'oldest_first' } } }));
    expect(started(out)).toEqual([]);
  });

  it('skips when busy with on_busy: skip, and cancels an older holder with on_busy: cancel', () => {
    const holders = new Map<string, Holder[]>([['g', [{ build: 'b-1', job: 'p/x' }]]]);
    const builds = [{ id: 'b-1', order: 1, running: 1 }, { id: 'b-2', order: 2, running: 0 }];
    const ready = [job('p/x', { build: 'b-2', resourceGroup: 'g' })];
    const skip = schedule(input({ ready, builds, holders, settings: { g: { onBusy: 'skip' } } }));
    expect(skip.decisions.map((d) => d.type)).toEqual(['skip']);
    const cancel = schedule(input({ ready, builds, holders, settings: { g: { onBusy: 'cancel' } } }));
    expect(cancel.decisions.map((d) => d.type)).toEqual(['cancel_holder', 'wait']);
    const parallel = schedule(input({ ready, builds, holders, settings: { g: { onBusy: 'parallel' } } }));
    expect(parallel.decisions.map((d) => d.type)).toEqual(['start']);
  });

  it('a pipeline-level group is taken once for the whole pipeline', () => {
    const ready = [job('p/a', { pipelineResourceGroup: 'env' }), job('p/b', { pipelineResourceGroup: 'env' }), job('q/c', { build: 'b-1', pipeline: 'q', pipelineResourceGroup: 'env' })];
    const out = schedule(input({ ready }));
    expect(started(out).sort()).toEqual(['p/a', 'p/b']);
  });

  it('batches jobs of one key within the window, holds an open window, and caps at max', () => {
    const batch = { key: 'k', windowMs: 100, max: 3 };
    const ready = ['p/a', 'p/b', 'p/c', 'p/d'].map((id, i) => job(id, { batch, readyAt: i * 10 }));
    const open = schedule(input({ ready: ready.slice(0, 2), now: 50 }));
    expect(started(open)).toEqual([]);
    expect(open.wakeAt).toBe(100);
    const closed = schedule(input({ ready: ready.slice(0, 2), now: 100 }));
    expect(started(closed)).toEqual(['p/a+p/b']);
    const full = schedule(input({ ready, now: 35 }));
    expect(started(full)).toEqual(['p/a+p/b+p/c']);
    expect(full.wakeAt).toBe(130);
  });

  it('does not batch jobs that became ready after the window of the first', () => {
    const batch = { key: 'k', windowMs: 100, max: 10 };
    const ready = [job('p/a', { batch, readyAt: 0 }), job('p/b', { batch, readyAt: 150 })];
    const out = schedule(input({ ready, now: 300 }));
    expect(started(out).sort()).toEqual(['p/a', 'p/b']);
  });
});

describe('placement by data', () => {
  const where = (out: ReturnType<typeof schedule>) => Object.fromEntries(out.decisions.flatMap((d) => (d.type === 'start' ? [[d.members[0]!.job, d.agent]] : [])));

  it('puts a job on the agent that ran its needs, though another has more free slots', () => {
    const out = schedule(input({ ready: [job('p/b', { inputsOn: ['left'] })], agents: [agent('left', 1), agent('right', 4)] }));
    expect(where(out)).toEqual({ 'p/b': 'left' });
  });

  it('without inputs, the least busy agent still wins (fan-out is unchanged)', () => {
    const out = schedule(input({ ready: [job('p/b')], agents: [agent('left', 1), agent('right', 4)] }));
    expect(where(out)).toEqual({ 'p/b': 'right' });
  });

  it('goes anywhere when the agent holding its inputs is full, gone, or does not serve it', () => {
    const ready = [job('p/full', { inputsOn: ['busy'] }), job('p/gone', { inputsOn: ['vanished'] }), job('p/gpu', { labels: ['gpu'], inputsOn: ['plain'] })];
    const agents = [agent('busy', 0), agent('plain', 3, { labels: [] }), agent('wide', 3)];
    expect(where(schedule(input({ ready, agents })))).toEqual({ 'p/full': 'plain', 'p/gone': 'wide', 'p/gpu': 'wide' });
  });

  it('fills the data agent first and spills the rest of a fan-out to others', () => {
    const ready = ['p/x1', 'p/x2', 'p/x3', 'p/x4'].map((id) => job(id, { inputsOn: ['left'] }));
    const placed = Object.values(where(schedule(input({ ready, agents: [agent('left', 2), agent('right', 2)] }))));
    expect(placed.sort()).toEqual(['left', 'left', 'right', 'right']);
  });

  it('takes the agents in the order given: the one that ran most of the needs first', () => {
    const out = schedule(input({ ready: [job('p/join', { inputsOn: ['second', 'first'] })], agents: [agent('first', 2), agent('second', 1), agent('third', 5)] }));
    expect(where(out)).toEqual({ 'p/join': 'second' });
  });
});
