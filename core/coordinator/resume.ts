// Taking over what a coordinator killed mid-build left on LAN agents. A build that a dead `farmhand
// serve` left with attempts on LAN agents is re-opened as it stood (done jobs stay done, remote
// attempts stay running, waiting for their agent to come back and resend what it kept); an attempt
// whose agent does not come back within agent_lost_after is lost. The result of an attempt no build
// here runs any more (its owner was a `farmhand run`) still feeds the cache: its outputs are stored
// under the job's key and its old attempt row records how it ended, so the next run reports it cached.
import type { AgentMessage, AttemptOutcome } from '../protocol/types';
import { attemptRowId, type ArtifactStore, type RemoteAttemptRecord, type Store } from '../store/types';
import { isFinished, BuildRun } from './build-run';
import type { AgentSession, Attempt } from './agent-sessions';
import { cacheOutputs, reportedOutputs } from './outputs';
import { scopedGroup } from './resource-holds';
import type { Clock } from './types';

/** Finishes an attempt's rows (one per member of a batch) as its outcome says. */
export function finishRows(store: Store, attempt: string, members: number, outcome: AttemptOutcome, at: number, startedAt?: number): void {
  const status = outcome.status === 'failed' && outcome.reason === 'agent_lost' ? 'lost' : outcome.status;
  for (let index = 0; index < members; index++) {
    store.finishAttempt(attemptRowId(attempt, index), { finishedAt: at, status, reason: outcome.reason, exitCode: outcome.exitCode, ...(startedAt === undefined ? {} : { startedAt }) });
  }
}

/** Rebuilds a build's in-memory state from the store; its open remote attempts come back running. */
export interface ReopenedAttempt {
  attempt: Attempt;
  /** The agent's id and name. */
  agent: string;
  agentName: string;
}

export function reopenBuild(store: Store, id: string, order: number, now: number): { build: BuildRun; attempts: ReopenedAttempt[]; highestAttempt: number } | undefined {
  const record = store.getBuild(id);
  if (!record) return undefined;
  const build = new BuildRun(id, order, record.project, record.plan, record.options, record.createdAt);
  const rows = store.listAttempts(id);
  const open = new Set(rows.filter((row) => row.finishedAt === undefined).map((row) => row.id));
  const highestAttempt = Math.max(0, ...rows.map((row) => Number(/\.a(\d+)/.exec(row.id)?.[1] ?? 0)));
  for (const saved of store.listJobs(id)) {
    const job = build.jobs.get(saved.id);
    if (!job) continue;
    job.attempts = saved.attempts;
    if (isFinished(saved.state)) {
      build.setState(job, saved.state, saved.finishedAt ?? now, saved.reason);
      build.release(job);
    }
  }
  const attempts: ReopenedAttempt[] = [];
  const holders = store.listHolders().filter((holder) => holder.build === id);
  for (const remote of store.listRemoteAttempts()) {
    if (remote.build !== id || !open.has(remote.attempt)) continue;
    const members = remote.jobs.map((job) => build.jobs.get(job)).filter((job) => job !== undefined);
    for (const job of members) {
      build.setState(job, 'running', now, job.reason);
      job.attemptId = remote.attempt;
      job.batch = remote.batch;
    }
    const acquired = holders.filter((holder) => remote.jobs.includes(holder.job)).map((holder) => ({ group: scopedGroup(record.project, holder.group), holder: { build: id, job: holder.job } }));
    const agentName = rows.find((row) => row.id === remote.attempt)?.agent ?? remote.agent;
    attempts.push({ attempt: { id: remote.attempt, build, members, batch: remote.batch, acquired, lastSeq: 0 }, agent: remote.agent, agentName });
  }
  // Jobs whose needs are done and that no attempt runs go back to the scheduler.
  for (const job of build.jobs.values()) {
    if (job.state !== 'queued' || job.pendingNeeds > 0) continue;
    job.readyAt = now;
    build.ready.add(job.plan.id);
  }
  return { build, attempts, highestAttempt };
}

/** How long agents keep an undelivered result (their outbox's age limit). */
const keptForMs = 24 * 3600_000;

export interface OrphanOptions {
  store: Store;
  artifacts: ArtifactStore;
  clock: Clock;
  warn(message: string): void;
  /** Ends a re-opened attempt whose agent never came back, as its agent's loss would. */
  lost(attempt: Attempt, agentName: string, why: string): void;
}

/** Remote attempts this coordinator did not start: those of re-opened builds, and those only the cache wants. */
export class RemoteOrphans {
  /** Re-opened attempts by id, until their agent says hello again. */
  private readonly waiting = new Map<string, { attempt: Attempt; agent: string }>();
  /** Attempts of builds that are closed, whose results feed the cache. */
  private readonly cacheOnly = new Map<string, RemoteAttemptRecord>();
  private readonly stored: Promise<void>[] = [];
  private readonly seen = new Map<string, number>();
  private readonly timers: unknown[] = [];

