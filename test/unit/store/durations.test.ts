// Job durations from earlier builds (core/store/durations.ts) on a real SQLite file.
import { afterEach, describe, expect, it } from 'vitest';
import { median } from '../../../core/store/durations';
import { openStore } from '../../../core/store/sqlite-store';
import type { Store } from '../../../core/store/types';
import { createScratch, planOf } from './store-fixtures';

const scratch = createScratch();
afterEach(() => scratch.cleanup());

let clock = 10_000;
/** A build of `project` in which each job ran once for the given ms with the given status. */
function buildWith(store: Store, project: string, runs: Record<string, [number, 'success' | 'failed']>): void {
  const ids = Object.keys(runs);
  const id = store.nextBuildId();
  store.createBuild({ id, project, createdAt: clock, plan: planOf(ids), options: { noCache: false, only: [] } });
  for (const [job, [ms, status]] of Object.entries(runs)) {
    clock += 100_000;
    store.startAttempt({ id: `${id}.${job}`, build: id, job, number: 1, agent: 'local', startedAt: clock });
    store.finishAttempt(`${id}.${job}`, { finishedAt: clock + ms, status });
  }
}

describe('job durations', () => {
  it('takes the median of the last 5 successful attempts of each job, in builds of the project only', () => {
    const store = scratch.track(openStore(`${scratch.dir()}/farmhand.db`));
    // p/a: 7 successes, the oldest two (9000, 9000) fall out of the last 5: median of 100, 200, 300, 400, 500.
    for (const ms of [9000, 9000, 300, 100, 500, 200, 400]) buildWith(store, '/project', { 'p/a': [ms, 'success'] });
    // p/b: failures do not count; two successes give the mean of both.
    buildWith(store, '/project', { 'p/b': [50, 'success'] });
    buildWith(store, '/project', { 'p/b': [99_999, 'failed'] });
    buildWith(store, '/project', { 'p/b': [150, 'success'] });
    // The same job id in another project sharing the state dir is not ours.
    buildWith(store, '/elsewhere', { 'p/a': [1, 'success'], 'p/c': [7, 'success'] });
    expect(store.jobDurations('/project')).toEqual(new Map([['p/a', 300], ['p/b', 100]]));
    expect(store.jobDurations('/elsewhere')).toEqual(new Map([['p/a', 1], ['p/c', 7]]));
    expect(store.jobDurations('/nothing')).toEqual(new Map());
  });

  it('computes medians of odd and even counts', () => {
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
