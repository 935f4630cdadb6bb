import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../core/store/sqlite-store';
import { StoreWriteError } from '../../../core/store/write-queue';
import { committedRows, createScratch, createTestBuild, manualTimer } from './store-fixtures';

const scratch = createScratch();
afterEach(() => scratch.cleanup());

function setUp(options: { maxBatch?: number; onError?: (error: unknown) => void } = {}) {
  const file = join(scratch.dir(), 'f.db');
  const timer = manualTimer();
  const store = scratch.track(openStore(file, { timer, flushIntervalMs: 15, ...options }));
  const { id } = createTestBuild(store, ['p/a', 'p/b']);
  const log = (job: string, data: string) => store.appendLog({ build: id, job, attempt: 'x', stream: 'stdout', data, at: 1 });
  return { file, timer, store, id, log };
}

describe('batched writes', () => {
  it('wait in memory until the timer fires, and one timer serves the whole batch', () => {
    const { file, timer, store, id, log } = setUp();
    store.updateJob(id, 'p/a', { state: 'running' }, 2);
    log('p/a', 'hello');
    log('p/a', 'world');
    expect(timer.scheduled()).toBe(1);
    expect(committedRows(file, 'log_chunks')).toBe(0);
    timer.fire();
    expect(committedRows(file, 'log_chunks')).toBe(2);
    expect(committedRows(file, 'job_events')).toBe(3);
    expect(timer.scheduled()).toBe(0);
  });

  it('commit at once when the queue reaches maxBatch', () => {
    const { file, timer, log } = setUp({ maxBatch: 10 });
    for (let i = 0; i < 25; i++) log('p/a', `line ${i}`);
    expect(committedRows(file, 'log_chunks')).toBe(20);
    expect(timer.scheduled()).toBe(1);
  });

  it('are seen by reads before any flush', () => {
    const { store, id, log } = setUp();
    store.updateJob(id, 'p/b', { state: 'running' }, 2);
    log('p/b', 'line');
    expect(store.getJob(id, 'p/b')?.state).toBe('running');
    expect(store.readLog(id, 'p/b').map((c) => c.data)).toEqual(['line']);
  });

  it('keep every good write of a batch when one write fails, and say which failed', () => {
    const { file, store, id, log } = setUp();
    log('p/a', 'one');
    log('p/missing', 'orphan');
    store.updateJob(id, 'p/nope', { state: 'running' }, 3);
    log('p/a', 'two');
    expect(() => store.flush()).toThrow(StoreWriteError);
    expect(committedRows(file, 'log_chunks')).toBe(2);
    expect(store.readLog(id, 'p/a').map((c) => c.seq)).toEqual([1, 2]);
  });

  it('hand errors of timer flushes to onError, or rethrow them on the next flush', () => {
    const errors: unknown[] = [];
    const withHandler = setUp({ onError: (error) => errors.push(error) });
    withHandler.log('p/missing', 'orphan');
    withHandler.timer.fire();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/appendLog .*p\/missing#1/);

    const without = setUp();
    without.log('p/missing', 'orphan');
    without.timer.fire();
    expect(() => without.store.flush()).toThrow(/1 store write\(s\) failed/);
    expect(() => without.store.flush()).not.toThrow();
  });

  it('commit on close, and refuse use after close', () => {
    const file = join(scratch.dir(), 'f.db');
    const store = openStore(file, { timer: manualTimer() });
    const { id } = createTestBuild(store, ['p/a']);
    store.updateJob(id, 'p/a', { state: 'success' }, 5);
    store.close();
    store.close();
    expect(committedRows(file, 'job_events')).toBe(2);
    expect(() => store.getJob(id, 'p/a')).toThrow(/closed/);
  });

  it('take 10,000 state changes and 10,000 log chunks with every row kept', () => {
    const jobs = Array.from({ length: 100 }, (_, i) => `p/j${i}`);
    const file = join(scratch.dir(), 'f.db');
    const store = scratch.track(openStore(file));
    const { id } = createTestBuild(store, jobs);
    const states = ['running', 'queued'] as const;
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) {
      const job = jobs[i % jobs.length] as string;
      store.updateJob(id, job, { state: states[Math.floor(i / jobs.length) % 2], agent: 'local' }, i);
      store.appendLog({ build: id, job, attempt: 'a', stream: 'stdout', data: `line ${i} ${'x'.repeat(60)}\n`, at: i });
    }
    store.flush();
    const ms = performance.now() - started;
    console.log(`store throughput: 20,000 batched writes in ${ms.toFixed(0)} ms (${Math.round(20_000 / (ms / 1000))} writes/s)`);
    expect(committedRows(file, 'log_chunks')).toBe(10_000);
    expect(committedRows(file, 'job_events')).toBe(100 + 10_000);
    const log = store.readLog(id, 'p/j7');
    expect(log.map((c) => c.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });
});
