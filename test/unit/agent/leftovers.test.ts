// What a dead owner left: records of running process groups and containers, and who may end them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessRecorder, endLeftoverProcesses, type LeftoverRecord } from '../../../agent/executors/leftovers';
import { processAlive, processStartTime, waitGroupGone } from '../../../agent/executors/process-group';
import { openState } from '../../../core/store/state-dir';

const groups: ChildProcess[] = [];
afterEach(() => {
  for (const child of groups.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A detached `sleep` leading its own process group, as a job's group would. */
function group(): ChildProcess {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  groups.push(child);
  return child;
}

const deadPid = (): number => spawnSync('true').pid!;

describe('endLeftoverProcesses', () => {
  it("kills a dead owner's group, leaves a live owner's, and never a group whose leader pid was reused", async () => {
    const orphan = group();
    const mine = group();
    const reused = group();
    const records: LeftoverRecord[] = [
      { attempt: 'dead', ownerPid: deadPid(), ownerStart: '1', processGroup: orphan.pid!, processGroupStart: processStartTime(orphan.pid!), since: 1 },
      { attempt: 'live', ownerPid: process.pid, ownerStart: processStartTime(process.pid), processGroup: mine.pid!, processGroupStart: processStartTime(mine.pid!), since: 2 },
      { attempt: 'reused', ownerPid: deadPid(), processGroup: reused.pid!, processGroupStart: 'another process', since: 3 },
      { attempt: 'container', ownerPid: deadPid(), container: 'abc123', since: 4 },
    ];
    const outcome = endLeftoverProcesses(records);
    expect(outcome).toEqual({ killed: ['dead'], containers: ['abc123'], forget: ['dead', 'reused', 'container'] });
    expect(await waitGroupGone(orphan.pid!, 2000)).toBe(true);
    expect(processAlive(mine.pid!, processStartTime(mine.pid!))).toBe(true);
    expect(processAlive(reused.pid!, processStartTime(reused.pid!))).toBe(true);
  });

  it('takes a live pid with another start time for a dead owner', () => {
    expect(processAlive(process.pid, processStartTime(process.pid))).toBe(true);
    expect(processAlive(process.pid, 'not-my-start')).toBe(false);
    expect(processAlive(deadPid(), undefined)).toBe(false);
  });
});

describe('createProcessRecorder', () => {
  it('records this process as owner with the group leader start time, and forgets at the end, in the store', () => {
    const dir = mkdtempSync(join(tmpdir(), 'farmhand-leftovers-'));
    const state = openState(dir);
    try {
      const leader = group();
      const recorder = createProcessRecorder({ record: (record) => state.store.recordProcess(record), forget: (attempt) => state.store.forgetProcess(attempt) }, undefined, () => 42);
      recorder.started('a1', { processGroup: leader.pid! });
      recorder.started('a2', { container: 'c2' });
      expect(state.store.listProcesses()).toEqual([
        { attempt: 'a1', ownerPid: process.pid, ownerStart: processStartTime(process.pid), processGroup: leader.pid, processGroupStart: processStartTime(leader.pid!), since: 42 },
        { attempt: 'a2', ownerPid: process.pid, ownerStart: processStartTime(process.pid), container: 'c2', since: 42 },
      ]);
      recorder.ended('a1');
      expect(state.store.listProcesses().map((record) => record.attempt)).toEqual(['a2']);
      // A live owner's records are not another start's to end.
      expect(endLeftoverProcesses(state.store.listProcesses())).toEqual({ killed: [], containers: [], forget: [] });
    } finally {
      state.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns instead of throwing when the record cannot be written', () => {
    const warnings: string[] = [];
    const recorder = createProcessRecorder({ record: () => { throw new Error('disk full'); }, forget: () => { throw new Error('closed'); } }, (message) => warnings.push(message));
    recorder.started('a1', { processGroup: 1 });
    recorder.ended('a1');
    expect(warnings).toEqual(["could not record a running job's processes: disk full", "could not record a running job's processes: closed"]);
  });
});
