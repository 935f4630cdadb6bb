// An attempt's start and end on an agent: its id, its resource holds, its store rows (and, on a LAN
// agent, the record a restarted coordinator recognises it by), the lifecycle events of its jobs, its
// pipeline's on_start hook before the assignment goes out, and at its end the outputs it reported
// handed to the cache. What decides that it starts (a scheduling round) is the coordinator's.
import type { AttemptOutcome } from '../protocol/types';
import type { Decision } from '../schedule/types';
import { attemptRowId, type ArtifactStore, type Store } from '../store/types';
import { countRun, type AgentSession, type Attempt } from './agent-sessions';
import { attemptSpecOf } from './attempts';
import type { BuildRun } from './build-run';
import type { HookChains } from './hooks';
import type { LifecycleEvent } from './job-lifecycle';
import { cacheOutputs, reportedOutputs } from './outputs';
import type { ResourceHolds } from './resource-holds';
import { finishRows } from './resume';

/** What starting and ending attempts reach of the coordinator. */
export interface AttemptRunsHost {
  store: Store;
  artifacts: ArtifactStore;
  holds: ResourceHolds;
  hooks: HookChains;
  /** Attempts on LAN agents may be taken over by the next coordinator (--resumable). */
  resumable: boolean;
  now(): number;
  warn(message: string): void;
  dispatch(build: BuildRun, event: LifecycleEvent): void;
  requestRound(): void;
}

export class AttemptRuns {
  private counter = 0;

  constructor(private readonly host: AttemptRunsHost) {}

  /** Attempt ids go on after the highest one a re-opened build used. */
  continueAfter(highest: number): void {
    this.counter = Math.max(this.counter, highest);
  }

  /** Starts a scheduler's start decision on the agent: recorded, then assigned once its pipeline's on_start hook is done. */
  start(agent: AgentSession, build: BuildRun, decision: Extract<Decision, { type: 'start' }>): void {
    const { host } = this;
    const members = decision.members.map((ref) => build.jobs.get(ref.job)!);
    const id = `${build.id}.a${++this.counter}`;
    const batch = members.length > 1 ? `${build.id}.batch${this.counter}` : undefined;
    for (const { group, holder } of decision.acquire) host.holds.add(group, holder, host.now());
    const attempt: Attempt = { id, build, members, batch, acquired: decision.acquire, lastSeq: 0, queued: decision.queued };
    agent.attempts.set(id, attempt);
    const at = host.now();
    // On a LAN agent: recorded so that a restarted coordinator recognises it (resume.ts).
    if (agent.sendsHeartbeats) host.store.recordRemoteAttempt({ attempt: id, build: build.id, agent: agent.info.id, jobs: members.map((job) => job.plan.id), batch, resumable: host.resumable, startedAt: at });
    members.forEach((job, index) => {
      host.store.startAttempt({ id: attemptRowId(id, index), build: build.id, job: job.plan.id, number: job.attempts + 1, agent: agent.info.name, startedAt: at });
    });
    host.dispatch(build, { type: 'attempt_started', attempt: id, agent: agent.info.name, jobs: members.map((job) => job.plan.id), batch, queued: decision.queued });
    const assign = () => {
      // Canceled while its pipeline's on_start ran: it never reaches the agent.
      if (agent.attempts.get(id) !== attempt) return;
      if (members.some((job) => job.cancelReason !== undefined)) return this.end(agent, id, { status: 'canceled', reason: 'canceled' });
      agent.channel.send({ type: 'assign', attempt: attemptSpecOf(id, build, members, batch) });
    };
    // A pipeline's jobs start after its on_start hook has finished.
    const hooks = host.hooks.chainOf(build.id, members[0]!.plan.pipeline);
    if (hooks) void hooks.then(assign);
    else assign();
  }

  /** Ends an attempt of this agent with its outcome (an agent's result, or its loss); unknown ids are ignored. */
  end(agent: AgentSession, attemptId: string, outcome: AttemptOutcome): void {
    const { host } = this;
    const attempt = agent.attempts.get(attemptId);
    if (!attempt) return;
    agent.attempts.delete(attemptId);
    if (agent.sendsHeartbeats) host.store.forgetRemoteAttempt(attemptId);
    const { build } = attempt;
    for (const { group, holder } of attempt.acquired) if (!holder.job.startsWith('pipeline:')) host.holds.remove(group, holder);
    const at = host.now();
    countRun(agent, attempt, at);
    // One that waited in a queue place counts from its start, not its assignment (durations weight priorities).
    finishRows(host.store, attempt.id, attempt.members.length, outcome, at, attempt.queued ? attempt.startedAt : undefined);
    attempt.members.forEach((job, index) => {
      let outputsError: string | undefined;
      if (outcome.status === 'success') {
        // The agent described the outputs where the job ran; the coordinator stores what it lacks.
        const outputs = reportedOutputs(agent.info.name, job.plan.outputs, outcome);
        if (typeof outputs === 'string') outputsError = outputs;
        else host.hooks.keep(build.id, cacheOutputs(host, build.root, { key: job.plan.key, build: build.id, job: job.plan.id, cache: job.plan.cache }, outputs));
      }
      host.dispatch(build, { type: 'attempt_finished', job: job.plan.id, outcome, batch: attempt.batch, outputsError });
      // A success whose outputs could not be read is a failed attempt too: attempt and job agree.
      if (outputsError !== undefined) host.store.finishAttempt(attemptRowId(attempt.id, index), { finishedAt: at, status: 'failed', reason: 'error', exitCode: outcome.exitCode });
    });
    host.requestRound();
  }
}
