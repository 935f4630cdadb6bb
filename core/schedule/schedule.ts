// The scheduler: from (ready jobs, agents, holders, now) to decisions. Pure (a round borrows the
// caller's ready queues and leaves them as they were); the coordinator applies the decisions.
// Priority is the longest remaining critical path, then age; between builds running at once, the
// build with the fewest running jobs goes first (fair share). A job goes to an agent that holds its
// inputs when that one has a free slot (placement by data), else to the least busy matching agent.
import { formUnits, type Unit } from './batching';
import { ReadyQueues } from './ready-queues';
import { mayWaitInQueuePlace } from './queue-places';
import { orderWaiters, sameHolder, type Waiter } from './resource-groups';
import type { AgentSlots, Decision, GroupSettings, Holder, ReadyJob, SchedulerInput, SchedulerOutput } from './types';

interface LockNeed {
  group: string;
  holder: Holder;
}

/**
 * Decides which ready jobs start where, which wait for a resource group, and which are skipped.
 * With `input.ready` as ReadyQueues kept by the caller, a round costs what it starts (plus the jobs
 * that need a resource group and the batches), not a sort of every ready job. Free slots are filled
 * first; then agents' free queue places (AgentSlots.queue) get the next plain jobs, in the same order.
 */
export function schedule(input: SchedulerInput): SchedulerOutput {
  const slotsFree = input.agents.some((agent) => agent.free > 0);
  const queueFree = input.agents.some((agent) => (agent.queue ?? 0) > 0);
  // With every slot and queue place taken nothing can start; the next finished job asks again.
  if (!slotsFree && !queueFree) return { decisions: [] };
  const queues = input.ready instanceof ReadyQueues ? input.ready : ReadyQueues.of(input.ready);
  const { units: batches, wakeAt } = formUnits([...queues.batchedJobs()], input.now);
  const lockUnits = [...queues.lockedJobs()].map((job): Unit => ({ members: [job] }));
  const state = new SchedulingState(input, [...lockUnits, ...batches]);
  const builds = buildsInOrder(input, queues);
  const decisions: Decision[] = [];
  queues.beginRound(batches);
  try {
    if (slotsFree) fill(input, queues, state, builds, decisions, false);
    if (queueFree) {
      state.useQueuePlaces();
      queues.reconsider();
      fill(input, queues, state, builds, decisions, true);
    }
  } finally {
    queues.endRound();
  }
  return { decisions, wakeAt };
}

/** Places units in priority order until no place is left: free slots, or (`queued`) queue places. */
function fill(input: SchedulerInput, queues: ReadyQueues, state: SchedulingState, builds: string[], decisions: Decision[], queued: boolean): void {
  for (;;) {
    if (!input.agents.some((agent) => state.free.get(agent.id)! > 0) && (queued || !state.anyLockWork())) break;
    const build = state.pickBuild(builds.filter((id) => queues.hasWork(id)));
    if (build === undefined) break;
    const queue = queues.firstQueue(build)!;
    const lead = queue.units.peek()!.unit.members[0] as ReadyJob;
    // Whatever makes one job of a queue unable to start holds for all of it, to the end of the round.
    // Waiting for a resource group is decided with slots: a queue place takes no job that needs one.
    const setAside = queued ? queue.lock || !state.mayQueue(lead) || state.cannotStart(lead) : !queue.lock && state.cannotStart(lead);
    if (setAside) {
      queues.setAside(queue);
      continue;
    }
    for (const decision of state.place(queues.take(queue))) decisions.push(queued && decision.type === 'start' ? { ...decision, queued } : decision);
  }
}

/** Builds by age (the order fair share breaks ties in), then builds with ready jobs the input does not list. */
function buildsInOrder(input: SchedulerInput, queues: ReadyQueues): string[] {
  const listed = [...input.builds].sort((a, b) => a.order - b.order).map((build) => build.id);
  const known = new Set(listed);
  return [...listed, ...[...queues.buildIds()].filter((id) => !known.has(id))];
}

