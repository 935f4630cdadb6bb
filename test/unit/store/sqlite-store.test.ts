import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestSchemaVersion } from '../../../core/store/migrations';
import { openStore } from '../../../core/store/sqlite-store';
import { createScratch, createTestBuild, planOf } from './store-fixtures';

const scratch = createScratch();
afterEach(() => scratch.cleanup());

describe('migrations', () => {
  it('apply on a fresh file and are idempotent on reopen', () => {
    const file = join(scratch.dir(), 'farmhand.db');
    const store = openStore(file);
    createTestBuild(store, ['p/a']);
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();

    const again = scratch.track(openStore(file));
    expect(again.listBuilds().map((b) => b.id)).toEqual(['b-0001']);
    expect(again.nextBuildId()).toBe('b-0002');
  });

  it('refuse a database written by a newer schema', () => {
    const file = join(scratch.dir(), 'farmhand.db');
    openStore(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${latestSchemaVersion + 5}`);
    db.close();
    expect(() => openStore(file)).toThrow(new RegExp(`schema version ${latestSchemaVersion + 5}.*only knows up to version ${latestSchemaVersion}.*newer Farmhand`));
  });
});

describe('resource holders', () => {
  it('keeps a pipeline-level holder, which is no job row', () => {
    const store = scratch.track(openStore(join(scratch.dir(), 'h.db')));
    const id = store.nextBuildId();
    store.createBuild({ id, project: '/x', createdAt: 1, plan: planOf(['p/a']), options: { noCache: false, only: [] } });
    store.addHolder({ group: 'deploy', build: id, job: 'pipeline:p', since: 2 });
    store.flush();
    expect(store.listHolders()).toEqual([{ group: 'deploy', build: id, job: 'pipeline:p', since: 2 }]);
  });
});

describe('builds and jobs', () => {
  it('round-trips a build with its plan and one queued job per plan job', () => {
    const store = scratch.track(openStore(join(scratch.dir(), 'f.db')));
    const ids = ['p/a', 'p/b', 'q/c'];
    const build = { id: store.nextBuildId(), project: '/x', createdAt: 5, plan: planOf(ids, { 'q/c': { resourceGroup: 'deploy' } }), options: { noCache: true, only: ['q'] } };
    store.createBuild(build);
    expect(store.getBuild(build.id)).toEqual({ ...build, status: 'queued' });
    expect(store.getBuild('b-9999')).toBeUndefined();
    expect(store.listJobs(build.id).map((j) => [j.id, j.state, j.pipeline, j.name, j.key, j.attempts, j.resourceGroup])).toEqual([
      ['p/a', 'queued', 'p', 'a', 'key-p/a', 0, undefined],
      ['p/b', 'queued', 'p', 'b', 'key-p/b', 0, undefined],
      ['q/c', 'queued', 'q', 'c', 'key-q/c', 0, 'deploy'],
    ]);
    store.updateBuild(build.id, { status: 'running', startedAt: 7 });
    store.updateBuild(build.id, { status: 'success', finishedAt: 9 });
    expect(store.getBuild(build.id)).toMatchObject({ status: 'success', startedAt: 7, finishedAt: 9 });
    // The same row without its plan and options (a status or project check parses no plan).
    expect(store.getBuildInfo(build.id)).toEqual({ id: build.id, project: '/x', createdAt: 5, status: 'success', startedAt: 7, finishedAt: 9 });
    expect(store.getBuildInfo('b-9999')).toBeUndefined();
    expect(store.unfinishedBuilds()).toEqual([]);
  });

  it('keeps build ids sequential and durable, newest build first', () => {
    const file = join(scratch.dir(), 'f.db');
    const store = openStore(file);
    expect([store.nextBuildId(), store.nextBuildId()]).toEqual(['b-0001', 'b-0002']);
    createTestBuild(store, ['p/a'], 10);
    createTestBuild(store, ['p/a', 'p/b', 'p/c'], 20);
    store.close();
    const again = scratch.track(openStore(file));
    expect(again.listBuilds().map((b) => b.id)).toEqual(['b-0004', 'b-0003']);
    // Listed without their plans: the job count and the options are what a list shows.
    expect(again.listBuilds()[0]).toEqual({ id: 'b-0004', project: '/project', status: 'queued', createdAt: 20, options: { noCache: false, only: [] }, jobs: 3 });
    expect(again.listBuilds(1).map((b) => b.id)).toEqual(['b-0004']);
    expect(again.unfinishedBuilds().map((b) => b.id)).toEqual(['b-0003', 'b-0004']);
    again.createBuild({ id: again.nextBuildId(), project: '/other', createdAt: 30, plan: { pipelines: [], jobs: [], resourceGroups: [] }, options: { noCache: false, only: [] } });
    expect(again.recentProjects(200)).toEqual(['/other', '/project']);
    expect(again.recentProjects(1)).toEqual(['/other']);
  });

  it('applies job patches, with null clearing a field, and waiting as JSON', () => {
    const store = scratch.track(openStore(join(scratch.dir(), 'f.db')));
    const { id } = createTestBuild(store, ['p/a']);
    const waiting = { group: 'deploy', holders: [{ build: 'b-0000', job: 'p/z' }], position: 2 };
    store.updateJob(id, 'p/a', { state: 'waiting', waiting, queuedAt: 11 }, 11);
    expect(store.getJob(id, 'p/a')).toMatchObject({ state: 'waiting', waiting, queuedAt: 11 });
    store.updateJob(id, 'p/a', { state: 'running', waiting: null, agent: 'local', attempts: 1, startedAt: 12 }, 12);
    store.updateJob(id, 'p/a', { state: 'failed', reason: 'exit', exitCode: 2, finishedAt: 13 }, 13);
    expect(store.getJob(id, 'p/a')).toEqual({
      build: id, id: 'p/a', pipeline: 'p', name: 'a', key: 'key-p/a', state: 'failed', reason: 'exit', exitCode: 2,
      agent: 'local', attempts: 1, queuedAt: 11, startedAt: 12, finishedAt: 13,
    });
    store.updateJob(id, 'p/a', { reason: null, exitCode: null, agent: null }, 14);
    const cleared = store.getJob(id, 'p/a');
    expect(cleared).not.toHaveProperty('reason');
    expect(cleared).not.toHaveProperty('exitCode');
    expect(cleared).not.toHaveProperty('agent');
    expect(() => store.updateJob(id, 'p/a', { state: null }, 15)).toThrow(/cannot be cleared/);
  });

  it('records each state change with its time and reason, and nothing for a repeated state', () => {
    const store = scratch.track(openStore(join(scratch.dir(), 'f.db')));
    const { id } = createTestBuild(store, ['p/a'], 100);
    store.updateJob(id, 'p/a', { state: 'running' }, 110);
    store.updateJob(id, 'p/a', { state: 'running', agent: 'x' }, 111);
    store.updateJob(id, 'p/a', { attempts: 1 }, 112);
    store.updateJob(id, 'p/a', { state: 'failed', reason: 'timeout' }, 120);
    expect(store.jobHistory(id, 'p/a')).toEqual([
      { state: 'queued', at: 100 },
      { state: 'running', at: 110 },
      { state: 'failed', at: 120, reason: 'timeout' },
    ]);
  });

  it('keeps attempts, agents, holders and cache entries', () => {
    const store = scratch.track(openStore(join(scratch.dir(), 'f.db')));
    const { id } = createTestBuild(store, ['p/a', 'p/b']);
    store.startAttempt({ id: 'a1', build: id, job: 'p/a', number: 1, agent: 'local', startedAt: 1 });
    store.startAttempt({ id: 'a2', build: id, job: 'p/b', number: 1, agent: 'local', startedAt: 2 });
    store.finishAttempt('a1', { finishedAt: 3, status: 'failed', reason: 'oom', exitCode: 137 });
    expect(store.listAttempts(id, 'p/a')).toEqual([
      { id: 'a1', build: id, job: 'p/a', number: 1, agent: 'local', startedAt: 1, finishedAt: 3, status: 'failed', reason: 'oom', exitCode: 137 },
    ]);
    expect(store.listAttempts(id).map((a) => a.id)).toEqual(['a1', 'a2']);

    const agent = { id: 'm1', name: 'box', pools: ['linux'], labels: ['gpu'], slots: 4, executors: ['shell' as const] };
    store.upsertAgent(agent, 10);
    store.upsertAgent({ ...agent, slots: 8 }, 20);
    expect(store.listAgents()).toEqual([{ ...agent, slots: 8, lastSeen: 20 }]);

    store.addHolder({ group: 'deploy', build: id, job: 'p/a', since: 5 });
    store.addHolder({ group: 'db', build: id, job: 'p/b', since: 6 });
    store.removeHolder('deploy', id, 'p/a');
    expect(store.listHolders()).toEqual([{ group: 'db', build: id, job: 'p/b', since: 6 }]);

    const entry = { key: 'k1', build: id, job: 'p/a', outputs: [{ path: 'out/x', size: 3, sha256: 'ab'.repeat(32), mode: 0o644 }], createdAt: 9 };
    store.putCacheEntry(entry);
    expect(store.getCacheEntry('k1')).toEqual(entry);
    expect(store.getCacheEntry('k2')).toBeUndefined();
    store.flush();
    expect(store.getCacheEntry('k1')).toEqual(entry);
  });

  it('finds a queued cache entry before any commit, and keeps it after reopening', () => {
    const file = join(scratch.dir(), 'c.db');
    const store = openStore(file, { flushIntervalMs: 60_000 });
    const id = store.nextBuildId();
    const entry = { key: 'k9', build: id, job: 'p/a', outputs: [], createdAt: 1 };
    store.putCacheEntry(entry);
    const committed = new Database(file, { readonly: true });
    expect(committed.prepare('SELECT COUNT(*) AS n FROM cache_entries').get()).toEqual({ n: 0 });
    committed.close();
    expect(store.getCacheEntry('k9')).toEqual(entry);
    store.close();
    const reopened = scratch.track(openStore(file));
    expect(reopened.getCacheEntry('k9')).toEqual(entry);
  });
});

describe('log chunks', () => {
  it('number chunks per job from 1, without gaps, across attempts, and continue after reopening', () => {
    const file = join(scratch.dir(), 'f.db');
    const store = openStore(file);
    const { id } = createTestBuild(store, ['p/a', 'p/b']);
    const chunk = (job: string, attempt: string, data: string) => ({ build: id, job, attempt, stream: 'stdout' as const, data, at: 1 });
    expect(store.appendLog(chunk('p/a', 'a1', 'one'))).toBe(1);
    expect(store.appendLog(chunk('p/b', 'b1', 'other'))).toBe(1);
    expect(store.appendLog({ ...chunk('p/a', 'a1', 'two'), stream: 'stderr' })).toBe(2);
    expect(store.appendLog(chunk('p/a', 'a2', 'three'))).toBe(3);
    expect(store.readLog(id, 'p/a').map((c) => [c.seq, c.attempt, c.stream, c.data])).toEqual([
      [1, 'a1', 'stdout', 'one'],
      [2, 'a1', 'stderr', 'two'],
      [3, 'a2', 'stdout', 'three'],
    ]);
    expect(store.readLog(id, 'p/a', 2).map((c) => c.data)).toEqual(['three']);
    expect(store.readLog(id, 'p/a', 3)).toEqual([]);
    store.close();

    const again = scratch.track(openStore(file));
    expect(again.appendLog(chunk('p/a', 'a3', 'four'))).toBe(4);
    expect(again.readLog(id, 'p/a').map((c) => c.seq)).toEqual([1, 2, 3, 4]);
    expect(again.readLog(id, 'p/b')[0]).toEqual({ build: id, job: 'p/b', seq: 1, attempt: 'b1', stream: 'stdout', data: 'other', at: 1 });
  });
});
