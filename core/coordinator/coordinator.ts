// The coordinator: the build API (start, cancel, fail all, finished), scheduling rounds, and applying
// what the job lifecycle (job-lifecycle.ts) decides to the store, the agents' channels, the hooks and
// the event outbox. Agent sessions (and what their changes do: session-events.ts), an attempt's start
// and end (attempt-runs.ts), resource holds, hooks and the outbox each live in their own module.
import type { AgentMessage, Channel, CoordinatorMessage, FarmEvent } from '../protocol/types';
import { schedule } from '../schedule/schedule';
import type { Decision } from '../schedule/types';
import { AgentSessions, queuePlaces, type AgentSession, type Attempt } from './agent-sessions';
import { AttemptRuns } from './attempt-runs';
import { BuildRun } from './build-run';
import { jobEventOf, jobPatchOf, reduceJobs, type JobSnapshot, type LifecycleEffect, type LifecycleEvent } from './job-lifecycle';
import { EventOutbox } from './event-outbox';
import { HookChains } from './hooks';
import { mustPublishWait, plainGroups, ResourceHolds, scopedGroup, splitGroup } from './resource-holds';
import { SchedulerInputs } from './scheduler-input';
import { SchedulingRounds } from './scheduling-rounds';
import { agentLost, sessionHandlers } from './session-events';
import type { Coordinator, CoordinatorOptions, LiveAgent, StartBuildRequest } from './types';
import { restoreOutputs } from './outputs';
import { defaultAgentLostAfterMs } from '../spec/settings';
import { RemoteOrphans, reopenBuild } from './resume';

export type { Clock, Coordinator, CoordinatorOptions, HookRequest, StartBuildRequest } from './types';

/** Creates a coordinator around a store; agents attach to it, builds start on it. */
export function createCoordinator(options: CoordinatorOptions): Coordinator {
  return new CoordinatorImpl(options);
}

class CoordinatorImpl implements Coordinator {
  private readonly builds = new Map<string, BuildRun>();
  private readonly sessions: AgentSessions;
  private readonly holds: ResourceHolds;
  private readonly outbox: EventOutbox;
  private readonly hooks: HookChains;
  private readonly inputs = new SchedulerInputs();
  /** Builds whose jobs are done but whose hooks or output storage still run: finished() waits for them. */
  private readonly ending = new Set<string>();
  private readonly waiters = new Map<string, ((status: 'success' | 'failed' | 'canceled') => void)[]>();
  private buildOrder = 0;
  private readonly rounds: SchedulingRounds;
  private readonly orphans: RemoteOrphans;
  private readonly attempts: AttemptRuns;

  constructor(private readonly options: CoordinatorOptions) {
    const warn = (message: string) => this.warn(message);
    this.holds = new ResourceHolds(options.store);
    this.outbox = new EventOutbox(options.store, options.clock, options.eventDelayMs ?? 15, warn);
    this.hooks = new HookChains(options.runHook, warn);
    this.rounds = new SchedulingRounds(options.clock, () => this.tick());
    this.attempts = new AttemptRuns({
      ...this.context, holds: this.holds, hooks: this.hooks, resumable: options.resumable ?? false,
      dispatch: (build, event) => this.dispatch(build, event), requestRound: () => this.rounds.request(),
    });
    // A re-opened attempt whose agent never came back ends as its agent's loss would (resume.ts).
    const lost = (attempt: Attempt, name: string, why: string) => this.attempts.end({ info: { name }, attempts: new Map([[attempt.id, attempt]]) } as AgentSession, attempt.id, agentLost(name, why));
    this.orphans = new RemoteOrphans({ ...this.context, clock: options.clock, lost });
    this.sessions = new AgentSessions(
      { clock: options.clock, name: options.name ?? 'farmhand', warn, silenceMs: options.agentSilenceMs ?? defaultAgentLostAfterMs },
      sessionHandlers({
        store: options.store,
        orphans: this.orphans,
        now: () => this.now,
        warn,
        publish: (event) => this.publish(event),
        requestRound: () => this.rounds.request(),
        running: (attempt) => this.dispatch(attempt.build, { type: 'attempt_running', jobs: attempt.members.map((job) => job.plan.id) }),
        result: (session, attempt, outcome) => this.attempts.end(session, attempt, outcome),
      }),
    );
  }

