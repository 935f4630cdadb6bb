import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobState } from '../../../core/protocol/types';
import { closeAbandonedBuilds, recoverBuilds } from '../../../core/store/recover';
import { openStore } from '../../../core/store/sqlite-store';
import type { Store } from '../../../core/store/types';
import { createScratch, createTestBuild } from './store-fixtures';

const scratch = createScratch();
afterEach(() => scratch.cleanup());

const states: JobState[] = ['queued', 'waiting', 'running', 'success', 'failed', 'canceled', 'skipped', 'cached', 'lost'];

/** A running build with one job per state (job id = `s/<state>`), attempts and a holder, plus a finished build. */
function leftByADeadCoordinator(): { store: Store; id: string; done: string } {
  const store = scratch.track(openStore(join(scratch.dir(), 'f.db')));
  const done = createTestBuild(store, ['s/running'], 1).id;
  store.updateJob(done, 's/running', { state: 'running' }, 2);
  store.updateBuild(done, { status: 'failed', finishedAt: 3 });

  const { id } = createTestBuild(store, states.map((s) => `s/${s}`), 10);
  store.updateBuild(id, { status: 'running', startedAt: 11 });
  for (const state of states) store.updateJob(id, `s/${state}`, { state, agent: 'local' }, 12);
  store.updateJob(id, 's/waiting', { waiting: { group: 'g', holders: [{ build: id, job: 's/running' }], position: 1 } }, 12);
  store.startAttempt({ id: 'open', build: id, job: 's/running', number: 1, agent: 'local', startedAt: 12 });
  store.startAttempt({ id: 'closed', build: id, job: 's/success', number: 1, agent: 'local', startedAt: 12 });
  store.finishAttempt('closed', { finishedAt: 13, status: 'success' });
  store.addHolder({ group: 'g', build: id, job: 's/running', since: 12 });
  store.addHolder({ group: 'h', build: id, job: 's/success', since: 12 });
  return { store, id, done };
}

describe('recoverBuilds', () => {
  it('requeues running and waiting jobs and closes their open attempts', () => {
    const { store, id, done } = leftByADeadCoordinator();
    expect(recoverBuilds(store, 'requeue', 100)).toEqual([{ build: id, requeued: ['s/waiting', 's/running'], lost: [] }]);
    const jobs = new Map(store.listJobs(id).map((j) => [j.id, j]));
    for (const state of states) {
      const expected = state === 'waiting' || state === 'running' ? 'queued' : state;
      expect(jobs.get(`s/${state}`)?.state).toBe(expected);
    }
    const running = jobs.get('s/running');
    expect(running).toMatchObject({ reason: 'coordinator restarted', queuedAt: 100 });
    expect(running).not.toHaveProperty('agent');
    expect(jobs.get('s/waiting')).not.toHaveProperty('waiting');
    expect(store.jobHistory(id, 's/running').at(-1)).toEqual({ state: 'queued', at: 100, reason: 'coordinator restarted' });
    expect(store.listAttempts(id)).toEqual([
      expect.objectContaining({ id: 'open', finishedAt: 100, status: 'lost', reason: 'agent_lost' }),
      expect.objectContaining({ id: 'closed', finishedAt: 13, status: 'success' }),
    ]);
    expect(store.listHolders()).toEqual([{ group: 'h', build: id, job: 's/success', since: 12 }]);
    expect(store.getJob(done, 's/running')?.state).toBe('running');
    expect(store.getBuild(id)?.status).toBe('running');
  });

  it('marks running and waiting jobs lost under the lost policy', () => {
    const { store, id } = leftByADeadCoordinator();
    expect(recoverBuilds(store, 'lost', 100)).toEqual([{ build: id, requeued: [], lost: ['s/waiting', 's/running'] }]);
    const jobs = new Map(store.listJobs(id).map((j) => [j.id, j]));
    expect(jobs.get('s/running')).toMatchObject({ state: 'lost', reason: 'coordinator restarted while running', finishedAt: 100, agent: 'local' });
    expect(jobs.get('s/waiting')?.state).toBe('lost');
    expect(jobs.get('s/queued')?.state).toBe('queued');
    expect(jobs.get('s/failed')?.state).toBe('failed');
    expect(store.listAttempts(id, 's/running')[0]).toMatchObject({ status: 'lost', reason: 'agent_lost', finishedAt: 100 });
  });

  it('does nothing when no build is unfinished', () => {
    const store = scratch.track(openStore(join(scratch.dir(), 'f.db')));
    expect(recoverBuilds(store, 'requeue', 1)).toEqual([]);
  });
});

describe('closeAbandonedBuilds', () => {
  it('ends the build: running jobs lost, never-started ones canceled, every hold of the build released, build failed', () => {
    const { store, id, done } = leftByADeadCoordinator();
    store.addHolder({ group: 'env', build: id, job: 'pipeline:s', since: 12 });
    expect(closeAbandonedBuilds(store, 100)).toEqual([{ build: id, requeued: [], lost: ['s/waiting', 's/running'], canceled: ['s/queued'] }]);
    const jobs = new Map(store.listJobs(id).map((j) => [j.id, j.state]));
    expect([jobs.get('s/queued'), jobs.get('s/running'), jobs.get('s/waiting'), jobs.get('s/success')]).toEqual(['canceled', 'lost', 'lost', 'success']);
    expect(store.listHolders()).toEqual([]);
    expect(store.getBuild(id)).toMatchObject({ status: 'failed', finishedAt: 100 });
    expect(store.getBuild(done)?.finishedAt).toBe(3);
    expect(closeAbandonedBuilds(store, 200)).toEqual([]);
  });
});
