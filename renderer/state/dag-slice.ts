// The dag slice: the jobs of the build on screen (or of a plan preview), their states, edges and
// attempts, kept current by job events. Events for other builds are left to the builds slice.
import type { StateCreator } from 'zustand/vanilla';
import type { FarmEvent, JobState, WaitingInfo } from '../../core/protocol/types';
import { finishedJobStates } from './job-state-sets';
import type { BuildReport, Diagnostic, OutputFile, PlanJob, ReportJob } from './api-types';
import type { FarmState } from './store';

export type JobEvent = Extract<FarmEvent, { type: 'job' }>;

/** One attempt of a job, as the timeline draws it. */
export interface AttemptBar {
  number: number;
  agent: string;
  start: number;
  end?: number;
  /** `running` while open; then the state it ended in (`lost` for an attempt that was retried). */
  state: JobState;
}

export interface JobView {
  id: string;
  pipeline: string;
  name: string;
  state: JobState;
  needs: string[];
  batch?: string;
  resourceGroup?: string;
  waiting?: WaitingInfo;
  agent?: string;
  reason?: string;
  exitCode?: number;
  queuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  attempts: AttemptBar[];
}

export interface DagData {
  /** The build shown, or null for a plan preview. */
  build: string | null;
  jobs: Record<string, JobView>;
  /** Job ids in report order: the layout's input order. */
  order: string[];
  /** Bumped when jobs are added, so the layout knows to run again (state changes do not move boxes). */
  shape: number;
}

export interface PlanData {
  project: string | null;
  loading: boolean;
  error: string | null;
  diagnostics: Diagnostic[];
}

/** The output files of one job, for the outputs list. */
export interface OutputsData {
  build: string | null;
  job: string | null;
  files: OutputFile[] | null;
  error: string | null;
}

export interface DagSlice {
  dag: DagData;
  plan: PlanData;
  outputs: OutputsData;
  setOutputs(outputs: OutputsData): void;
  showBuild(report: BuildReport): void;
  showPlan(project: string, jobs: PlanJob[]): void;
  setPlanState(plan: Partial<PlanData>): void;
  applyJobEvents(events: JobEvent[]): void;
}

/** The pipeline part of a job id (`pipeline/job`). */
export function pipelineOf(id: string): string {
  const slash = id.indexOf('/');
  return slash < 0 ? id : id.slice(0, slash);
}

function fromReport(job: ReportJob): JobView {
  const view: JobView = { id: job.id, pipeline: job.pipeline ?? pipelineOf(job.id), name: job.name ?? job.id.slice(pipelineOf(job.id).length + 1),
    state: job.status, needs: job.needs ?? [], attempts: [] };
  if (job.batch) view.batch = job.batch;
  if (job.resource_group) view.resourceGroup = job.resource_group;
  if (job.agent) view.agent = job.agent;
  if (job.reason) view.reason = job.reason;
  if (typeof job.exit_code === 'number') view.exitCode = job.exit_code;
  if (job.queued_at) view.queuedAt = job.queued_at;
  if (job.started_at) view.startedAt = job.started_at;
  if (job.finished_at) view.finishedAt = job.finished_at;
  if (job.attempt_history && job.attempt_history.length > 0 && job.status !== 'cached') {
    view.attempts = job.attempt_history.map((attempt) => {
      const bar: AttemptBar = { number: attempt.number, agent: attempt.agent, start: attempt.started_at, state: attempt.status as JobState };
      if (attempt.finished_at) bar.end = attempt.finished_at;
      return bar;
    });
  } else if (job.started_at && job.status !== 'cached') {
    const bar: AttemptBar = { number: job.attempts ?? 1, agent: job.agent ?? 'local', start: job.started_at, state: job.status };
    if (job.finished_at) bar.end = job.finished_at;
    view.attempts = [bar];
  }
  return view;
}

const emptyDag: DagData = { build: null, jobs: {}, order: [], shape: 0 };