  /** Takes over builds a dead owner left with attempts on LAN agents; other remote attempts feed the cache. */
  resume(builds: string[]): void {
    for (const id of builds) {
      const reopened = reopenBuild(this.options.store, id, this.buildOrder++, this.now);
      if (!reopened) continue;
      const { build } = reopened;
      this.attempts.continueAfter(reopened.highestAttempt);
      this.builds.set(id, build);
      this.hooks.open(id);
      this.orphans.expect(reopened.attempts, build.plan.agentLostAfterMs ?? this.options.agentSilenceMs ?? defaultAgentLostAfterMs);
      this.publish({ type: 'build', build: id, state: 'running', at: this.now });
      if (build.done) this.endBuild(build, build.status());
    }
    this.orphans.load(new Set(builds));
    this.rounds.request();
  }

  settleOrphans(timeoutMs: number): Promise<void> {
    return this.orphans.settle(timeoutMs);
  }

  /** What storing outputs needs (outputs.ts, resume.ts). */
  private get context() {
    return { store: this.options.store, artifacts: this.options.artifacts, warn: (message: string) => this.warn(message), now: () => this.now };
  }

  private get now(): number {
    return this.options.clock.now();
  }

  private warn(message: string): void {
    this.options.warn?.(message);
  }

  subscribe(listener: (event: FarmEvent) => void): () => void {
    return this.outbox.subscribe(listener);
  }

  flushEvents(): void {
    this.outbox.deliver();
  }

  private publish(event: FarmEvent): void {
    this.outbox.publish(event);
  }

  attachAgent(channel: Channel<AgentMessage, CoordinatorMessage>): void {
    this.sessions.attach(channel);
  }

  /** The agents that get work now, with the slots they fill (a batch fills one) and when each was last heard. */
  liveAgents(): LiveAgent[] {
    // Attempts in its queue places are not running yet: it runs at most its slots.
    return [...this.sessions.live.values()].map((agent) => ({ info: agent.info, running: Math.min(agent.attempts.size, agent.info.slots), heardAt: agent.heardAt, state: agent.state }));
  }

  startBuild(request: StartBuildRequest): string {
    const { store } = this.options;
    const id = store.nextBuildId();
    const at = this.now;
    const build = new BuildRun(id, this.buildOrder++, request.root, request.plan, request.options, at);
    store.createBuild({ id, project: request.root, plan: request.plan, options: request.options, createdAt: at, startedAt: at, status: 'running' });
    this.builds.set(id, build);
    this.hooks.open(id);
    this.publish({ type: 'build', build: id, state: 'running', at });
    for (const job of build.jobs.values()) this.publish({ type: 'job', build: id, job: job.plan.id, state: 'queued', at });
    this.dispatch(build, { type: 'build_started' });
    this.rounds.request();
    return id;
  }

  cancelBuild(id: string, reason = 'build canceled'): boolean {
    const build = this.builds.get(id);
    if (!build || build.canceled) return false;
    this.dispatch(build, { type: 'cancel', reason });
    return true;
  }

  failAll(reason: string): void {
    for (const build of [...this.builds.values()]) {
      if (build.failure === undefined) this.dispatch(build, { type: 'cancel', reason, failure: reason });
    }
  }

  failReady(buildId: string, jobId: string, reason: string): boolean {
    const build = this.builds.get(buildId);
    if (!build || !build.ready.has(jobId)) return false;
    this.dispatch(build, { type: 'fail_unserved', job: jobId, reason });
    return true;
  }

