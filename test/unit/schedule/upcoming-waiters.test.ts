// oldest_first / newest_first order every upcoming job of a group across builds, also jobs whose
// needs are not done yet (GitLab's meaning); newest_ready_first and unordered look at ready jobs only.
import { describe, expect, it } from 'vitest';
import { schedule } from '../../../core/schedule/schedule';
import { defaultGroupSettings } from '../../../core/schedule/resource-groups';
import type { GroupSettings, ReadyJob, SchedulerInput, UpcomingJob } from '../../../core/schedule/types';
import type { ProcessMode } from '../../../core/spec/types';

const ready = (build: string, job: string): ReadyJob => ({ build, job, pipeline: 'p', pool: 'default', labels: [], executor: 'shell', criticalPath: 1, readyAt: 10, resourceGroup: 'deploy' });

function round(mode: ProcessMode, upcoming: UpcomingJob[], readyJobs: ReadyJob[]) {
  const settings: GroupSettings = { ...defaultGroupSettings, capacity: 1, processMode: mode };
  const input: SchedulerInput = {
    now: 100, ready: readyJobs, builds: [{ id: 'b-1', order: 0, running: 0 }, { id: 'b-2', order: 1, running: 0 }], pipelines: [],
    agents: [{ id: 'a', pools: ['*'], labels: ['*'], executors: ['shell'], free: 4, running: 0 }], holders: new Map(), groupSettings: () => settings, upcoming,
  };
  return schedule(input).decisions;
}

describe('upcoming jobs in a resource group queue', () => {
  const olderUpcoming: UpcomingJob[] = [{ build: 'b-1', job: 'p/deploy', group: 'deploy' }];

  it('oldest_first: a newer build\'s ready job waits behind an older build\'s job that is not ready yet', () => {
    const decisions = round('oldest_first', olderUpcoming, [ready('b-2', 'p/deploy')]);
    expect(decisions).toEqual([{ type: 'wait', build: 'b-2', job: 'p/deploy', waiting: { group: 'deploy', holders: [], position: 2 } }]);
  });

  it('newest_first: the newer build goes first, the older one\'s upcoming job does not block it', () => {
    const decisions = round('newest_first', olderUpcoming, [ready('b-2', 'p/deploy')]);
    expect(decisions.map((decision) => decision.type)).toEqual(['start']);
  });

  it('newest_first: an older build\'s ready job waits behind a newer build\'s upcoming one', () => {
    const decisions = round('newest_first', [{ build: 'b-2', job: 'p/deploy', group: 'deploy' }], [ready('b-1', 'p/deploy')]);
    expect(decisions).toEqual([{ type: 'wait', build: 'b-1', job: 'p/deploy', waiting: { group: 'deploy', holders: [], position: 2 } }]);
  });

  it('newest_ready_first and unordered consider ready jobs only', () => {
    for (const mode of ['newest_ready_first', 'unordered'] as const) {
      expect(round(mode, olderUpcoming, [ready('b-2', 'p/deploy')]).map((decision) => decision.type)).toEqual(['start']);
    }
  });

  it('within one build, its ready job goes before its own upcoming one', () => {
    const decisions = round('oldest_first', [{ build: 'b-1', job: 'p/later', group: 'deploy' }], [ready('b-1', 'p/deploy')]);
    expect(decisions.map((decision) => decision.type)).toEqual(['start']);
  });
});