/** The DAG on screen and the plan preview; job events update states, waits and attempts in one set per batch. */
export const createDagSlice: StateCreator<FarmState, [], [], DagSlice> = (set) => ({
  dag: emptyDag,
  plan: { project: null, loading: false, error: null, diagnostics: [] },
  outputs: { build: null, job: null, files: null, error: null },
  setOutputs(outputs) {
    set({ outputs });
  },
  showBuild(report) {
    const jobs: Record<string, JobView> = {};
    for (const job of report.jobs ?? []) jobs[job.id] = fromReport(job);
    set((state) => ({ dag: { build: report.build, jobs, order: Object.keys(jobs), shape: state.dag.shape + 1 } }));
  },
  showPlan(project, planJobs) {
    const jobs: Record<string, JobView> = {};
    for (const job of planJobs) {
      const batch = typeof job.batch === 'object' && job.batch !== null ? job.batch.key : job.batch;
      jobs[job.id] = fromReport({ id: job.id, pipeline: job.pipeline, name: job.name, needs: job.needs, batch, resource_group: job.resource_group ?? job.resourceGroup ?? null,
        status: job.would === 'cached' ? 'cached' : 'queued' });
    }
    set((state) => ({ dag: { build: null, jobs, order: Object.keys(jobs), shape: state.dag.shape + 1 },
      plan: { project, loading: false, error: null, diagnostics: [] } }));
  },
  setPlanState(plan) {
    set((state) => ({ plan: { ...state.plan, ...plan } }));
  },
  applyJobEvents(events) {
    set((state) => {
      const shown = events.filter((event) => event.build === state.dag.build);
      if (shown.length === 0) return {};
      const jobs = { ...state.dag.jobs };
      let order = state.dag.order;
      for (const event of shown) {
        const known = jobs[event.job];
        if (!known && order === state.dag.order) order = [...order];
        if (!known) order.push(event.job);
        jobs[event.job] = applyJobEvent(known ?? fromReport({ id: event.job, pipeline: pipelineOf(event.job), name: event.job.slice(pipelineOf(event.job).length + 1), status: 'queued' }), event);
      }
      const shape = order === state.dag.order ? state.dag.shape : state.dag.shape + 1;
      return { dag: { ...state.dag, jobs, order, shape } };
    });
  },
});

/** A job after one event: state, wait, agent, and the attempt bars (a new bar when an attempt starts). */
export function applyJobEvent(job: JobView, event: JobEvent): JobView {
  const next: JobView = { ...job, state: event.state };
  if (event.state === 'waiting' && event.waiting) next.waiting = event.waiting;
  else delete next.waiting;
  if (event.agent) next.agent = event.agent;
  if (event.batch) next.batch = event.batch;
  // Each event carries the job's reason as it is now: none clears the last one (as the report has it).
  if (event.reason) next.reason = event.reason;
  else delete next.reason;
  if (typeof event.exitCode === 'number') next.exitCode = event.exitCode;
  if (event.state === 'queued' && next.queuedAt === undefined) next.queuedAt = event.at;
  let attempts = job.attempts;
  const open = attempts.length > 0 && attempts[attempts.length - 1]!.end === undefined ? attempts[attempts.length - 1]! : undefined;
  if (event.state === 'running') {
    if (next.startedAt === undefined) next.startedAt = event.at;
    if (!open) attempts = [...attempts, { number: event.attempt ?? attempts.length + 1, agent: event.agent ?? 'local', start: event.at, state: 'running' }];
    else if (job.state === 'running') {
      // Running again: the attempt waited in an agent's queue place and starts now; its bar starts here.
      if (next.startedAt === open.start) next.startedAt = event.at;
      attempts = [...attempts.slice(0, -1), { ...open, start: event.at }];
    }
  } else if (open) {
    // An attempt that ends in anything but a finished state (queued again, waiting) was lost and retried.
    const ended = finishedJobStates.has(event.state) ? event.state : 'lost';
    attempts = [...attempts.slice(0, -1), { ...open, end: event.at, state: ended }];
  }
  if (finishedJobStates.has(event.state)) next.finishedAt = event.at;
  next.attempts = attempts;
  return next;
}
