// What the coordinator hands the scheduler each round, built from its builds, agents and holders.
// The ready jobs go over as persistent queues that follow each build's ready set as it changes, so a
// round does not walk every ready job. Each ready job carries the agents that ran its needs, for
// placement by data.
import type { Plan } from '../plan/types';
import type { AgentInfo } from '../protocol/types';
import { ReadyQueues } from '../schedule/ready-queues';
import { groupSettingsLookup } from '../schedule/resource-groups';
import type { Holder, ReadyJob, SchedulerInput, UpcomingJob } from '../schedule/types';
import type { BuildRun, JobRun } from './build-run';
import { scopedGroup, splitGroup } from './resource-holds';

const defaultLookup = groupSettingsLookup([]);

export interface AgentLoad {
  info: AgentInfo;
  /** Attempts it runs now (or holds in its queue). */
  running: number;
  /** Queue places it may fill now (AgentSlots.queue). */
  queue?: number;
}

/** What the scheduler needs to know of a ready job; made once, as none of it changes while it waits. */
function readyJob(build: BuildRun, job: JobRun, agentIds: ReadonlyMap<string, string[]>): ReadyJob {
  const plan = job.plan;
  const inputsOn = inputAgents(build, job, agentIds);
  return {
    build: build.id, job: plan.id, pipeline: plan.pipeline, pool: plan.pool, labels: plan.labels,
    executor: plan.image ? 'docker' : 'shell', criticalPath: plan.criticalPath, readyAt: job.readyAt ?? build.createdAt,
    resourceGroup: scoped(build, plan.resourceGroup), pipelineResourceGroup: scoped(build, build.pipelines.get(plan.pipeline)?.plan.resourceGroup), batch: plan.batch,
    ...(plan.estimateMs !== undefined ? { estimateMs: plan.estimateMs } : {}),
    ...(inputsOn.length > 0 ? { inputsOn } : {}),
  };
}

/** A group as the scheduler keys it: in the build's project. */
function scoped(build: BuildRun, group: string | undefined): string | undefined {
  return group === undefined ? undefined : scopedGroup(build.root, group);
}

/**
 * The agents (ids) that ran a job's needs, the one that ran most of them first (ties: the order of
 * the needs). Jobs record their agent by name: `agentIds` maps names to the ids of the agents online.
 */
export function inputAgents(build: BuildRun, job: JobRun, agentIds: ReadonlyMap<string, string[]>): string[] {
  const counts = new Map<string, number>();
  for (const need of job.plan.needs) {
    const name = build.jobs.get(need)?.agent;
    for (const id of name === undefined ? [] : agentIds.get(name) ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  // Map keeps first-seen order and sort is stable, so ties stay in the order of the needs.
  return [...counts].sort((a, b) => b[1] - a[1]).map(([id]) => id);
}

/** What a ReadySet reports to. */
export interface ReadyObserver {
  added(id: string): void;
  removed(id: string): void;
}

/** A build's ready job ids: a Set that tells an observer (the scheduler's queues) what changes. */
export class ReadySet extends Set<string> {
  observer?: ReadyObserver;

  override add(id: string): this {
    if (super.has(id)) return this;
    super.add(id);
    this.observer?.added(id);
    return this;
  }

  override delete(id: string): boolean {
    if (!super.delete(id)) return false;
    this.observer?.removed(id);
    return true;
  }

  override clear(): void {
    for (const id of [...this]) this.delete(id);
  }
}

/** Builds scheduler inputs; keeps the ready queues, and each project's group-settings lookup, from round to round. */
export class SchedulerInputs {
  /** Group settings by project folder: those of the project's newest build (its current farmhand.yml). */
  private readonly settings = new Map<string, { entries: Plan['resourceGroups']; lookup: SchedulerInput['groupSettings'] }>();
  private readonly groupSettings: SchedulerInput['groupSettings'] = (key) => {
    const { project, group } = splitGroup(key);
    return (this.settings.get(project)?.lookup ?? defaultLookup)(group);
  };
  private readonly queues = new ReadyQueues();
  private readonly followed = new Map<string, ReadySet>();
  /** Agent names to ids, as of the last round (jobs record the name of the agent that ran them). */
  private readonly agentIds = new Map<string, string[]>();

  /** Keeps the queues in step with a build's ready set from now on. */
  private follow(build: BuildRun): void {
    const ready = build.ready;
    // A plain Set would leave the queues silently empty: fail loudly instead.
    if (!(ready instanceof ReadySet)) throw new Error(`bug: build ${build.id} keeps its ready jobs in a plain Set, not a ReadySet`);
    const queues = this.queues;
    const agentIds = this.agentIds;
    ready.observer = {
      added(id) {
        const job = build.jobs.get(id);
        if (job) queues.add((job.scheduling ??= readyJob(build, job, agentIds)));
      },
      removed(id) {
        queues.remove(build.id, id);
      },
    };
    for (const id of ready) ready.observer.added(id);
    this.followed.set(build.id, ready);
  }

  /** The input of one scheduling round. */
  build(builds: Iterable<BuildRun>, agents: Iterable<AgentLoad>, holders: Map<string, Holder[]>, now: number): SchedulerInput {
    const loads = [...agents];
    this.agentIds.clear();
    for (const { info } of loads) this.agentIds.set(info.name, [...(this.agentIds.get(info.name) ?? []), info.id]);
    const pipelines: SchedulerInput['pipelines'] = [];
    const buildViews: SchedulerInput['builds'] = [];
    const upcoming: UpcomingJob[] = [];
    const current = new Set<string>();
    const projects = new Map<string, Plan['resourceGroups']>();
    const projectCaps = new Map<string, number>();
    for (const build of builds) {
      // Builds come in start order: the last of a project sets its groups' settings and its max_running.
      projects.set(build.root, build.plan.resourceGroups);
      if (build.plan.maxRunning !== undefined) projectCaps.set(build.root, build.plan.maxRunning);
      else projectCaps.delete(build.root);
      current.add(build.id);
      if (this.followed.get(build.id) !== build.ready) this.follow(build);
      let running = 0;
      for (const pipeline of build.pipelines.values()) {
        running += pipeline.running;
        if (pipeline.plan.concurrency !== undefined) {
          pipelines.push({ build: build.id, pipeline: pipeline.plan.name, running: pipeline.running, concurrency: pipeline.plan.concurrency });
        }
      }
      buildViews.push({ id: build.id, order: build.order, running, project: build.root });
      for (const job of (build.groupJobs ??= [...build.jobs.values()].filter((candidate) => candidate.plan.resourceGroup !== undefined))) {
        if (job.state === 'queued' && !build.ready.has(job.plan.id)) upcoming.push({ build: build.id, job: job.plan.id, group: scopedGroup(build.root, job.plan.resourceGroup!) });
      }
    }
    for (const [id, ready] of this.followed) {
      if (current.has(id)) continue;
      ready.observer = undefined;
      this.followed.delete(id);
      this.queues.removeBuild(id);
    }
    const agentSlots = loads.map(({ info, running, queue }) => ({
      id: info.id, pools: info.pools, labels: info.labels, executors: info.executors, free: info.slots - running, running, ...(queue ? { queue } : {}),
    }));
    for (const [project, entries] of projects) {
      if (this.settings.get(project)?.entries !== entries) this.settings.set(project, { entries, lookup: groupSettingsLookup(entries) });
    }
    return { now, ready: this.queues, builds: buildViews, pipelines, agents: agentSlots, holders, groupSettings: this.groupSettings, upcoming, projectCaps };
  }
}
