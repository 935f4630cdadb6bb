// The resource-group timelines of docs/pipeline-format.md ("Process modes, as timelines"), played
// through the real scheduler: b-0001's deploy holds `deploy` (capacity 1) from 0s to 10s; b-0002's
// deploy is ready at 4s, b-0003's at 3s.
import { describe, expect, it } from 'vitest';
import { schedule } from '../../../core/schedule/schedule';
import type { Decision, GroupSettings, Holder, ReadyJob, SchedulerInput } from '../../../core/schedule/types';
import type { OnBusy, ProcessMode } from '../../../core/spec/types';

const holderB1: Holder = { build: 'b-0001', job: 'release/deploy' };
const deploy = (build: string, readyAt: number): ReadyJob => ({
  build, job: 'release/deploy', pipeline: 'release', pool: 'default', labels: [], executor: 'shell', criticalPath: 1, readyAt, resourceGroup: 'deploy',
});
const b2 = deploy('b-0002', 4000);
const b3 = deploy('b-0003', 3000);

function round(now: number, ready: ReadyJob[], holders: Holder[], settings: Partial<GroupSettings>): Decision[] {
  const input: SchedulerInput = {
    now,
    ready,
    builds: ['b-0001', 'b-0002', 'b-0003'].map((id, order) => ({ id, order, running: holders.some((h) => h.build === id) ? 1 : 0 })),
    pipelines: [],
    agents: [{ id: 'local', pools: ['*'], labels: ['*'], executors: ['shell'], free: 4, running: 0 }],
    holders: new Map(holders.length > 0 ? [['deploy', holders]] : []),
    groupSettings: () => ({ capacity: 1, processMode: 'unordered', onBusy: 'wait', ...settings }),
  };
  return schedule(input).decisions;
}

const startedBuilds = (decisions: Decision[]) => decisions.flatMap((d) => (d.type === 'start' ? d.members.map((m) => m.build) : []));

/** Who runs after b-0001 lets go at 10s, then after that one ends: the order the timeline shows. */
function orderAfterRelease(processMode: ProcessMode): string[] {
  const first = startedBuilds(round(10_000, [b2, b3], [], { processMode }));
  const next = [b2, b3].filter((job) => !first.includes(job.build));
  return [...first, ...startedBuilds(round(20_000, next, [], { processMode }))];
}

describe('process modes, as the docs tell them', () => {
  it('everyone waits while b-0001 holds the group', () => {
    const decisions = round(5000, [b2, b3], [holderB1], { processMode: 'oldest_first' });
    expect(startedBuilds(decisions)).toEqual([]);
    expect(decisions.filter((d) => d.type === 'wait')).toHaveLength(2);
  });

  it('oldest_first: b-0002 then b-0003', () => expect(orderAfterRelease('oldest_first')).toEqual(['b-0002', 'b-0003']));
  it('newest_first: b-0003 then b-0002', () => expect(orderAfterRelease('newest_first')).toEqual(['b-0003', 'b-0002']));
  it('newest_ready_first: b-0002 (ready at 4s) then b-0003 (ready at 3s)', () => expect(orderAfterRelease('newest_ready_first')).toEqual(['b-0002', 'b-0003']));
  it('unordered: the build with fewest running jobs, then the older: b-0002 here', () => expect(orderAfterRelease('unordered')).toEqual(['b-0002', 'b-0003']));
});

describe('on_busy, as the docs tell it', () => {
  const at = (onBusy: OnBusy, now: number, ready: ReadyJob[], holders: Holder[]) => round(now, ready, holders, { onBusy });

  it('skip: a busy group skips the job, naming the holder', () => {
    const [decision] = at('skip', 3000, [b3], [holderB1]);
    expect(decision).toEqual({ type: 'skip', build: 'b-0003', job: 'release/deploy', reason: 'resource group deploy is busy (held by b-0001 release/deploy)' });
  });

  it('cancel: b-0003 cancels the older holder; b-0002 then waits behind the newer b-0003', () => {
    const first = at('cancel', 3000, [b3], [holderB1]);
    expect(first.find((d) => d.type === 'cancel_holder')).toMatchObject({ holder: holderB1, group: 'deploy' });
    expect(startedBuilds(at('cancel', 3500, [b3], []))).toEqual(['b-0003']);
    const later = at('cancel', 4000, [b2], [{ build: 'b-0003', job: 'release/deploy' }]);
    expect(later.some((d) => d.type === 'cancel_holder')).toBe(false);
    expect(later.map((d) => d.type)).toEqual(['wait']);
  });

  it('parallel: no lock at all', () => {
    expect(startedBuilds(at('parallel', 4000, [b2, b3], [holderB1])).sort()).toEqual(['b-0002', 'b-0003']);
  });
});
