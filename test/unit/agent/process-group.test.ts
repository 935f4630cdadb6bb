// Finding what a job left in its process group: the few pids handed out since the job started are
// read one by one (membersSince) instead of listing /proc; both must agree with a full listing.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { groupMembers, membersSince, signalGroup } from '../../../agent/executors/process-group';

const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
  }
});

/** A group of its own: a shell that starts two sleeps in the background and waits. */
async function group(): Promise<number> {
  const child = spawn('/bin/sh', ['-c', 'sleep 30 & sleep 30 & echo ready; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child.pid!;
}

describe.runIf(process.platform === 'linux')('membersSince', () => {
  it('finds the members a full /proc listing finds, from the pids handed out since the leader', async () => {
    const leader = await group();
    const probed = membersSince(leader, leader);
    expect(probed).toBeDefined();
    expect(probed!.sort()).toEqual(groupMembers(leader)!.sort());
    expect(probed).toHaveLength(3);
  });

  it('sees nothing of a group once it is gone', async () => {
    const leader = await group();
    signalGroup(leader, 'SIGKILL');
    await new Promise((resolve) => started[0]!.once('exit', resolve));
    await expect.poll(() => membersSince(leader, leader)).toEqual([]);
  });

  it('refuses a range it cannot trust: a first pid past the last one handed out', () => {
    expect(membersSince(process.pid, 1 << 30)).toBeUndefined();
  });
});
