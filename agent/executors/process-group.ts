// Process groups of jobs: signalling a whole group (so a job's children and grandchildren go with it),
// waiting until it is gone, and a lifeline that kills it when the coordinator dies without a word.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Sends `signal` to every process in group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Sends `signal` to one process; false when it no longer exists. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Resolves true once group `pgid` has no running member, or false when it still has one after `withinMs`. */
export async function waitGroupGone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!signalGroup(pgid, 0)) return true;
    const members = groupMembers(pgid);
    if (members !== undefined && members.length === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolves true once group `pgid` has no live member other than `except` that is new since `before` (a
 * `processIds()` taken when the job started: what ran then cannot be the job's), false when one is still
 * there after `withinMs`, undefined at once when it cannot tell (no /proc).
 */
export async function waitMembersGone(pgid: number, except: number, before: ReadonlySet<string> | undefined, withinMs: number, firstPid?: number): Promise<boolean | undefined> {
  if (before === undefined) return undefined;
  const deadline = Date.now() + withinMs;
  for (;;) {
    const members = (firstPid !== undefined ? membersSince(pgid, firstPid) : undefined) ?? groupMembers(pgid, before);
    if (members === undefined) return undefined;
    if (members.every((pid) => pid === except)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Pids the kernel handed out since a job started, up to which they are looked at one by one. */
const probeLimit = 256;

/**
 * The live members of group `pgid` among the pids handed out from `firstPid` (a job's first process)
 * to the last one the kernel gave (/proc/loadavg's last field, in this pid namespace): a few stat reads
 * instead of a listing of /proc. undefined when that range cannot be trusted (the pids went round, or
 * too many were handed out since): the caller lists /proc then.
 */
export function membersSince(pgid: number, firstPid: number): number[] | undefined {
  let last: number;
  try {
    last = Number(readFileSync('/proc/loadavg', 'latin1').trim().split(' ').pop());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(last) || last < firstPid || last - firstPid > probeLimit) return undefined;
  const members: number[] = [];
  for (let pid = firstPid; pid <= last; pid++) {
    // Most of them are gone already (the job's own subshell, reaped): one stat says so, no file read
    // (and no thrown error, as process.kill(pid, 0) would make).
    if (existsSync(`/proc/${pid}`) && isLiveMember(pid, pgid)) members.push(pid);
  }
  return members;
}

/** The last listing of /proc taken by processIds, and when. */
let latest: { at: number; ids: Set<string> } | undefined;

/** The pids in /proc now (as its entry names), or undefined without /proc. Cheap: no file is read. */
export function processIds(): Set<string> | undefined {
  try {
    const ids = new Set(readdirSync('/proc'));
    latest = { at: Date.now(), ids };
    return ids;
  } catch {
    return undefined;
  }
}

/**
 * The pids that ran at some moment in the last `withinMs`: a listing taken that recently is reused
 * instead of listing /proc again (a job's start takes one per job otherwise). What ran before a job
 * started cannot be the job's; a pid freed and handed out again within a second would need the kernel
 * to go round its whole pid range in that second.
 */
export function recentProcessIds(withinMs = 1000): Set<string> | undefined {
  if (latest && Date.now() - latest.at <= withinMs) return latest.ids;
  return processIds();
}

/**
 * The live (not zombie) members of group `pgid`, skipping the pids in `skip`, from /proc; undefined
 * without /proc (macOS). Orphans of a killed job are re-parented to PID 1, which may reap them seconds
 * later, so a zombie does not count.
 */
export function groupMembers(pgid: number, skip?: ReadonlySet<string>): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (skip?.has(entry)) continue;
    const pid = Number(entry);
    if (Number.isInteger(pid) && isLiveMember(pid, pgid)) members.push(pid);
  }
  return members;
}

/** True when `pid` runs (not a zombie) in group `pgid`. */
function isLiveMember(pid: number, pgid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X';
}

/**
 * A process's identity beyond its pid: its start time in clock ticks since boot (/proc/PID/stat field 22),
 * so a pid reused by a new process is not mistaken for the old one. undefined when it does not run
 * (or there is no /proc).
 */
export function processStartTime(pid: number): string | undefined {
  const fields = statFields(pid);
  if (!fields || fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

/** True while the process that had `pid` and `startTime` runs. Without /proc, only the pid is checked. */
export function processAlive(pid: number, startTime: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = processStartTime(pid);
  if (now !== undefined) return startTime === undefined || now === startTime;
  if (existsProc()) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces): state ppid pgrp session ... */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function existsProc(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

/** Ends a lifeline: the group it guards is killed (nothing of it may outlive its owner) and the lifeline exits. */
export interface Lifeline {
  release(): void;
}

/**
 * Starts a small shell, outside the group, that reads a pipe from this process and SIGKILLs group `pgid`
 * when the pipe closes: on release(), or when this process dies in any way (kill -9 included), since the
 * kernel closes its end of the pipe then.
 */
export function startLifeline(pgid: number, shell = '/bin/sh'): Lifeline {
  const script = 'while read -r line; do :; done; kill -s KILL -- "-$1" 2>/dev/null; exit 0';
  const guard = spawn(shell, ['-c', script, 'farmhand-lifeline', String(pgid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  guard.on('error', () => {});
  guard.stdin!.on('error', () => {});
  // The guard must not keep this process alive by itself: release() is what ends it in an orderly close.
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void }).unref?.();
  return { release: () => guard.stdin!.end() };
}

/** The direct children of `pid` (Linux /proc), or undefined when that cannot be read. */
export function childrenOf(pid: number): number[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return undefined;
  }
}

/** True when process `pid` ignores SIGTERM (its SigIgn mask in /proc); false when unknown. */
export function ignoresTerm(pid: number): boolean {
  try {
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n; // SIGTERM is signal 15: bit 14
  } catch {
    return false;
  }
}
