// The in-memory state of one build while it runs: job states, what is ready, what a finished
// job frees or skips. No I/O: the coordinator persists and publishes what this returns.
import type { Plan, PlannedJob, PlannedPipeline } from '../plan/types';
import { finishedJobStates, type JobState, type WaitingInfo } from '../protocol/types';
import type { BuildOptions } from '../store/types';
import type { ReadyJob } from '../schedule/types';
import { ReadySet } from './scheduler-input';

export interface JobRun {
  plan: PlannedJob;
  state: JobState;
  reason?: string;
  /** First time all needs were done; kept across retries. */
  readyAt?: number;
  attempts: number;
  attemptId?: string;
  agent?: string;
  batch?: string;
  waiting?: WaitingInfo;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** Needs not finished yet. */
  pendingNeeds: number;
  /** The scheduler's view of this job while it is ready (made once). */
  scheduling?: ReadyJob;
  /** Why a cancel was asked for, reported when the attempt comes back canceled. */
  cancelReason?: string;
  /** Its attempt waits in an agent's queue place for a slot (job-lifecycle.ts). */
  slotWait?: boolean;
  dependents: string[];
}

export interface PipelineRun {
  plan: PlannedPipeline;
  running: number;
  unfinished: number;
  failed: boolean;
  started: boolean;
}

const finished = new Set<JobState>(finishedJobStates);

/** True for states a job never leaves. */
export const isFinished = (state: JobState): boolean => finished.has(state);

/** A state change to persist and publish. */
export interface JobChange {
  job: JobRun;
  previous: JobState;
}

export class BuildRun {
  readonly jobs = new Map<string, JobRun>();
  readonly pipelines = new Map<string, PipelineRun>();
  /** Ready job ids; a ReadySet so that the scheduler's queues follow it. */
  readonly ready: Set<string> = new ReadySet();
  canceled = false;
  /** Its jobs that need a resource group (found once), for the scheduler's upcoming waiters. */
  groupJobs?: JobRun[];
  /** Set when the build had to stop for a reason outside its jobs (the store refused writes). */
  failure?: string;
  /** Set once its end was reported (the lifecycle says build_done once). */
  ended = false;
  private unfinished: number;

  constructor(
    readonly id: string,
    readonly order: number,
    readonly root: string,
    readonly plan: Plan,
    readonly options: BuildOptions,
    readonly createdAt: number,
  ) {
    for (const pipeline of plan.pipelines) {
      this.pipelines.set(pipeline.name, { plan: pipeline, running: 0, unfinished: pipeline.jobs.length, failed: false, started: false });
    }
    for (const job of plan.jobs) {
      this.jobs.set(job.id, { plan: job, state: 'queued', attempts: 0, queuedAt: createdAt, pendingNeeds: job.needs.length, dependents: [] });
    }
    for (const job of plan.jobs) for (const need of job.needs) this.jobs.get(need)?.dependents.push(job.id);
    this.unfinished = plan.jobs.length;
  }

  /** Jobs with no needs: ready at the start. */
  roots(): JobRun[] {
    return [...this.jobs.values()].filter((job) => job.pendingNeeds === 0);
  }

  get done(): boolean {
    return this.unfinished === 0;
  }

  /** Moves a job to a new state; returns the change, or undefined if it was already there. */
  setState(job: JobRun, state: JobState, at: number, reason?: string): JobChange | undefined {
    const previous = job.state;
    if (previous === state && job.reason === reason) return undefined;
    if (isFinished(previous)) return undefined;
    job.state = state;
    job.reason = reason;
    const pipeline = this.pipelines.get(job.plan.pipeline)!;
    if (state === 'running' && previous !== 'running') {
      pipeline.running++;
      pipeline.started = true;
    }
    if (previous === 'running' && state !== 'running') pipeline.running--;
    if (state !== 'waiting') job.waiting = undefined;
    if (isFinished(state)) {
      job.finishedAt = at;
      this.ready.delete(job.plan.id);
      this.unfinished--;
      pipeline.unfinished--;
      if ((state === 'failed' && !job.plan.allowFailure) || state === 'lost') pipeline.failed = true;
    }
    return { job, previous };
  }

  /**
   * After a job finished: dependents whose needs are now all done, and, when it did not succeed,
   * the unfinished dependents to skip at once (with the reason).
   */
  release(job: JobRun): { readyNow: JobRun[]; skip: JobRun[]; skipReason: string } {
    const ok = job.state === 'success' || job.state === 'cached' || (job.state === 'failed' && job.plan.allowFailure);
    const readyNow: JobRun[] = [];
    const skip: JobRun[] = [];
    for (const id of job.dependents) {
      const dependent = this.jobs.get(id)!;
      dependent.pendingNeeds--;
      if (isFinished(dependent.state)) continue;
      if (!ok) skip.push(dependent);
      else if (dependent.pendingNeeds === 0) readyNow.push(dependent);
    }
    const skipReason = `needs ${job.plan.id}, which ${job.state === 'skipped' ? 'was skipped' : job.state === 'lost' ? 'was lost' : job.state}`;
    return { readyNow, skip, skipReason };
  }

  /** Final status once every job has finished: any real failure fails it; a job canceled by another build cancels it. */
  status(): 'success' | 'failed' | 'canceled' {
    if (this.failure !== undefined) return 'failed';
    if (this.canceled) return 'canceled';
    const states = [...this.jobs.values()];
    if (states.some((job) => (job.state === 'failed' && !job.plan.allowFailure) || job.state === 'lost')) return 'failed';
    if (states.some((job) => job.state === 'canceled')) return 'canceled';
    return 'success';
  }
}
