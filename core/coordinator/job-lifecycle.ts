// The job lifecycle of one build as a reducer: (build state, event, now) -> effects. It moves jobs
// between states (ready, running, retry, success, failed, skipped, canceled), propagates skips to
// dependents, applies fail_fast and allow_failure, and says when a pipeline and the build are done.
// An attempt lost with its agent (or canceled by its agent, unasked) is retried up to 2 times even
// without `retry`; a job with its own `retry` follows it.
// No I/O and no timers: the time comes in as `now`, and the coordinator applies the effects to the
// store, the wire, the hooks and the event bus. A change never calls back into itself: dependents
// are worked off a list, and a cache look-up comes back as a new event.
import { slotWaitReason, type AttemptOutcome, type FarmEvent, type JobState, type WaitingInfo } from '../protocol/types';
import type { Holder } from '../schedule/types';
import type { JobPatch } from '../store/types';
import { describeOutcome } from './attempts';
import { isFinished, type BuildRun, type JobRun } from './build-run';

export type LifecycleEvent =
  /** The build was made: its jobs without needs become ready. */
  | { type: 'build_started' }
  /** The answer to a check_cache effect: `hit` says where the outputs came from. */
  | { type: 'cache_checked'; job: string; hit?: string }
  /**
   * The scheduler started these jobs as one attempt on an agent; `queued`: into one of its queue
   * places, where it waits for a slot (running, with a reason saying so, until the agent starts it).
   */
  | { type: 'attempt_started'; attempt: string; agent: string; jobs: string[]; batch?: string; queued?: boolean }
  /** The agent began running the attempt (start times come from the coordinator's clock). */
  | { type: 'attempt_running'; jobs: string[] }
  /** One member of an attempt came back; `outputsError` when a success's outputs could not be read. */
  | { type: 'attempt_finished'; job: string; outcome: AttemptOutcome; batch?: string; outputsError?: string }
  | { type: 'wait'; job: string; waiting: WaitingInfo }
  | { type: 'skip'; job: string; reason: string }
  /** A ready job that no online agent can take fails (`--agent-wait`); ignored unless it still waits for a slot. */
  | { type: 'fail_unserved'; job: string; reason: string }
  /** on_busy: cancel — a holder (a job, or `pipeline:NAME`) of this build gives way. */
  | { type: 'cancel_holder'; holder: Holder; reason: string }
  /** The whole build stops; `failure` when for a reason outside its jobs. */
  | { type: 'cancel'; reason: string; failure?: string };

/**
 * A job's state as recorded: a copy, taken when it changed. `queuedAt` is when it entered the queue
 * for a slot (its needs done); before that, when its build was made.
 */
export type JobSnapshot = { job: string } & Pick<JobRun, 'state' | 'reason' | 'agent' | 'attempts' | 'batch' | 'waiting' | 'queuedAt' | 'startedAt' | 'finishedAt' | 'exitCode'>;

export type LifecycleEffect =
  | { type: 'job_changed'; at: number; snapshot: JobSnapshot }
  /** Look the job up in the cache and answer with cache_checked. */
  | { type: 'check_cache'; job: string }
  /** Ask the agent running this attempt to stop it. */
  | { type: 'cancel_attempt'; attempt: string }
  /** The pipeline's first job runs: its on_start hook goes first. */
  | { type: 'pipeline_started'; pipeline: string; commands: string[] }
  /** Every job of the pipeline finished: release its resource group, run on_success or on_failure. */
  | { type: 'pipeline_done'; pipeline: string; resourceGroup?: string; started: boolean; failed: boolean; commands: string[] }
  | { type: 'build_done'; status: 'success' | 'failed' | 'canceled' }
  /** Something freed a slot or readied a job: the scheduler should look again. */
  | { type: 'schedule' };

/** Applies one event to the build; returns what the coordinator must do, in order. */
export function reduceJobs(build: BuildRun, event: LifecycleEvent, now: number): LifecycleEffect[] {
  const step = new Step(build, now);
  step.apply(event);
  return step.effects;
}

class Step {
  readonly effects: LifecycleEffect[] = [];

  constructor(
    private readonly build: BuildRun,
    private readonly now: number,
  ) {}

