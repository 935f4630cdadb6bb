// Property tests: the persistent ready queues decide exactly what a full sort of every ready job
// decides (the scheduler before the queues, kept in full-sort-reference.ts), for random farms,
// builds, resource groups, batches and caps, and after random sequences of jobs coming and going.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadyQueues } from '../../../core/schedule/ready-queues';
import { schedule } from '../../../core/schedule/schedule';
import type { GroupSettings, Holder, ReadyJob, SchedulerInput } from '../../../core/schedule/types';
import { scheduleBySorting } from './full-sort-reference';

const builds = ['b1', 'b2', 'b3'];
const pipelines = ['p', 'q', 'r'];
const groups = ['g1', 'g2'];

const readyJob = fc.record({
  build: fc.constantFrom(...builds),
  pipeline: fc.constantFrom(...pipelines),
  name: fc.integer({ min: 0, max: 30 }),
  pool: fc.constantFrom('default', 'linux'),
  labels: fc.subarray(['gpu', 'x86']),
  executor: fc.constantFrom<'shell' | 'docker'>('shell', 'docker'),
  criticalPath: fc.integer({ min: 1, max: 4 }),
  readyAt: fc.integer({ min: 0, max: 6 }),
  resourceGroup: fc.option(fc.constantFrom(...groups), { nil: undefined, freq: 4 }),
  batch: fc.option(fc.record({ key: fc.constantFrom('k1', 'k2'), windowMs: fc.integer({ min: 0, max: 3 }), max: fc.integer({ min: 1, max: 3 }) }), { nil: undefined, freq: 4 }),
  // Agents that ran its needs (a9 is not online).
  inputsOn: fc.option(fc.shuffledSubarray(['a0', 'a1', 'a2', 'a9'], { minLength: 1 }), { nil: undefined, freq: 3 }),
});

const farm = fc.record({
  jobs: fc.array(readyJob, { maxLength: 40 }),
  pipelineGroups: fc.dictionary(fc.constantFrom(...pipelines), fc.constantFrom(...groups), { maxKeys: 2 }),
  builds: fc.shuffledSubarray(builds, { minLength: 1 }).chain((ids) => fc.tuple(...ids.map((id) => fc.record({ id: fc.constant(id), order: fc.integer({ min: 0, max: 9 }), running: fc.integer({ min: 0, max: 3 }) })))),
  caps: fc.array(fc.record({ build: fc.constantFrom(...builds), pipeline: fc.constantFrom(...pipelines), running: fc.integer({ min: 0, max: 2 }), concurrency: fc.integer({ min: 1, max: 3 }) }), { maxLength: 3 }),
  agents: fc.array(fc.record({
    pools: fc.constantFrom<string[]>(['*'], ['default'], ['linux'], ['default', 'linux']),
    labels: fc.constantFrom<string[]>(['*'], [], ['gpu'], ['gpu', 'x86']),
    executors: fc.constantFrom<('shell' | 'docker')[]>(['shell'], ['shell', 'docker'], ['docker']),
    free: fc.integer({ min: 0, max: 4 }),
  }), { minLength: 1, maxLength: 3 }),
  holders: fc.array(fc.record({ group: fc.constantFrom(...groups), build: fc.constantFrom(...builds), job: fc.constantFrom('p/x', 'pipeline:q') }), { maxLength: 2 }),
  settings: fc.dictionary(fc.constantFrom(...groups), fc.record({
    capacity: fc.integer({ min: 1, max: 2 }),
    processMode: fc.constantFrom<GroupSettings['processMode']>('unordered', 'oldest_first', 'newest_first', 'newest_ready_first'),
    onBusy: fc.constantFrom<GroupSettings['onBusy']>('wait', 'skip', 'cancel', 'parallel'),
  })),
  now: fc.integer({ min: 0, max: 8 }),
});

type Farm = typeof farm extends fc.Arbitrary<infer T> ? T : never;

/** The ready jobs of a generated farm, one per (build, job id), all builds listed. */
function readyJobs(generated: Farm): ReadyJob[] {
  const jobs = new Map<string, ReadyJob>();
  for (const spec of generated.jobs) {
    const job: ReadyJob = {
      build: spec.build, job: `${spec.pipeline}/j${spec.name}`, pipeline: spec.pipeline, pool: spec.pool, labels: spec.labels,
      executor: spec.executor, criticalPath: spec.criticalPath, readyAt: spec.readyAt,
    };
    if (spec.resourceGroup) job.resourceGroup = spec.resourceGroup;
    const pipelineGroup = generated.pipelineGroups[spec.pipeline];
    if (pipelineGroup) job.pipelineResourceGroup = pipelineGroup;
    if (spec.batch) job.batch = spec.batch;
    if (spec.inputsOn) job.inputsOn = spec.inputsOn;
    jobs.set(`${job.build} ${job.job}`, job);
  }
  return [...jobs.values()];
}

function inputOf(generated: Farm, ready: readonly ReadyJob[]): SchedulerInput & { ready: readonly ReadyJob[] } {
  const listed = new Set(generated.builds.map((build) => build.id));
  const extra = builds.filter((id) => !listed.has(id)).map((id, index) => ({ id, order: 10 + index, running: 0 }));
  const holders = new Map<string, Holder[]>();
  for (const { group, build, job } of generated.holders) {
    const list = holders.get(group) ?? [];
    if (!list.some((holder) => holder.build === build && holder.job === job)) list.push({ build, job });
    holders.set(group, list);
  }
  const caps = new Map(generated.caps.map((cap) => [`${cap.build} ${cap.pipeline}`, cap]));
  return {
    now: generated.now,
    ready,
    builds: [...generated.builds, ...extra],
    pipelines: [...caps.values()],
    agents: generated.agents.map((agent, index) => ({ id: `a${index}`, ...agent, running: 0 })),
    holders,
    groupSettings: (group) => ({ capacity: 1, processMode: 'unordered', onBusy: 'wait', ...generated.settings[group] }),
  };
}

describe('incremental ready queues', () => {
  it('decide exactly what a full sort decides', () => {
    fc.assert(fc.property(farm, (generated) => {
      const input = inputOf(generated, readyJobs(generated));
      expect(schedule(input)).toEqual(scheduleBySorting(input));
    }), { numRuns: 1500 });
  });

  it('stay right as jobs come and go, and a round leaves them as they were', () => {
    const steps = fc.array(fc.record({ remove: fc.boolean(), index: fc.nat() }), { maxLength: 60 });
    fc.assert(fc.property(farm, steps, (generated, moves) => {
      const all = readyJobs(generated);
      const queues = new ReadyQueues();
      const current = new Map<string, ReadyJob>();
      for (const move of moves) {
        const job = all[move.index % Math.max(1, all.length)];
        if (job === undefined) break;
        const key = `${job.build} ${job.job}`;
        if (move.remove) {
          queues.remove(job.build, job.job);
          current.delete(key);
        } else {
          queues.add(job);
          current.set(key, job);
        }
        // Rounds in between must not change what the queues hold.
        if (move.index % 5 === 0) schedule({ ...inputOf(generated, []), ready: queues });
      }
      expect(queues.size).toBe(current.size);
      const reference = scheduleBySorting(inputOf(generated, [...current.values()]));
      expect(schedule({ ...inputOf(generated, []), ready: queues })).toEqual(reference);
      expect(schedule({ ...inputOf(generated, []), ready: queues })).toEqual(reference);
    }), { numRuns: 800 });
  });
});
