// What a crashed owner left: every running attempt's process group (and container) is recorded with its
// owner's pid and start time while it runs; the next start ends those whose owner is dead.
import { groupMembers, processAlive, processStartTime, signalGroup } from './process-group';
import type { RunningProcess } from '../../core/protocol/types';
import type { ProcessPlace, ProcessRecorder } from './types';

/** One record, as the state dir keeps it. */
export type LeftoverRecord = RunningProcess;

/** Where records go: `farmhand run` passes the store's recordProcess / forgetProcess. */
export interface LeftoverSink {
  record(record: LeftoverRecord): void;
  forget(attempt: string): void;
}

/** A recorder that writes each attempt's place with this process as its owner; a failing write only warns. */
export function createProcessRecorder(sink: LeftoverSink, warn: (message: string) => void = () => {}, now: () => number = Date.now): ProcessRecorder {
  const ownerStart = processStartTime(process.pid);
  const safely = (what: () => void): void => {
    try {
      what();
    } catch (error) {
      warn(`could not record a running job's processes: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return {
    started(attempt: string, place: ProcessPlace) {
      const groupStart = place.processGroup === undefined ? undefined : processStartTime(place.processGroup);
      safely(() =>
        sink.record({
          attempt,
          ownerPid: process.pid,
          ...(ownerStart === undefined ? {} : { ownerStart }),
          ...(place.processGroup === undefined ? {} : { processGroup: place.processGroup }),
          ...(groupStart === undefined ? {} : { processGroupStart: groupStart }),
          ...(place.container === undefined ? {} : { container: place.container }),
          since: now(),
        }),
      );
    },
    ended(attempt: string) {
      safely(() => sink.forget(attempt));
    },
  };
}

export interface LeftoverOutcome {
  /** Attempts whose process group was still there and got SIGKILL. */
  killed: string[];
  /** Containers of dead owners: the caller removes them (it holds the Docker client). */
  containers: string[];
  /** Records whose owner is dead: the caller forgets them once their containers are removed. */
  forget: string[];
}

/**
 * Kills the process groups of records whose owner no longer runs (a pid reused by another process does
 * not count as the owner, nor a group id reused by another group), and says which containers to remove.
 * Records of a live owner (another `farmhand run`) are left alone.
 */
export function endLeftoverProcesses(records: readonly LeftoverRecord[]): LeftoverOutcome {
  const outcome: LeftoverOutcome = { killed: [], containers: [], forget: [] };
  for (const record of records) {
    if (processAlive(record.ownerPid, record.ownerStart)) continue;
    outcome.forget.push(record.attempt);
    if (record.container) outcome.containers.push(record.container);
    const group = record.processGroup;
    if (group === undefined || !sameGroup(group, record.processGroupStart)) continue;
    if (signalGroup(group, 'SIGKILL')) outcome.killed.push(record.attempt);
  }
  return outcome;
}

/**
 * True when group `pgid` still holds processes of the recorded group: its leader runs with the recorded
 * start time, or the leader is gone and members are left (the kernel does not hand out a pid that is
 * still some group's id, so those members are the recorded group's).
 */
function sameGroup(pgid: number, leaderStart: string | undefined): boolean {
  const leaderNow = processStartTime(pgid);
  if (leaderNow !== undefined) return leaderStart !== undefined && leaderNow === leaderStart;
  const members = groupMembers(pgid);
  return members === undefined ? false : members.length > 0;
}

/** The records of a state dir: `farmhand run` passes its store's listProcesses / recordProcess / forgetProcess. */
export interface LeftoverStore extends LeftoverSink {
  list(): LeftoverRecord[];
}

/**
 * Before a coordinator runs anything: kills the process groups and removes the containers that a dead
 * owner left running, forgets their records, and says how many jobs it ended (0 for none).
 */
export async function endLeftovers(store: LeftoverStore): Promise<number> {
  const outcome = endLeftoverProcesses(store.list());
  if (outcome.containers.length > 0) {
    const { defaultDocker, removeContainers } = await import('./docker-engine');
    await removeContainers(defaultDocker(), outcome.containers).catch(() => undefined);
  }
  for (const attempt of outcome.forget) store.forget(attempt);
  return outcome.killed.length + outcome.containers.length;
}
