// Start-up after a coordinator died with attempts on LAN agents: which builds a `farmhand serve`
// re-opens (resumableBuilds), what the store keeps of them, how the coordinator rebuilds them
// (reopenBuild), and the per-agent acked mark surviving a reopen of the store.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reopenBuild } from '../../../core/coordinator/resume';
import { closeAbandonedBuilds, resumableBuilds } from '../../../core/store/recover';
import { openStore } from '../../../core/store/sqlite-store';
import type { Store } from '../../../core/store/types';
import { createScratch, planOf } from './store-fixtures';

const scratch = createScratch();
afterEach(() => scratch.cleanup());

/** A build of pipeline `a` with these jobs. */
function createTestBuild(store: Store, ids: string[], createdAt: number): { id: string } {
  const plan = { ...planOf(ids), pipelines: [{ name: 'a', pool: 'default', labels: [], dependsOn: [], failFast: false, jobs: ids, onStart: [], onSuccess: [], onFailure: [], recipe: false }] };
  const build = { id: store.nextBuildId(), project: '/project', createdAt, plan, options: { noCache: false, only: [] } };
  store.createBuild(build);
  return build;
}

/** b1: a/done finished, a/remote on agent A, a/local on the dead owner's own agent, a/next not started. b2: only a local attempt. */
function leftBehind(resumable = true): { store: Store; b1: string; b2: string } {
  const store = scratch.track(openStore(join(scratch.dir(), 'f.db')));
  const b1 = createTestBuild(store, ['a/done', 'a/remote', 'a/local', 'a/next'], 10).id;
  store.updateBuild(b1, { status: 'running', startedAt: 10 });
  store.updateJob(b1, 'a/done', { state: 'success', finishedAt: 11 }, 11);
  store.updateJob(b1, 'a/remote', { state: 'running', agent: 'left' }, 12);
  store.updateJob(b1, 'a/local', { state: 'running', agent: 'here' }, 12);
  store.startAttempt({ id: `${b1}.a1`, build: b1, job: 'a/done', number: 1, agent: 'left', startedAt: 10 });
  store.finishAttempt(`${b1}.a1`, { finishedAt: 11, status: 'success' });
  store.startAttempt({ id: `${b1}.a2`, build: b1, job: 'a/remote', number: 1, agent: 'left', startedAt: 12 });
  store.startAttempt({ id: `${b1}.a3`, build: b1, job: 'a/local', number: 1, agent: 'here', startedAt: 12 });
  store.recordRemoteAttempt({ attempt: `${b1}.a2`, build: b1, agent: 'agent-left', jobs: ['a/remote'], resumable, startedAt: 12 });
  const b2 = createTestBuild(store, ['a/local'], 20).id;
  store.updateBuild(b2, { status: 'running', startedAt: 20 });
  store.updateJob(b2, 'a/local', { state: 'running', agent: 'here' }, 21);
  store.startAttempt({ id: `${b2}.a1`, build: b2, job: 'a/local', number: 1, agent: 'here', startedAt: 21 });
  return { store, b1, b2 };
}

describe('a coordinator restarted on a state dir with attempts on LAN agents', () => {
  it('keeps builds with an open remote attempt for the coordinator and closes the others', () => {
    const { store, b1, b2 } = leftBehind();
    const resumed = resumableBuilds(store, 100);
    expect(resumed).toEqual([b1]);
    expect(closeAbandonedBuilds(store, 100, resumed).map((closed) => closed.build)).toEqual([b2]);
    expect(store.getBuild(b1)?.status).toBe('running');
    expect(store.getBuild(b2)?.status).toBe('failed');
    const attempts = new Map(store.listAttempts(b1).map((attempt) => [attempt.id, attempt]));
    expect(attempts.get(`${b1}.a2`)?.finishedAt).toBeUndefined();
    expect(attempts.get(`${b1}.a3`)).toMatchObject({ status: 'lost', reason: 'agent_lost' });
    expect(store.getJob(b1, 'a/local')?.state).toBe('queued');
    expect(store.getJob(b1, 'a/remote')?.state).toBe('running');

    const reopened = reopenBuild(store, b1, 0, 100)!;
    expect(reopened.highestAttempt).toBe(3);
    expect(reopened.attempts.map(({ attempt, agent, agentName }) => ({ id: attempt.id, jobs: attempt.members.map((job) => job.plan.id), agent, agentName }))).toEqual([
      { id: `${b1}.a2`, jobs: ['a/remote'], agent: 'agent-left', agentName: 'left' },
    ]);
    const { build } = reopened;
    expect(build.jobs.get('a/done')?.state).toBe('success');
    expect(build.jobs.get('a/remote')).toMatchObject({ state: 'running', attemptId: `${b1}.a2` });
    // Jobs that no attempt runs and whose needs are done are scheduled again; the running one is not.
    expect([...build.ready].sort()).toEqual(['a/local', 'a/next']);
  });

  it('does not resume the build of a farmhand run (not resumable); its remote attempt stays for the cache', () => {
    const { store, b1 } = leftBehind(false);
    expect(resumableBuilds(store, 100)).toEqual([]);
    expect(closeAbandonedBuilds(store, 100).map((closed) => closed.build)).toContain(b1);
    expect(store.listRemoteAttempts().map((row) => row.attempt)).toEqual([`${b1}.a2`]);
  });

  it("keeps each agent's acked mark across a reopen of the store", () => {
    const file = join(scratch.dir(), 'acks.db');
    const first = openStore(file);
    expect(first.agentAcked('agent-left')).toBe(0);
    first.setAgentAcked('agent-left', 41);
    first.setAgentAcked('agent-left', 42);
    first.close();
    const second = scratch.track(openStore(file));
    expect(second.agentAcked('agent-left')).toBe(42);
  });
});