/** Mutable copies of the input that the decisions of one call consume. */
class SchedulingState {
  readonly free = new Map<string, number>();
  private readonly agentsById = new Map<string, AgentSlots>();
  private readonly running = new Map<string, number>();
  private readonly buildOrder = new Map<string, number>();
  private readonly pipelineRunning = new Map<string, number>();
  private readonly pipelineCap = new Map<string, number | undefined>();
  /** Project of each build, and running jobs per project (for `max_running`). */
  private readonly projectOf = new Map<string, string>();
  private readonly projectRunning = new Map<string, number>();
  private readonly holders: Map<string, Holder[]>;
  private readonly waiters = new Map<string, Map<string, Waiter>>();
  /** Each group's waiters in order with their places, made once per round and again after one leaves. */
  private readonly queues = new Map<string, Map<string, number>>();
  private readonly canceled = new Set<string>();

  constructor(
    private readonly input: SchedulerInput,
    units: Unit[],
  ) {
    for (const agent of input.agents) {
      this.free.set(agent.id, agent.free);
      this.agentsById.set(agent.id, agent);
    }
    for (const build of input.builds) {
      this.running.set(build.id, build.running);
      this.buildOrder.set(build.id, build.order);
      if (build.project !== undefined) {
        this.projectOf.set(build.id, build.project);
        this.projectRunning.set(build.project, (this.projectRunning.get(build.project) ?? 0) + build.running);
      }
    }
    for (const load of input.pipelines) {
      this.pipelineRunning.set(`${load.build}\u0000${load.pipeline}`, load.running);
      this.pipelineCap.set(`${load.build}\u0000${load.pipeline}`, load.concurrency);
    }
    this.holders = new Map([...input.holders].map(([group, list]) => [group, [...list]]));
    for (const unit of units) {
      for (const need of this.lockNeeds(unit)) {
        const list = this.waiters.get(need.group) ?? new Map<string, Waiter>();
        const lead = unit.members[0] as ReadyJob;
        const key = holderKey(need.holder);
        // A pipeline-level holder stands for all of its jobs: it has waited since the first was ready.
        const known = list.get(key);
        if (known) known.readyAt = Math.min(known.readyAt, lead.readyAt);
        else list.set(key, { holder: need.holder, buildOrder: this.buildOrder.get(lead.build) ?? 0, readyAt: lead.readyAt });
        this.waiters.set(need.group, list);
      }
    }
    // Upcoming jobs hold places in order-keeping groups; they rank after every ready job of their build.
    for (const upcoming of input.upcoming ?? []) {
      const settings = input.groupSettings(upcoming.group);
      if (settings.onBusy === 'parallel' || (settings.processMode !== 'oldest_first' && settings.processMode !== 'newest_first')) continue;
      const list = this.waiters.get(upcoming.group) ?? new Map<string, Waiter>();
      const holder = { build: upcoming.build, job: upcoming.job };
      if (!list.has(holderKey(holder))) list.set(holderKey(holder), { holder, buildOrder: this.buildOrder.get(upcoming.build) ?? 0, readyAt: Number.POSITIVE_INFINITY });
      this.waiters.set(upcoming.group, list);
    }
  }

  /** True while some unit could still get a lock-related decision (wait/skip) without a free slot. */
  anyLockWork(): boolean {
    return this.waiters.size > 0;
  }

  /** From now on the round fills agents' queue places instead of their slots. */
  useQueuePlaces(): void {
    for (const agent of this.input.agents) this.free.set(agent.id, agent.queue ?? 0);
  }

  /** True when a job may wait in a queue place (queue-places.ts). */
  mayQueue(job: ReadyJob): boolean {
    const project = this.projectOf.get(job.build);
    const capped = this.pipelineCap.get(`${job.build}\u0000${job.pipeline}`) !== undefined || (project !== undefined && this.input.projectCaps?.get(project) !== undefined);
    return mayWaitInQueuePlace(job, capped);
  }

