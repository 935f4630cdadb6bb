// Queue places (AgentSlots.queue): once every slot is taken, an agent with a queue is handed the next
// plain jobs in the same order, marked queued; jobs whose start counts against something shared at
// assignment (a resource group, a batch, a concurrency cap, max_running) or known to be long never are.
import { describe, expect, it } from 'vitest';
import { queueJobMaxMs } from '../../../core/schedule/queue-places';
import { schedule } from '../../../core/schedule/schedule';
import { defaultGroupSettings } from '../../../core/schedule/resource-groups';
import type { AgentSlots, Decision, ReadyJob, SchedulerInput } from '../../../core/schedule/types';

const job = (id: string, extra: Partial<ReadyJob> = {}): ReadyJob => ({
  build: 'b-1', job: id, pipeline: id.split('/')[0] ?? 'p', pool: 'default', labels: [], executor: 'shell', criticalPath: 1, readyAt: 0, ...extra,
});
const agent = (id: string, free: number, queue: number, extra: Partial<AgentSlots> = {}): AgentSlots => ({ id, pools: ['*'], labels: ['*'], executors: ['shell'], free, queue, running: 0, ...extra });

function input(ready: ReadyJob[], agents: AgentSlots[], extra: Partial<SchedulerInput> = {}): SchedulerInput {
  const builds = [...new Set(ready.map((r) => r.build))].map((id, order) => ({ id, order, running: 0, project: '/p' }));
  return { now: 0, ready, builds, pipelines: [], agents, holders: new Map(), groupSettings: () => defaultGroupSettings, ...extra };
}
type Start = Extract<Decision, { type: 'start' }>;
const starts = (decisions: Decision[]) => decisions.filter((d): d is Start => d.type === 'start').map((d) => `${d.members.map((m) => m.job).join('+')}${d.queued ? ' (queued)' : ''}`);

describe('queue places', () => {
  it('fill after the free slots, in priority order, and say so', () => {
    const ready = ['p/a', 'p/b', 'p/c', 'p/d', 'p/e'].map((id, i) => job(id, { criticalPath: 10 - i }));
    const out = schedule(input(ready, [agent('x', 2, 2)]));
    expect(starts(out.decisions)).toEqual(['p/a', 'p/b', 'p/c (queued)', 'p/d (queued)']);
  });

  it('are used with every slot taken, and nothing starts with neither', () => {
    const ready = ['p/a', 'p/b'].map((id) => job(id));
    expect(starts(schedule(input(ready, [agent('x', 0, 1)])).decisions)).toEqual(['p/a (queued)']);
    expect(schedule(input(ready, [agent('x', 0, 0)])).decisions).toEqual([]);
  });

  it('are not used by an agent without a queue: the same decisions as before', () => {
    const ready = ['p/a', 'p/b', 'p/c'].map((id) => job(id));
    expect(starts(schedule(input(ready, [agent('x', 1, 0)])).decisions)).toEqual(['p/a']);
    expect(starts(schedule(input(ready, [{ ...agent('x', 1, 0), queue: undefined }])).decisions)).toEqual(['p/a']);
  });

  it('never take a job with a resource group, a batch key, a capped pipeline or a capped project, nor a long one', () => {
    const ready = [
      job('g/a', { criticalPath: 9, resourceGroup: 'deploy' }),
      job('h/a', { criticalPath: 9, pipelineResourceGroup: 'stage' }),
      job('b/a', { criticalPath: 9, batch: { key: 'k', windowMs: 0, max: 10 } }),
      job('c/a', { criticalPath: 9 }),
      job('l/a', { criticalPath: 9, estimateMs: queueJobMaxMs + 1 }),
      job('s/a', { criticalPath: 1, estimateMs: queueJobMaxMs }),
      job('p/a', { criticalPath: 1 }),
    ];
    const pipelines = [{ build: 'b-1', pipeline: 'c', running: 0, concurrency: 5 }];
    const out = schedule(input(ready, [agent('x', 0, 5)], { pipelines }));
    expect(starts(out.decisions).sort()).toEqual(['p/a (queued)', 's/a (queued)']);
    // Waiting for a group is decided with slots, not queue places: no wait is published here.
    expect(out.decisions.filter((d) => d.type !== 'start')).toEqual([]);
    const capped = schedule(input([job('p/a')], [agent('x', 0, 5)], { projectCaps: new Map([['/p', 10]]) }));
    expect(capped.decisions).toEqual([]);
  });

  it('take a queue set aside for want of a slot in the same round', () => {
    // p/a takes the slot; the other queue (pipeline q) found no slot left and comes back for a queue place.
    const ready = [job('p/a', { criticalPath: 9 }), job('q/b', { criticalPath: 5 }), job('q/c', { criticalPath: 4 })];
    const out = schedule(input(ready, [agent('x', 1, 1)]));
    expect(starts(out.decisions)).toEqual(['p/a', 'q/b (queued)']);
  });

  it('go to the agent with queue places when another has none', () => {
    const ready = ['p/a', 'p/b'].map((id) => job(id));
    const out = schedule(input(ready, [agent('lan', 0, 0), agent('local', 0, 2)]));
    expect(out.decisions.map((d) => (d.type === 'start' ? d.agent : d.type))).toEqual(['local', 'local']);
  });
});
