// formatJobLog on a real SQLite store: attempt separators, the tail of a long log, a batch member's pointer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatFailedLogs, formatJobLog } from '../../../cli/views/job-log';
import { openState, type State } from '../../../core/store/state-dir';
import { makePlan } from '../../helpers/plans';

let dir: string;
let state: State;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-job-log-'));
  state = openState(join(dir, 'state'));
  state.store.createBuild({ id: 'b-0001', project: dir, createdAt: 1, plan: makePlan({ 'p/a': {}, 'p/b': {}, 'p/c': {} }), options: { noCache: false, only: [] } });
});

afterEach(() => {
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

function attempt(id: string, job: string, number: number, status: 'success' | 'failed', lines: string[]): void {
  state.store.startAttempt({ id, build: 'b-0001', job, number, agent: 'local', startedAt: number });
  for (const data of lines) state.store.appendLog({ build: 'b-0001', job, attempt: id, stream: 'stdout', data, at: number });
  state.store.finishAttempt(id, { finishedAt: number + 1, status, reason: status === 'failed' ? 'exit' : undefined, exitCode: status === 'failed' ? 2 : 0 });
  state.store.flush();
}

describe('formatJobLog', () => {
  it('prints a single attempt as it was written, with a final newline', () => {
    attempt('b-0001.a1', 'p/a', 1, 'success', ['one\n', 'two']);
    expect(formatJobLog(state.store, 'b-0001', 'p/a')).toBe('one\ntwo\n');
  });

  it('heads each attempt of a retried job, also one that printed nothing', () => {
    attempt('b-0001.a1', 'p/a', 1, 'failed', ['first\n']);
    attempt('b-0001.a2', 'p/a', 2, 'failed', []);
    attempt('b-0001.a3', 'p/a', 3, 'success', ['third']);
    expect(formatJobLog(state.store, 'b-0001', 'p/a')).toBe([
      '--- attempt 1 of 3: failed (exit 2) on local ---', 'first',
      '--- attempt 2 of 3: failed (exit 2) on local ---',
      '--- attempt 3 of 3: success (exit 0) on local ---', 'third', '',
    ].join('\n'));
  });

  it('keeps the last chunks of a long log, says how many were left out, and heads only the attempts shown', () => {
    attempt('b-0001.a1', 'p/a', 1, 'failed', ['old\n']);
    attempt('b-0001.a2', 'p/a', 2, 'failed', Array.from({ length: 5 }, (_, i) => `line ${i}\n`));
    expect(formatJobLog(state.store, 'b-0001', 'p/a', { tail: 2 })).toBe([
      '... 4 earlier chunks: farmhand logs b-0001 p/a', '--- attempt 2 of 2: failed (exit 2) on local ---', 'line 3', 'line 4', '',
    ].join('\n'));
  });

  it('points a batch member to the log of the batch, kept under its first job', () => {
    attempt('b-0001.a1', 'p/a', 1, 'success', ['batch output\n']);
    attempt('b-0001.a1#1', 'p/b', 1, 'success', []);
    expect(formatJobLog(state.store, 'b-0001', 'p/b')).toBe("(ran in a batch with p/a; the batch's output is in its log: farmhand logs b-0001 p/a)\n");
    expect(formatJobLog(state.store, 'b-0001', 'p/c')).toBe('');
    expect(formatFailedLogs(state.store, 'b-0001', [{ id: 'p/a', allowed: true }])).toBe('\n--- p/a (failed, allowed) ---\nbatch output\n');
  });
});
