// The ready jobs as persistent priority queues, kept in step as jobs become ready and leave, so a
// scheduling round looks at the jobs it starts rather than sorting every ready job again.
//
// Per build, one queue per (pipeline, pool, labels, executor, holds a resource group): every job of a
// queue is equally startable, so a round that finds the pipeline at its cap or no free agent for the
// queue's pool and labels sets the whole queue aside at once. Each build orders its queues by their
// first job (a heap of heaps). Jobs with a batch key are kept apart: batches form per round.
import type { Unit } from './batching';
import { PriorityHeap } from './priority-heap';
import type { ReadyJob } from './types';

/** A unit with its priority: the longest critical path of its members, then the lead's readiness and id. */
export interface QueuedUnit {
  unit: Unit;
  criticalPath: number;
  readyAt: number;
  job: string;
}

/** Ready jobs of one build that differ only in priority. */
export interface JobQueue {
  build: string;
  /** Its jobs need a resource group (job or pipeline level): never set aside, each one is visited. */
  lock: boolean;
  units: PriorityHeap<QueuedUnit>;
}

/** A unit's place in the order: longest critical path first, then the oldest, then by job id. */
export function compareUnits(a: QueuedUnit, b: QueuedUnit): number {
  return b.criticalPath - a.criticalPath || a.readyAt - b.readyAt || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0);
}

/** A unit with its priority worked out. */
export function queuedUnit(unit: Unit): QueuedUnit {
  const lead = unit.members[0] as ReadyJob;
  let criticalPath = lead.criticalPath;
  for (const member of unit.members) criticalPath = Math.max(criticalPath, member.criticalPath);
  return { unit, criticalPath, readyAt: lead.readyAt, job: lead.job };
}

const compareQueues = (a: JobQueue, b: JobQueue): number => compareUnits(a.units.peek()!, b.units.peek()!);
const jobKey = (build: string, job: string): string => `${build}\u0000${job}`;

function queueKey(job: ReadyJob): string {
  const lock = job.resourceGroup !== undefined || job.pipelineResourceGroup !== undefined;
  return JSON.stringify([job.pipeline, job.pool, [...job.labels].sort(), job.executor, lock]);
}

interface BuildQueues {
  queues: Map<string, JobQueue>;
  /** Its non-empty queues by their first unit. */
  order: PriorityHeap<JobQueue>;
}

/** What one round took out of the queues, to put back when it ends. */
interface RoundChanges {
  taken: { queue: JobQueue; item: QueuedUnit }[];
  setAside: JobQueue[];
  temporary: JobQueue[];
}

/** The ready jobs of every build, by priority. */
export class ReadyQueues {
  private readonly builds = new Map<string, BuildQueues>();
  private readonly placed = new Map<string, { queue: JobQueue; item: QueuedUnit }>();
  private readonly batched = new Map<string, ReadyJob>();
  private readonly locked = new Map<string, ReadyJob>();
  private round?: RoundChanges;

  /** Queues holding `jobs`. */
  static of(jobs: Iterable<ReadyJob>): ReadyQueues {
    const queues = new ReadyQueues();
    for (const job of jobs) queues.add(job);
    return queues;
  }

  /** How many ready jobs there are. */
  get size(): number {
    return this.placed.size + this.batched.size;
  }

  /** Adds a job that became ready (again); O(log n). */
  add(job: ReadyJob): void {
    const key = jobKey(job.build, job.job);
    if (this.placed.has(key) || this.batched.has(key)) this.remove(job.build, job.job);
    if (job.batch) {
      this.batched.set(key, job);
      return;
    }
    const build = this.buildQueues(job.build);
    const name = queueKey(job);
    let queue = build.queues.get(name);
    if (queue === undefined) {
      queue = { build: job.build, lock: job.resourceGroup !== undefined || job.pipelineResourceGroup !== undefined, units: new PriorityHeap(compareUnits) };
      build.queues.set(name, queue);
    }
    const item = queuedUnit({ members: [job] });
    queue.units.push(item);
    build.order.push(queue);
    this.placed.set(key, { queue, item });
    if (queue.lock) this.locked.set(key, job);
  }

