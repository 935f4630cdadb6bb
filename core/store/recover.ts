// What a coordinator does on start with builds that a previous coordinator left unfinished.
import { finishedJobStates } from '../protocol/types';
import { attemptRowId, type Store } from './types';

/** `requeue` runs interrupted jobs again; `lost` marks them lost (for jobs that must not run twice). */
export type RecoveryPolicy = 'requeue' | 'lost';

export interface RecoveredBuild {
  build: string;
  requeued: string[];
  lost: string[];
}

/**
 * Puts the jobs of every unfinished build back into a state a new coordinator can drive: running and
 * waiting jobs become `queued` or `lost` (per policy), open attempts are finished as lost (`agent_lost`),
 * and resource-group holders of those jobs are released. Finished and queued jobs, and the builds'
 * own status, are left for the coordinator to decide on.
 */
export function recoverBuilds(store: Store, policy: RecoveryPolicy, at: number, scope: RecoveryScope = {}): RecoveredBuild[] {
  const results: RecoveredBuild[] = [];
  const released = new Set<string>();
  for (const build of store.unfinishedBuilds()) {
    if (scope.builds && !scope.builds(build.id)) continue;
    const result: RecoveredBuild = { build: build.id, requeued: [], lost: [] };
    for (const job of store.listJobs(build.id)) {
      if (finishedJobStates.includes(job.state) || job.state === 'queued') continue;
      if (scope.keepJobs?.has(`${build.id}\0${job.id}`)) continue;
      if (policy === 'requeue') {
        store.updateJob(build.id, job.id, { state: 'queued', reason: 'coordinator restarted', agent: null, waiting: null, startedAt: null, queuedAt: at }, at);
        result.requeued.push(job.id);
      } else {
        store.updateJob(build.id, job.id, { state: 'lost', reason: 'coordinator restarted while running', waiting: null, finishedAt: at }, at);
        result.lost.push(job.id);
      }
      released.add(`${build.id}\0${job.id}`);
    }
    for (const attempt of store.listAttempts(build.id)) {
      if (attempt.finishedAt !== undefined || scope.keepAttempts?.has(attempt.id)) continue;
      store.finishAttempt(attempt.id, { finishedAt: at, status: 'lost', reason: 'agent_lost' });
    }
    results.push(result);
  }
  releaseHolders(store, (holder) => released.has(`${holder.build}\0${holder.job}`));
  store.flush();
  return results;
}

/** Which builds to recover, and the remote attempts (and their jobs) left running in them. */
export interface RecoveryScope {
  builds?: (id: string) => boolean;
  keepAttempts?: Set<string>;
  /** `build\0job` */
  keepJobs?: Set<string>;
}

/**
 * For a new `farmhand serve` (or app): the unfinished builds of a dead resumable owner that have
 * attempts open on LAN agents. Those are kept for the coordinator to re-open: their remote attempts
 * stay running; their other running or waiting jobs are requeued (local attempts lost).
 */
export function resumableBuilds(store: Store, at: number): string[] {
  const open = new Map<string, Set<string>>();
  const remote = store.listRemoteAttempts().filter((row) => row.resumable);
  const unfinished = new Set(store.unfinishedBuilds().map((build) => build.id));
  const keepAttempts = new Set<string>();
  const keepJobs = new Set<string>();
  for (const row of remote) {
    if (!unfinished.has(row.build)) continue;
    if (!open.has(row.build)) open.set(row.build, new Set(store.listAttempts(row.build).filter((attempt) => attempt.finishedAt === undefined).map((attempt) => attempt.id)));
    if (!open.get(row.build)!.has(row.attempt)) continue;
    row.jobs.forEach((job, index) => {
      keepAttempts.add(attemptRowId(row.attempt, index));
      keepJobs.add(`${row.build}\0${job}`);
    });
  }
  const builds = [...open.keys()].filter((build) => [...keepJobs].some((key) => key.startsWith(`${build}\0`)));
  const chosen = new Set(builds);
  recoverBuilds(store, 'requeue', at, { builds: (id) => chosen.has(id), keepAttempts, keepJobs });
  return builds;
}

export interface ClosedBuild extends RecoveredBuild {
  canceled: string[];
}

/**
 * Ends every unfinished build for good (the local `farmhand run`, which starts a new build instead
 * of resuming): running jobs become `lost`, jobs that never started `canceled`, every resource-group
 * hold of the build (a pipeline's too) is released, and the build is `failed`.
 */
export function closeAbandonedBuilds(store: Store, at: number, keep: readonly string[] = []): ClosedBuild[] {
  const closed: ClosedBuild[] = [];
  for (const recovered of recoverBuilds(store, 'lost', at, { builds: (id) => !keep.includes(id) })) {
    const canceled: string[] = [];
    for (const job of store.listJobs(recovered.build)) {
      if (job.state !== 'queued') continue;
      store.updateJob(recovered.build, job.id, { state: 'canceled', reason: 'the coordinator stopped before it ran' }, at);
      canceled.push(job.id);
    }
    store.updateBuild(recovered.build, { status: 'failed', finishedAt: at });
    closed.push({ ...recovered, canceled });
  }
  const ended = new Set(closed.map((build) => build.build));
  releaseHolders(store, (holder) => ended.has(holder.build));
  store.flush();
  return closed;
}

/** Removes the holders that match, one row at a time. */
function releaseHolders(store: Store, release: (holder: { build: string; job: string }) => boolean): void {
  for (const holder of store.listHolders()) {
    if (release(holder)) store.removeHolder(holder.group, holder.build, holder.job);
  }
}
