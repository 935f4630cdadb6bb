// What a coordinator does on start with builds that a previous coordinator left unfinished.
import { finishedJobStates } from '../protocol/types';
import type { Store } from './types';

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
export function recoverBuilds(store: Store, policy: RecoveryPolicy, at: number): RecoveredBuild[] {
  const results: RecoveredBuild[] = [];
  const released = new Set<string>();
  for (const build of store.unfinishedBuilds()) {
    const result: RecoveredBuild = { build: build.id, requeued: [], lost: [] };
    for (const job of store.listJobs(build.id)) {
      if (finishedJobStates.includes(job.state) || job.state === 'queued') continue;
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
      if (attempt.finishedAt !== undefined) continue;
      store.finishAttempt(attempt.id, { finishedAt: at, status: 'lost', reason: 'agent_lost' });
    }
    results.push(result);
  }
  releaseHolders(store, (holder) => released.has(`${holder.build}\0${holder.job}`));
  store.flush();
  return results;
}

export interface ClosedBuild extends RecoveredBuild {
  canceled: string[];
}

/**
 * Ends every unfinished build for good (the local `farmhand run`, which starts a new build instead
 * of resuming): running jobs become `lost`, jobs that never started `canceled`, every resource-group
 * hold of the build (a pipeline's too) is released, and the build is `failed`.
 */
export function closeAbandonedBuilds(store: Store, at: number): ClosedBuild[] {
  const closed: ClosedBuild[] = [];
  for (const recovered of recoverBuilds(store, 'lost', at)) {
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