  /** Takes out a job that started, finished or was skipped; O(log n). */
  remove(build: string, job: string): void {
    const key = jobKey(build, job);
    this.batched.delete(key);
    this.locked.delete(key);
    const entry = this.placed.get(key);
    if (entry === undefined) return;
    this.placed.delete(key);
    this.takeOut(entry.queue, entry.item);
  }

  /** Forgets every job of a build. */
  removeBuild(build: string): void {
    for (const key of [...this.placed.keys(), ...this.batched.keys()]) {
      if (key.startsWith(`${build}\u0000`)) this.remove(build, key.slice(build.length + 1));
    }
    this.builds.delete(build);
  }

  /** Ready jobs with a batch key (batches form anew each round). */
  batchedJobs(): IterableIterator<ReadyJob> {
    return this.batched.values();
  }

  /** Ready jobs without a batch key that need a resource group: the round's waiters come from these. */
  lockedJobs(): IterableIterator<ReadyJob> {
    return this.locked.values();
  }

  // --- one round: take units out in order, then put everything back -------------------------------

  /** Starts a round; `units` (formed batches) are queued for this round only. */
  beginRound(units: readonly Unit[]): void {
    this.round = { taken: [], setAside: [], temporary: [] };
    for (const unit of units) {
      const lead = unit.members[0] as ReadyJob;
      const queue: JobQueue = { build: lead.build, lock: lead.resourceGroup !== undefined || lead.pipelineResourceGroup !== undefined, units: new PriorityHeap(compareUnits) };
      queue.units.push(queuedUnit(unit));
      this.buildQueues(lead.build).order.push(queue);
      this.round.temporary.push(queue);
    }
  }

  /** True when the build has a queue left in this round. */
  hasWork(build: string): boolean {
    return (this.builds.get(build)?.order.size ?? 0) > 0;
  }

  /** Builds with ready jobs (in no particular order). */
  buildIds(): IterableIterator<string> {
    return this.builds.keys();
  }

  /** The build's queue whose first unit comes first. */
  firstQueue(build: string): JobQueue | undefined {
    return this.builds.get(build)?.order.peek();
  }

  /** Takes the first unit of a queue for this round. */
  take(queue: JobQueue): Unit {
    const item = queue.units.peek()!;
    this.takeOut(queue, item);
    this.round?.taken.push({ queue, item });
    return item.unit;
  }

  /** Leaves a whole queue out of the rest of this round. */
  setAside(queue: JobQueue): void {
    this.builds.get(queue.build)?.order.remove(queue);
    this.round?.setAside.push(queue);
  }

  /** Puts the queues set aside so far back into this round, for a pass with other places (queue places). */
  reconsider(): void {
    const round = this.round;
    if (round === undefined) return;
    for (const queue of round.setAside.splice(0)) if (queue.units.size > 0) this.buildQueues(queue.build).order.push(queue);
  }

  /** Ends the round: taken units and set-aside queues go back, this round's batches go. */
  endRound(): void {
    const round = this.round;
    this.round = undefined;
    if (round === undefined) return;
    for (const { queue, item } of round.taken) {
      queue.units.push(item);
      this.buildQueues(queue.build).order.push(queue);
    }
    for (const queue of round.setAside) if (queue.units.size > 0) this.buildQueues(queue.build).order.push(queue);
    for (const queue of round.temporary) {
      const build = this.builds.get(queue.build);
      build?.order.remove(queue);
      if (build && build.queues.size === 0 && build.order.size === 0) this.builds.delete(queue.build);
    }
  }

  private buildQueues(build: string): BuildQueues {
    let queues = this.builds.get(build);
    if (queues === undefined) {
      queues = { queues: new Map(), order: new PriorityHeap(compareQueues) };
      this.builds.set(build, queues);
    }
    return queues;
  }

  /** Removes a unit from its queue and keeps the build's order of queues right. */
  private takeOut(queue: JobQueue, item: QueuedUnit): void {
    const build = this.builds.get(queue.build);
    if (!queue.units.remove(item) || build === undefined) return;
    if (queue.units.size > 0) build.order.update(queue);
    else build.order.remove(queue);
  }
}
