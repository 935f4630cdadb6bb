// The little the desktop shell knows about the farm: builds with their jobs' states, and agents,
// folded from the coordinator's FarmEvents. The tray menu, notifications and the quit question
// all read this; log events are ignored here (the window shows logs).
import { finishedJobStates } from '../core/protocol/types';
import type { AgentInfo, BuildState, FarmEvent, JobState, WaitingInfo } from '../core/protocol/types';

export interface JobView {
  state: JobState;
  /** When the job entered its current state (ms since the epoch, from the event). */
  since: number;
  agent?: string;
  waiting?: WaitingInfo;
}

export interface BuildView {
  build: string;
  state: BuildState;
  since: number;
  jobs: Map<string, JobView>;
}

export interface AgentView {
  agent: AgentInfo;
  state: 'online' | 'unreachable' | 'offline';
  since: number;
}

export interface FarmView {
  builds: Map<string, BuildView>;
  agents: Map<string, AgentView>;
}

export interface BuildProgress {
  done: number;
  total: number;
  running: number;
  waiting: number;
}

const activeBuildStates: readonly BuildState[] = ['queued', 'running'];
/** Finished builds kept in memory; older ones are dropped (the window has the full history). */
const finishedBuildsKept = 20;

export function createFarmView(): FarmView {
  return { builds: new Map(), agents: new Map() };
}

/** Folds `events` into `view` (in place) and returns it. */
export function applyEvents(view: FarmView, events: readonly FarmEvent[]): FarmView {
  for (const event of events) {
    if (event.type === 'build') {
      const build = buildOf(view, event.build, event.at);
      if (build.state !== event.state) build.since = event.at;
      build.state = event.state;
    } else if (event.type === 'job') {
      const build = buildOf(view, event.build, event.at);
      const previous = build.jobs.get(event.job);
      build.jobs.set(event.job, {
        state: event.state,
        since: previous && previous.state === event.state ? previous.since : event.at,
        ...(event.agent === undefined ? {} : { agent: event.agent }),
        ...(event.waiting === undefined ? {} : { waiting: event.waiting }),
      });
    } else if (event.type === 'agent') {
      view.agents.set(event.agent.id, { agent: event.agent, state: event.state, since: event.at });
    }
  }
  dropOldBuilds(view);
  return view;
}

/** True while a build is queued or running. */
export function isActive(build: BuildView): boolean {
  return activeBuildStates.includes(build.state);
}

/** Builds that are queued or running, oldest id first. */
export function activeBuilds(view: FarmView): BuildView[] {
  return [...view.builds.values()].filter(isActive).sort((a, b) => a.build.localeCompare(b.build));
}

/** Finished, running and waiting job counts of a build, out of the jobs it has announced. */
export function buildProgress(build: BuildView): BuildProgress {
  const progress: BuildProgress = { done: 0, total: build.jobs.size, running: 0, waiting: 0 };
  for (const job of build.jobs.values()) {
    if (finishedJobStates.includes(job.state)) progress.done += 1;
    else if (job.state === 'running') progress.running += 1;
    else if (job.state === 'waiting') progress.waiting += 1;
  }
  return progress;
}

function buildOf(view: FarmView, id: string, at: number): BuildView {
  let build = view.builds.get(id);
  if (!build) {
    build = { build: id, state: 'queued', since: at, jobs: new Map() };
    view.builds.set(id, build);
  }
  return build;
}

function dropOldBuilds(view: FarmView): void {
  const finished = [...view.builds.values()].filter((build) => !isActive(build));
  if (finished.length <= finishedBuildsKept) return;
  finished.sort((a, b) => a.since - b.since);
  for (const build of finished.slice(0, finished.length - finishedBuildsKept)) view.builds.delete(build.build);
}