  /** True when a job cannot start in this round: its pipeline is at its cap or no free agent serves it. */
  cannotStart(job: ReadyJob): boolean {
    const pipelineKey = `${job.build}\u0000${job.pipeline}`;
    const cap = this.pipelineCap.get(pipelineKey);
    if (cap !== undefined && (this.pipelineRunning.get(pipelineKey) ?? 0) >= cap) return true;
    if (this.projectFull(job.build)) return true;
    return this.findAgent(job) === undefined;
  }

  /** True when the build's project runs as many jobs as its `max_running` allows. */
  private projectFull(build: string): boolean {
    const project = this.projectOf.get(build);
    const cap = project === undefined ? undefined : this.input.projectCaps?.get(project);
    return cap !== undefined && (this.projectRunning.get(project!) ?? 0) >= cap;
  }

  /** The build whose turn it is among `builds` (oldest first): fewest running jobs, then oldest. */
  pickBuild(builds: readonly string[]): string | undefined {
    let best: string | undefined;
    for (const build of builds) {
      if (best === undefined) best = build;
      else {
        const a = this.running.get(build) ?? 0;
        const b = this.running.get(best) ?? 0;
        if (a < b || (a === b && (this.buildOrder.get(build) ?? 0) < (this.buildOrder.get(best) ?? 0))) best = build;
      }
    }
    return best;
  }

  /** Lock requests of a unit that its pipeline or it does not hold yet. */
  private lockNeeds(unit: Unit): LockNeed[] {
    const lead = unit.members[0] as ReadyJob;
    const needs: LockNeed[] = [];
    if (lead.pipelineResourceGroup) {
      const holder = { build: lead.build, job: `pipeline:${lead.pipeline}` };
      const held = this.holdersOf(lead.pipelineResourceGroup).some((h) => sameHolder(h, holder));
      if (!held) needs.push({ group: lead.pipelineResourceGroup, holder });
    }
    if (lead.resourceGroup) needs.push({ group: lead.resourceGroup, holder: { build: lead.build, job: lead.job } });
    return needs;
  }

  private holdersOf(group: string): Holder[] {
    return this.holders.get(group) ?? [];
  }

  /** Tries to start one unit; returns the decisions it led to (none when it simply stays queued). */
  place(unit: Unit): Decision[] {
    const lead = unit.members[0] as ReadyJob;
    const pipelineKey = `${lead.build}\u0000${lead.pipeline}`;
    const cap = this.pipelineCap.get(pipelineKey);
    const needs = this.lockNeeds(unit);
    for (const need of needs) {
      const blocked = this.lockBlock(need, lead);
      if (blocked) return blocked;
    }
    if (cap !== undefined && (this.pipelineRunning.get(pipelineKey) ?? 0) >= cap) return [];
    if (this.projectFull(lead.build)) return [];
    const agent = this.findAgent(lead);
    if (!agent) return [];
    const project = this.projectOf.get(lead.build);
    if (project !== undefined) this.projectRunning.set(project, (this.projectRunning.get(project) ?? 0) + 1);
    this.free.set(agent.id, this.free.get(agent.id)! - 1);
    this.running.set(lead.build, (this.running.get(lead.build) ?? 0) + 1);
    this.pipelineRunning.set(pipelineKey, (this.pipelineRunning.get(pipelineKey) ?? 0) + 1);
    for (const need of needs) {
      this.holders.set(need.group, [...this.holdersOf(need.group), need.holder]);
      this.dropWaiter(need);
    }
    const members = unit.members.map((member) => ({ build: member.build, job: member.job }));
    return [{ type: 'start', agent: agent.id, members, acquire: needs }];
  }

