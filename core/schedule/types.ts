// What the scheduler sees and what it decides. Plain data: the coordinator builds the input from
// its state and applies the decisions; the scheduler itself has no side effects and no clock.
import type { OnBusy, ProcessMode } from '../spec/types';
import type { WaitingInfo } from '../protocol/types';
import type { ReadyQueues } from './ready-queues';

/** A job whose needs are all done and that has not started: a candidate for a slot. */
export interface ReadyJob {
  build: string;
  /** Plan job id. */
  job: string;
  pipeline: string;
  pool: string;
  labels: string[];
  executor: 'shell' | 'docker';
  criticalPath: number;
  /** When it first became ready; a retried job keeps this, and so its place in a queue. */
  readyAt: number;
  /** Resource group this job needs (job-level), already resolved. */
  resourceGroup?: string;
  /** Resource group its pipeline holds while it runs, if any. */
  pipelineResourceGroup?: string;
  batch?: { key: string; windowMs: number; max: number };
  /** Its own estimate from earlier builds, when there is one (a long job never takes a queue place). */
  estimateMs?: number;
  /**
   * Agents (ids) that ran the jobs it needs, most of them first: their outputs are already in that
   * agent's cache, so the job prefers one of these when it has a free slot (placement by data).
   */
  inputsOn?: string[];
}

export interface BuildView {
  id: string;
  /** Creation order: lower is older. */
  order: number;
  /** Jobs of this build running now (fair share counts these). */
  running: number;
  /** The project (its folder) the build runs in; builds of one project share its `max_running`. */
  project?: string;
}

export interface PipelineLoad {
  build: string;
  pipeline: string;
  running: number;
  concurrency?: number;
}

export interface AgentSlots {
  id: string;
  /** `*` serves every pool / carries every label (the embedded agent of `farmhand run`). */
  pools: string[];
  labels: string[];
  executors: ('shell' | 'docker')[];
  free: number;
  /**
   * Queue places free on it (AgentInfo.queue): with every slot taken, plain jobs (no resource group,
   * batch or concurrency cap, not known to be long) are handed to it to start when a slot frees.
   */
  queue?: number;
  /** Jobs running on it now, for spreading load. */
  running: number;
}

/** Who holds a resource group. `job` is a job id, or `pipeline:<name>` for a pipeline-level hold. */
export interface Holder {
  build: string;
  job: string;
}

export interface GroupSettings {
  capacity: number;
  processMode: ProcessMode;
  onBusy: OnBusy;
}

export interface SchedulerInput {
  now: number;
  /** The ready jobs: a list (queued afresh for this call) or the caller's persistent ReadyQueues. */
  ready: readonly ReadyJob[] | ReadyQueues;
  builds: BuildView[];
  pipelines: PipelineLoad[];
  agents: AgentSlots[];
  holders: Map<string, Holder[]>;
  /** `max_running` by project (folder): running jobs of all its builds at once. */
  projectCaps?: ReadonlyMap<string, number>;
  /** Settings of a group by name (defaults applied by the caller). */
  groupSettings: (group: string) => GroupSettings;
  /**
   * Jobs that need a resource group and are not ready yet (their needs run). `oldest_first` and
   * `newest_first` keep their places in the group's queue, as GitLab orders every upcoming job.
   */
  upcoming?: readonly UpcomingJob[];
}

export interface UpcomingJob {
  build: string;
  job: string;
  group: string;
}

export interface JobRef {
  build: string;
  job: string;
}

export type Decision =
  /** Run these jobs as one invocation on this agent (more than one member = a batch). */
  /** `queued`: into a queue place, it starts on the agent when a slot frees there. */
  | { type: 'start'; agent: string; members: JobRef[]; acquire: { group: string; holder: Holder }[]; queued?: boolean }
  | { type: 'wait'; build: string; job: string; waiting: WaitingInfo }
  | { type: 'skip'; build: string; job: string; reason: string }
  /** on_busy: cancel — the holder from an older build is canceled so that this one goes next. */
  | { type: 'cancel_holder'; holder: Holder; group: string; reason: string };

export interface SchedulerOutput {
  decisions: Decision[];
  /** When the scheduler wants to be asked again even if nothing happens (a batch window closing). */
  wakeAt?: number;
}