  apply(event: LifecycleEvent): void {
    const { build } = this;
    switch (event.type) {
      case 'build_started':
        for (const job of build.roots()) this.ready(job);
        break;
      case 'cache_checked': {
        const job = build.jobs.get(event.job);
        if (!job || isFinished(job.state)) break;
        if (build.canceled) this.change(job, 'canceled', 'build canceled');
        else if (event.hit !== undefined) this.change(job, 'cached', event.hit);
        else this.queue(job);
        break;
      }
      case 'attempt_started':
        this.started(event);
        break;
      case 'attempt_running':
        for (const id of event.jobs) {
          const job = build.jobs.get(id);
          if (!job) continue;
          job.startedAt = this.now;
          // Out of its queue place: shown running from now on, without the reason that it waits.
          if (job.slotWait) {
            job.slotWait = false;
            this.change(job, 'running');
          }
        }
        break;
      case 'attempt_finished': {
        const job = build.jobs.get(event.job);
        if (job) this.finished(job, event);
        break;
      }
      case 'wait': {
        const job = build.jobs.get(event.job);
        if (!job || (job.state === 'waiting' && JSON.stringify(job.waiting) === JSON.stringify(event.waiting))) break;
        job.waiting = event.waiting;
        this.change(job, 'waiting', `waiting for resource group ${event.waiting.group}`, { force: job.state === 'waiting' });
        break;
      }
      case 'skip': {
        const job = build.jobs.get(event.job);
        if (job) this.change(job, 'skipped', event.reason);
        break;
      }
      case 'fail_unserved': {
        const job = build.jobs.get(event.job);
        if (!job || !build.ready.delete(event.job)) break;
        this.change(job, 'failed', event.reason);
        break;
      }
      case 'cancel_holder': {
        const pipeline = event.holder.job.startsWith('pipeline:') ? event.holder.job.slice('pipeline:'.length) : undefined;
        for (const job of build.jobs.values()) {
          const hit = pipeline ? job.plan.pipeline === pipeline : job.plan.id === event.holder.job;
          if (hit && job.state === 'running') this.cancelRunning(job, event.reason);
        }
        break;
      }
      case 'cancel':
        if (event.failure !== undefined) build.failure = event.failure;
        build.canceled = true;
        for (const job of build.jobs.values()) {
          if (job.state === 'running') this.cancelRunning(job, event.reason);
          else if (!isFinished(job.state)) this.change(job, 'canceled', event.reason);
        }
        break;
    }
    if (build.done && !build.ended) {
      build.ended = true;
      this.effects.push({ type: 'build_done', status: build.status() });
    }
  }

  /** Members of a new attempt start running. */
  private started(event: Extract<LifecycleEvent, { type: 'attempt_started' }>): void {
    const { build } = this;
    const size = event.jobs.length;
    for (const id of event.jobs) {
      const job = build.jobs.get(id)!;
      build.ready.delete(id);
      job.attempts++;
      job.attemptId = event.attempt;
      job.agent = event.agent;
      job.batch = event.batch;
      job.startedAt = this.now;
      job.cancelReason = undefined;
      job.slotWait = event.queued === true;
      const pipeline = build.pipelines.get(job.plan.pipeline)!;
      const first = !pipeline.started;
      this.change(job, 'running', event.queued ? slotWaitReason(event.agent) : event.batch ? `in batch ${event.batch} of ${size}` : undefined);
      if (first) this.effects.push({ type: 'pipeline_started', pipeline: job.plan.pipeline, commands: pipeline.plan.onStart });
    }
  }

  /** An attempt's outcome for one job: success, a retry, or a failure (with fail_fast). */
  private finished(job: JobRun, event: Extract<LifecycleEvent, { type: 'attempt_finished' }>): void {
    const { build } = this;
    const { outcome, batch } = event;
    if (outcome.status === 'success') {
      if (event.outputsError !== undefined) this.change(job, 'failed', `could not read outputs: ${event.outputsError}`);
      else this.change(job, 'success', batch ? `in batch ${batch}` : undefined, { exitCode: outcome.exitCode ?? 0 });
      return;
    }
    const inBatch = batch ? ` (in batch ${batch})` : '';
    if (outcome.status === 'canceled' && job.cancelReason === undefined && !build.canceled) {
      // Nobody here asked: its agent stopped it (shut down). Not the job's fault: run it again, as if lost.
      return this.finished(job, { ...event, outcome: { ...outcome, status: 'failed', reason: 'agent_lost', message: outcome.message ?? 'its agent canceled it (shutting down)' } });
    }
    if (outcome.status === 'canceled') {
      this.change(job, 'canceled', (job.cancelReason ?? 'canceled') + inBatch);
      return;
    }
    const kind = outcome.reason === 'timeout' ? 'timeout' : outcome.reason === 'agent_lost' ? 'agent_lost' : 'failure';
    const retry = retryRule(job, kind);
    if (!build.canceled && job.attempts <= retry.max && retry.when.includes(kind)) {
      this.change(job, 'queued', `retry ${job.attempts}/${retry.max} after ${describeOutcome(outcome)}`);
      build.ready.add(job.plan.id);
      this.effects.push({ type: 'schedule' });
      return;
    }
    const state = outcome.reason === 'agent_lost' ? 'lost' : 'failed';
    this.change(job, state, describeOutcome(outcome) + inBatch, { exitCode: outcome.exitCode });
    const pipeline = build.pipelines.get(job.plan.pipeline)!;
    if (state === 'failed' && !job.plan.allowFailure && pipeline.plan.failFast) {
      const reason = `fail_fast: ${job.plan.id} failed`;
      for (const other of build.jobs.values()) {
        if (other.plan.pipeline !== job.plan.pipeline || isFinished(other.state)) continue;
        if (other.state === 'running') this.cancelRunning(other, reason);
        else this.change(other, 'canceled', reason);
      }
    }
  }