  finished(id: string): Promise<'success' | 'failed' | 'canceled'> {
    const record = this.options.store.getBuildInfo(id);
    if (!this.builds.has(id) && record && (record.status === 'success' || record.status === 'failed' || record.status === 'canceled')) {
      return Promise.resolve(record.status);
    }
    if (!this.builds.has(id) && !this.ending.has(id) && !this.hooks.isOpen(id)) return Promise.reject(new Error(record ? `build ${id} is not run by this coordinator` : `no build ${id}`));
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  async close(): Promise<void> {
    this.rounds.close();
    this.sessions.close();
    await this.orphans.close();
    await this.hooks.all();
    this.outbox.deliver();
    this.options.store.flush();
  }

  // --- job life cycle -------------------------------------------------------------------------

  /** Feeds an event to the build's lifecycle and applies the effects; answers (a cache look-up) queue up, never nest. */
  private dispatch(build: BuildRun, first: LifecycleEvent): void {
    const events = [first];
    for (let event = events.shift(); event; event = events.shift()) {
      for (const effect of reduceJobs(build, event, this.now)) {
        const next = this.applyEffect(build, effect);
        if (next) events.push(next);
      }
    }
  }

  private applyEffect(build: BuildRun, effect: LifecycleEffect): LifecycleEvent | undefined {
    switch (effect.type) {
      case 'job_changed':
        this.record(build, effect.snapshot, effect.at);
        return undefined;
      case 'check_cache': {
        const job = build.jobs.get(effect.job)!;
        const entry = this.options.store.getCacheEntry(job.plan.key);
        const restored = entry && restoreOutputs(build.root, entry.outputs, this.options.artifacts, (message) => this.warn(`${job.plan.id}: ${message}; running it instead`));
        const hit = restored ? `same key as ${entry.build} ${entry.job}` : undefined;
        return { type: 'cache_checked', job: effect.job, hit };
      }
      case 'cancel_attempt':
        this.sessions.holding(effect.attempt)?.channel.send({ type: 'cancel', attempt: effect.attempt, reason: 'canceled' });
        return undefined;
      case 'pipeline_started':
        this.hooks.run(build.id, effect.pipeline, build.root, effect.commands, 'running');
        return undefined;
      case 'pipeline_done':
        if (effect.resourceGroup) this.holds.remove(scopedGroup(build.root, effect.resourceGroup), { build: build.id, job: `pipeline:${effect.pipeline}` });
        if (effect.started) this.hooks.run(build.id, effect.pipeline, build.root, effect.commands, effect.failed ? 'failed' : 'success');
        return undefined;
      case 'build_done':
        this.endBuild(build, effect.status);
        return undefined;
      case 'schedule':
        this.rounds.request();
        return undefined;
    }
  }

  /** Writes a job's change to the store and queues its event. */
  private record(build: BuildRun, job: JobSnapshot, at: number): void {
    this.options.store.updateJob(build.id, job.job, jobPatchOf(job), at);
    this.publish(jobEventOf(build.id, job, at));
  }

  /** Reports the build done once its hooks and output storage have ended. */
  private endBuild(build: BuildRun, status: 'success' | 'failed' | 'canceled'): void {
    this.builds.delete(build.id);
    this.ending.add(build.id);
    const at = this.now;
    void this.hooks.settle(build.id).then(() => {
      this.options.store.updateBuild(build.id, { status, finishedAt: this.now });
      this.ending.delete(build.id);
      this.publish({ type: 'build', build: build.id, state: status, at });
      this.outbox.deliver();
      for (const resolve of this.waiters.get(build.id) ?? []) resolve(status);
      this.waiters.delete(build.id);
    });
  }

  // --- scheduling -------------------------------------------------------------------------------

  /** One scheduling round: starts, waits, skips; returns when to look again (a batch window closing). */
  private tick(): number | undefined {
    if (this.builds.size === 0) return undefined;
    const agents = [...this.sessions.live.values()].filter((agent) => agent.state === 'online' && !agent.leaving).map((agent) => ({ info: agent.info, running: agent.attempts.size, queue: queuePlaces(agent) }));
    // Every slot and queue place taken: nothing can start, and the next job to end asks again.
    if (!agents.some(({ info, running, queue }) => running < info.slots || queue > 0)) return undefined;
    const output = schedule(this.inputs.build(this.builds.values(), agents, this.holds.byGroup, this.now));
    for (const decision of output.decisions) this.apply(decision);
    return output.wakeAt;
  }

  private apply(decision: Decision): void {
    if (decision.type === 'start') return this.start(decision);
    const build = this.builds.get(decision.type === 'cancel_holder' ? decision.holder.build : decision.build);
    if (!build) return;
    // The scheduler keys groups by project (resource-holds.ts); users read plain group names.
    if (decision.type === 'cancel_holder') this.dispatch(build, { type: 'cancel_holder', holder: decision.holder, reason: plainGroups(decision.reason, build.root) });
    else if (decision.type === 'skip') this.dispatch(build, { type: 'skip', job: decision.job, reason: plainGroups(decision.reason, build.root) });
    else {
      const waiting = { ...decision.waiting, group: splitGroup(decision.waiting.group).group };
      const job = build.jobs.get(decision.job);
      // Far back in a queue, moving up one place is not rewritten for every waiter (resource-holds.ts).
      if (job?.state !== 'waiting' || mustPublishWait(job.waiting, waiting)) this.dispatch(build, { type: 'wait', job: decision.job, waiting });
    }
  }

  private start(decision: Extract<Decision, { type: 'start' }>): void {
    const agent = this.sessions.live.get(decision.agent);
    const build = this.builds.get(decision.members[0]!.build);
    if (agent && build) this.attempts.start(agent, build, decision);
  }
}
