// What the coordinator hands the scheduler each round, built from its builds, agents and holders.
import type { Plan } from '../plan/types';
import type { AgentInfo } from '../protocol/types';
import { groupSettingsLookup } from '../schedule/resource-groups';
import type { Holder, ReadyJob, SchedulerInput } from '../schedule/types';
import type { BuildRun, JobRun } from './build-run';

export interface AgentLoad {
  info: AgentInfo;
  /** Attempts it runs now. */
  running: number;
}

/** What the scheduler needs to know of a ready job; made once, as none of it changes while it waits. */
function readyJob(build: BuildRun, job: JobRun): ReadyJob {
  const plan = job.plan;
  return {
    build: build.id, job: plan.id, pipeline: plan.pipeline, pool: plan.pool, labels: plan.labels,
    executor: plan.image ? 'docker' : 'shell', criticalPath: plan.criticalPath, readyAt: job.readyAt ?? build.createdAt,
    resourceGroup: plan.resourceGroup, pipelineResourceGroup: build.pipelines.get(plan.pipeline)?.plan.resourceGroup, batch: plan.batch,
  };
}

/** Builds scheduler inputs; keeps a plan's group-settings lookup instead of making it every round. */
export class SchedulerInputs {
  private settings?: { entries: Plan['resourceGroups']; lookup: SchedulerInput['groupSettings'] };

  /** The input of one scheduling round. */
  build(builds: Iterable<BuildRun>, agents: Iterable<AgentLoad>, holders: Map<string, Holder[]>, now: number): SchedulerInput {
    const ready: ReadyJob[] = [];
    const pipelines: SchedulerInput['pipelines'] = [];
    const buildViews: SchedulerInput['builds'] = [];
    let newest: BuildRun | undefined;
    for (const build of builds) {
      newest = build;
      for (const id of build.ready) {
        const job = build.jobs.get(id)!;
        ready.push((job.scheduling ??= readyJob(build, job)));
      }
      let running = 0;
      for (const pipeline of build.pipelines.values()) {
        running += pipeline.running;
        if (pipeline.plan.concurrency !== undefined) {
          pipelines.push({ build: build.id, pipeline: pipeline.plan.name, running: pipeline.running, concurrency: pipeline.plan.concurrency });
        }
      }
      buildViews.push({ id: build.id, order: build.order, running });
    }
    const agentSlots = [...agents].map(({ info, running }) => ({
      id: info.id, pools: info.pools, labels: info.labels, executors: info.executors, free: info.slots - running, running,
    }));
    return { now, ready, builds: buildViews, pipelines, agents: agentSlots, holders, groupSettings: this.groupSettingsFor(newest?.plan.resourceGroups ?? []) };
  }

  private groupSettingsFor(entries: Plan['resourceGroups']): SchedulerInput['groupSettings'] {
    if (this.settings?.entries !== entries) this.settings = { entries, lookup: groupSettingsLookup(entries) };
    return this.settings.lookup;
  }
}
