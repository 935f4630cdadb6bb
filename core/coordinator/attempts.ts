// Turning a start decision into what an agent runs, and an outcome into words for the user.
import type { AttemptOutcome, AttemptSpec } from '../protocol/types';
import type { BuildRun, JobRun } from './build-run';

/** The attempt an agent runs for these members (one job, or a batch led by the first). */
export function attemptSpecOf(id: string, build: BuildRun, members: JobRun[], batch?: string): AttemptSpec {
  const lead = members[0]!.plan;
  const env: Record<string, string> = { ...lead.env, FARMHAND: 'true', FARMHAND_BUILD_ID: build.id, FARMHAND_PIPELINE: lead.pipeline, FARMHAND_JOB: lead.name, FARMHAND_JOB_ID: lead.id };
  if (batch) {
    // The format's contract: member job names, one a line; the full ids too, for batches that span pipelines.
    env.FARMHAND_BATCH = members.map((job) => job.plan.name).join('\n');
    env.FARMHAND_BATCH_IDS = members.map((job) => job.plan.id).join('\n');
    env.FARMHAND_BATCH_SIZE = String(members.length);
  }
  return {
    id, build: build.id, job: lead.id, run: lead.run, image: lead.image, pool: lead.pool, env, workingDirectory: lead.workingDirectory,
    timeoutMs: lead.timeoutMs, workspace: { kind: 'local', root: build.root },
    outputs: [...new Set(members.flatMap((job) => job.plan.outputs))],
    batch: batch ? { id: batch, members: members.map((job) => job.plan.id) } : undefined,
  };
}

/** One phrase for why an attempt did not succeed. */
export function describeOutcome(outcome: AttemptOutcome): string {
  if (outcome.message) return outcome.message;
  switch (outcome.reason) {
    case 'exit':
      return `exit code ${outcome.exitCode}`;
    case 'timeout':
      return 'timed out';
    case 'oom':
      return 'killed: out of memory';
    case 'agent_lost':
      return 'agent lost';
    default:
      return outcome.reason ?? 'failed';
  }
}