  constructor(private readonly options: OrphanOptions) {}

  /** Every remote attempt left in the store that is not in a re-opened build feeds the cache. */
  load(reopened: Set<string>): void {
    const now = this.options.clock.now();
    for (const row of this.options.store.listRemoteAttempts()) {
      if (reopened.has(row.build) || this.waiting.has(row.attempt)) continue;
      // Agents keep a result 24 h at most: an older one will not come.
      if (now - row.startedAt > keptForMs) this.options.store.forgetRemoteAttempt(row.attempt);
      else this.cacheOnly.set(row.attempt, row);
    }
  }

  /** Re-opened attempts wait for their agent; past `lostAfterMs` without it they are lost. */
  expect(attempts: ReopenedAttempt[], lostAfterMs: number): void {
    for (const { attempt, agent } of attempts) this.waiting.set(attempt.id, { attempt, agent });
    this.timers.push(this.options.clock.setTimeout(() => {
      for (const { attempt, agentName } of attempts) {
        if (!this.waiting.delete(attempt.id)) continue;
        this.options.store.forgetRemoteAttempt(attempt.id);
        this.options.lost(attempt, agentName, `did not come back within ${Math.round(lostAfterMs / 1000)} s of the coordinator's restart`);
      }
    }, lostAfterMs));
  }

  /** Waits for outputs being stored; stops the timers. */
  async close(): Promise<void> {
    for (const timer of this.timers) this.options.clock.clearTimeout(timer);
    await Promise.all(this.stored);
  }

  /** An agent said hello: it takes back its re-opened attempts; cache-only ones it no longer holds are forgotten. */
  adopt(session: AgentSession & { listed?: string[] }): void {
    this.seen.set(session.info.id, this.options.clock.now());
    for (const [id, { attempt, agent }] of [...this.waiting]) {
      if (agent !== session.info.id) continue;
      this.waiting.delete(id);
      session.attempts.set(id, attempt);
    }
    if (!session.listed) return;
    const listed = new Set(session.listed);
    for (const [id, row] of [...this.cacheOnly]) {
      if (row.agent === session.info.id && !listed.has(id)) {
        this.cacheOnly.delete(id);
        this.options.store.forgetRemoteAttempt(id);
      }
    }
  }

  /** A message about an attempt no session holds; true when it was one of these. */
  message(session: AgentSession, message: Extract<AgentMessage, { type: 'log' | 'result' }>): boolean {
    const row = this.cacheOnly.get(message.attempt);
    if (!row) return false;
    const { store } = this.options;
    const now = this.options.clock.now();
    if (message.type === 'log') {
      store.appendLog({ build: row.build, job: row.jobs[0]!, attempt: row.attempt, stream: message.stream, data: message.data, at: now });
      return true;
    }
    this.cacheOnly.delete(message.attempt);
    store.forgetRemoteAttempt(message.attempt);
    this.options.warn(`agent ${session.info.name} delivered the result of ${row.attempt} (${row.jobs.join(', ')} of build ${row.build}, ${message.outcome.status}), kept since its coordinator stopped`);
    finishRows(store, row.attempt, row.jobs.length, message.outcome, now);
    if (message.outcome.status === 'success') this.feedCache(session, row, message.outcome);
    return true;
  }

  /**
   * Resolves once every cache-only attempt has been delivered or its agent has been back for
   * `graceMs` without delivering it (it still runs it), or after `timeoutMs`.
   */
  async settle(timeoutMs: number, graceMs = 1500): Promise<void> {
    const deadline = this.options.clock.now() + timeoutMs;
    const pending = () => [...this.cacheOnly.values()].some((row) => {
      const back = this.seen.get(row.agent);
      return back === undefined || this.options.clock.now() - back < graceMs;
    });
    while (pending() && this.options.clock.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all(this.stored);
  }

  private feedCache(session: AgentSession, row: RemoteAttemptRecord, outcome: AttemptOutcome): void {
    const { store, warn } = this.options;
    const record = store.getBuild(row.build);
    if (!record) return;
    for (const id of row.jobs) {
      const job = record.plan.jobs.find((planned) => planned.id === id);
      if (!job?.cache) continue;
      const files = reportedOutputs(session.info.name, job.outputs, outcome);
      if (typeof files === 'string') {
        warn(`${id}: ${files}; not cached`);
        continue;
      }
      const work = cacheOutputs({ ...this.options, now: () => this.options.clock.now() }, record.project, { key: job.key, build: row.build, job: id, cache: job.cache }, files);
      this.stored.push(work);
    }
  }
}
