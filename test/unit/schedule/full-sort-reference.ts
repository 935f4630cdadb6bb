// The scheduler as it was before the incremental queues: every round sorts every ready unit. Kept
// only as the reference the property tests compare the incremental queues with (a pipeline-level
// waiter's readyAt is the earliest of its units here too, as in core/schedule).
import { formUnits, type Unit } from '../../../core/schedule/batching';
import { orderWaiters, sameHolder, type Waiter } from '../../../core/schedule/resource-groups';
import { agentServes } from '../../../core/schedule/schedule';
import type { AgentSlots, Decision, Holder, ReadyJob, SchedulerInput, SchedulerOutput } from '../../../core/schedule/types';

interface LockNeed {
  group: string;
  holder: Holder;
}

/** Decides which ready jobs start where, which wait for a resource group, and which are skipped. */
export function scheduleBySorting(input: SchedulerInput & { ready: readonly ReadyJob[] }): SchedulerOutput {
  // With every slot taken nothing can start; the next finished job asks again.
  if (!input.agents.some((agent) => agent.free > 0)) return { decisions: [] };
  const { units, wakeAt } = formUnits(input.ready, input.now);
  const state = new SchedulingState(input, units);
  const decisions: Decision[] = [];
  const queues = groupByBuild(units, input);
  for (;;) {
    if (!input.agents.some((agent) => state.free.get(agent.id)! > 0) && !state.anyLockWork()) break;
    const build = state.pickBuild(queues);
    if (build === undefined) break;
    const unit = queues.get(build)!.shift()!;
    const decision = state.place(unit);
    decisions.push(...decision);
  }
  return { decisions, wakeAt };
}

function unitPriority(unit: Unit): { unit: Unit; criticalPath: number; readyAt: number; job: string } {
  const lead = unit.members[0] as ReadyJob;
  let criticalPath = lead.criticalPath;
  for (const member of unit.members) criticalPath = Math.max(criticalPath, member.criticalPath);
  return { unit, criticalPath, readyAt: lead.readyAt, job: lead.job };
}

function groupByBuild(units: Unit[], input: SchedulerInput): Map<string, Unit[]> {
  const sorted = units
    .map(unitPriority)
    .sort((x, y) => y.criticalPath - x.criticalPath || x.readyAt - y.readyAt || (x.job < y.job ? -1 : x.job > y.job ? 1 : 0))
    .map((entry) => entry.unit);
  const queues = new Map<string, Unit[]>();
  for (const build of [...input.builds].sort((a, b) => a.order - b.order)) queues.set(build.id, []);
  for (const unit of sorted) {
    const build = (unit.members[0] as ReadyJob).build;
    if (!queues.has(build)) queues.set(build, []);
    queues.get(build)!.push(unit);
  }
  return queues;
}

/** Mutable copies of the input that the decisions of one call consume. */
class SchedulingState {
  readonly free = new Map<string, number>();
  private readonly running = new Map<string, number>();
  private readonly buildOrder = new Map<string, number>();
  private readonly pipelineRunning = new Map<string, number>();
  private readonly pipelineCap = new Map<string, number | undefined>();
  private readonly holders: Map<string, Holder[]>;
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly canceled = new Set<string>();

  constructor(
    private readonly input: SchedulerInput,
    units: Unit[],
  ) {
    for (const agent of input.agents) this.free.set(agent.id, agent.free);
    for (const build of input.builds) {
      this.running.set(build.id, build.running);
      this.buildOrder.set(build.id, build.order);
    }
    for (const load of input.pipelines) {
      this.pipelineRunning.set(`${load.build}\u0000${load.pipeline}`, load.running);
      this.pipelineCap.set(`${load.build}\u0000${load.pipeline}`, load.concurrency);
    }
    this.holders = new Map([...input.holders].map(([group, list]) => [group, [...list]]));
    for (const unit of units) {
      for (const need of this.lockNeeds(unit)) {
        const list = this.waiters.get(need.group) ?? [];
        const lead = unit.members[0] as ReadyJob;
        const known = list.find((waiter) => sameHolder(waiter.holder, need.holder));
        if (known) known.readyAt = Math.min(known.readyAt, lead.readyAt);
        else list.push({ holder: need.holder, buildOrder: this.buildOrder.get(lead.build) ?? 0, readyAt: lead.readyAt });
        this.waiters.set(need.group, list);
      }
    }
  }

  /** True while some unit could still get a lock-related decision (wait/skip) without a free slot. */
  anyLockWork(): boolean {
    return this.waiters.size > 0;
  }

  /** The build whose turn it is: fewest running jobs, then oldest. */
  pickBuild(queues: Map<string, Unit[]>): string | undefined {
    let best: string | undefined;
    for (const [build, queue] of queues) {
      if (queue.length === 0) continue;
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
    const agent = this.findAgent(lead);
    if (!agent) return [];
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
    const queue = orderWaiters(this.waiters.get(need.group) ?? [], settings);
    const index = queue.findIndex((waiter) => sameHolder(waiter.holder, need.holder));
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

  private dropWaiter(need: LockNeed): void {
    const list = (this.waiters.get(need.group) ?? []).filter((waiter) => !sameHolder(waiter.holder, need.holder));
    if (list.length === 0) this.waiters.delete(need.group);
    else this.waiters.set(need.group, list);
  }

  /** The matching agent with the most free slots (spreads load), ties by id. */
  private findAgent(job: ReadyJob): AgentSlots | undefined {
    // Placement by data: the first agent holding the job's inputs that serves it and has a free slot.
    const holder = (job.inputsOn ?? []).map((id) => this.input.agents.find((agent) => agent.id === id)).find((agent) => agent && this.free.get(agent.id)! > 0 && agentServes(agent, job));
    if (holder) return holder;
    let best: AgentSlots | undefined;
    for (const agent of this.input.agents) {
      const free = this.free.get(agent.id)!;
      if (free <= 0 || !agentServes(agent, job)) continue;
      if (!best || free > this.free.get(best.id)! || (free === this.free.get(best.id)! && agent.id < best.id)) best = agent;
    }
    return best;
  }
}