  /** Decisions that keep a unit from taking a lock now, or undefined when it may take it. */
  private lockBlock(need: LockNeed, lead: ReadyJob): Decision[] | undefined {
    const settings = this.input.groupSettings(need.group);
    if (settings.onBusy === 'parallel') return undefined;
    const holders = this.holdersOf(need.group);
    const busy = holders.length >= settings.capacity;
    const index = this.placeInQueue(need, settings);
    const freePlaces = settings.capacity - holders.length;
    const allowed = !busy && (settings.processMode === 'unordered' && settings.onBusy !== 'cancel' ? true : index < freePlaces);
    if (allowed) return undefined;
    if (busy && settings.onBusy === 'skip') {
      const names = holders.map((h) => `${h.build} ${h.job}`).join(', ');
      this.dropWaiter(need);
      return [{ type: 'skip', build: lead.build, job: lead.job, reason: `resource group ${need.group} is busy (held by ${names})` }];
    }
    const decisions: Decision[] = [];
    if (busy && settings.onBusy === 'cancel') {
      const myOrder = this.buildOrder.get(lead.build) ?? 0;
      for (const holder of holders) {
        const key = `${need.group}\u0000${holder.build}\u0000${holder.job}`;
        if ((this.buildOrder.get(holder.build) ?? -1) < myOrder && !this.canceled.has(key)) {
          this.canceled.add(key);
          decisions.push({ type: 'cancel_holder', holder, group: need.group, reason: `canceled by ${lead.build} ${lead.job}: resource group ${need.group} (on_busy: cancel)` });
        }
      }
    }
    const position = Math.max(1, index + 1);
    decisions.push({ type: 'wait', build: lead.build, job: lead.job, waiting: { group: need.group, holders: [...holders], position } });
    return decisions;
  }

  /** A waiter's 0-based place in its group's queue (-1 when not waiting), without sorting again per job. */
  private placeInQueue(need: LockNeed, settings: GroupSettings): number {
    let places = this.queues.get(need.group);
    if (places === undefined) {
      const ordered = orderWaiters([...(this.waiters.get(need.group)?.values() ?? [])], settings);
      places = new Map(ordered.map((waiter, index) => [holderKey(waiter.holder), index]));
      this.queues.set(need.group, places);
    }
    return places.get(holderKey(need.holder)) ?? -1;
  }

  private dropWaiter(need: LockNeed): void {
    const list = this.waiters.get(need.group);
    if (list === undefined || !list.delete(holderKey(need.holder))) return;
    this.queues.delete(need.group);
    if (list.size === 0) this.waiters.delete(need.group);
  }

  /**
   * Where a job goes: the first agent holding its inputs that serves it and has a free slot (a chain
   * stays on one agent), else the matching agent with the most free slots (spreads load), ties by id.
   */
  private findAgent(job: ReadyJob): AgentSlots | undefined {
    for (const id of job.inputsOn ?? []) {
      const holder = this.agentsById.get(id);
      if (holder && this.free.get(id)! > 0 && agentServes(holder, job)) return holder;
    }
    let best: AgentSlots | undefined;
    for (const agent of this.input.agents) {
      const free = this.free.get(agent.id)!;
      if (free <= 0 || !agentServes(agent, job)) continue;
      if (!best || free > this.free.get(best.id)! || (free === this.free.get(best.id)! && agent.id < best.id)) best = agent;
    }
    return best;
  }
}

const holderKey = (holder: Holder): string => `${holder.build}\u0000${holder.job}`;

/** True when an agent serves a job's pool, carries all its labels and has its executor. */
export function agentServes(agent: Pick<AgentSlots, 'pools' | 'labels' | 'executors'>, job: Pick<ReadyJob, 'pool' | 'labels' | 'executor'>): boolean {
  const pool = agent.pools.includes('*') || agent.pools.includes(job.pool);
  const labels = agent.labels.includes('*') || job.labels.every((label) => agent.labels.includes(label));
  return pool && labels && agent.executors.includes(job.executor);
}
