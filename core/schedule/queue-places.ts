// Which jobs may take an agent's queue place (AgentSlots.queue): once every slot is taken, such a job is
// handed to the agent to start the moment a slot frees there, saving the round trip to the coordinator.
import type { ReadyJob } from './types';

/**
 * A job expected to take longer than this never takes a queue place, and an agent gets queue places
 * only while its jobs end within it: a job waiting behind a long one (or a job that turns out long,
 * ahead of one readied meanwhile) would lose more than the round trip a queue place saves.
 */
export const queueJobMaxMs = 100;

/**
 * True when a job may wait in a queue place: nothing it shares is counted at its assignment (no
 * resource group, batch key, or `capped` pipeline concurrency or project max_running), and it is not
 * known to be long (its estimate from earlier builds).
 */
export function mayWaitInQueuePlace(job: ReadyJob, capped: boolean): boolean {
  if (capped || job.batch || job.resourceGroup !== undefined || job.pipelineResourceGroup !== undefined) return false;
  return job.estimateMs === undefined || job.estimateMs <= queueJobMaxMs;
}