  /** A job's needs are all done: look it up in the cache, or queue it for a slot. */
  private ready(job: JobRun): void {
    if (this.build.canceled) this.change(job, 'canceled', 'build canceled');
    else if (job.plan.cache && !this.build.options.noCache) this.effects.push({ type: 'check_cache', job: job.plan.id });
    else this.queue(job);
  }

  private queue(job: JobRun): void {
    job.readyAt ??= this.now;
    this.build.ready.add(job.plan.id);
  }

  private cancelRunning(job: JobRun, reason: string): void {
    job.cancelReason = reason;
    if (job.attemptId) this.effects.push({ type: 'cancel_attempt', attempt: job.attemptId });
  }

  /**
   * Moves a job and records the change; a finished job frees or skips its dependents, which are
   * worked off a list here rather than by calling back in.
   */
  private change(first: JobRun, state: JobState, reason?: string, extra: { exitCode?: number; force?: boolean } = {}): void {
    const { build } = this;
    const work: { job: JobRun; state: JobState; reason?: string; exitCode?: number; force?: boolean }[] = [{ job: first, state, reason, ...extra }];
    for (let item = work.shift(); item; item = work.shift()) {
      const { job } = item;
      if (!build.setState(job, item.state, this.now, item.reason) && !item.force) continue;
      if (item.exitCode !== undefined) job.exitCode = item.exitCode;
      this.effects.push({ type: 'job_changed', at: this.now, snapshot: snapshotOf(job) });
      if (!isFinished(item.state)) continue;
      const { readyNow, skip, skipReason } = build.release(job);
      for (const dependent of skip) work.push({ job: dependent, state: 'skipped', reason: skipReason });
      for (const dependent of readyNow) {
        if (build.canceled) work.push({ job: dependent, state: 'canceled', reason: 'build canceled' });
        else this.ready(dependent);
      }
      const pipeline = build.pipelines.get(job.plan.pipeline)!;
      if (pipeline.unfinished === 0) {
        this.effects.push({
          type: 'pipeline_done', pipeline: pipeline.plan.name, resourceGroup: pipeline.plan.resourceGroup, started: pipeline.started,
          failed: pipeline.failed, commands: pipeline.failed ? pipeline.plan.onFailure : pipeline.plan.onSuccess,
        });
      }
      this.effects.push({ type: 'schedule' });
    }
  }
}

/** Retries of an attempt lost with its agent when the job sets no retry: it is not the job's fault. */
export const agentLostRetries = 2;

/** The job's retry rule; a job without one (`retry: 0` or none) is still retried when its agent was lost. */
function retryRule(job: JobRun, kind: 'timeout' | 'agent_lost' | 'failure'): { max: number; when: readonly string[] } {
  const own = job.plan.retry;
  return kind === 'agent_lost' && own.max === 0 ? { max: agentLostRetries, when: ['agent_lost'] } : own;
}

function snapshotOf(job: JobRun): JobSnapshot {
  return {
    job: job.plan.id, state: job.state, reason: job.reason, agent: job.agent, attempts: job.attempts, batch: job.batch, waiting: job.waiting,
    queuedAt: job.readyAt ?? job.queuedAt, startedAt: job.startedAt, finishedAt: job.finishedAt, exitCode: job.exitCode,
  };
}

/** The store's row patch for a recorded change. */
export function jobPatchOf(job: JobSnapshot): JobPatch {
  return {
    state: job.state, reason: job.reason ?? null, agent: job.agent ?? null, attempts: job.attempts, batch: job.batch ?? null, waiting: job.waiting ?? null,
    queuedAt: job.queuedAt, startedAt: job.startedAt ?? null, finishedAt: job.finishedAt ?? null, exitCode: job.exitCode ?? null,
  };
}

/** The event published for a recorded change. */
export function jobEventOf(build: string, job: JobSnapshot, at: number): FarmEvent {
  return {
    type: 'job', build, job: job.job, state: job.state, at, reason: job.reason, agent: job.agent, attempt: job.attempts,
    batch: job.batch, waiting: job.waiting, exitCode: job.exitCode,
  };
}
