// Conversions between SQLite rows (snake_case, NULL, JSON text) and the store's records
// (camelCase, absent optional fields, objects).
import type { AgentInfo, BuildState, FailureReason, JobState, LogStream } from '../protocol/types';
import type { AttemptRecord, BuildInfo, BuildRecord, BuildSummary, CacheEntry, JobPatch, JobRecord, LogChunk, ResourceHolder } from './types';

export interface BuildRow {
  id: string;
  project: string;
  status: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  plan: string;
  options: string;
}

export interface JobRow {
  build: string;
  id: string;
  pipeline: string;
  name: string;
  state: string;
  reason: string | null;
  key: string;
  agent: string | null;
  attempts: number;
  batch: string | null;
  resource_group: string | null;
  waiting: string | null;
  queued_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
}

export interface AttemptRow {
  id: string;
  build: string;
  job: string;
  number: number;
  agent: string;
  started_at: number;
  finished_at: number | null;
  status: string | null;
  reason: string | null;
  exit_code: number | null;
}

export interface AgentRow {
  id: string;
  name: string;
  pools: string;
  labels: string;
  slots: number;
  executors: string;
  last_seen: number;
}

export interface CacheRow {
  key: string;
  build: string;
  job: string;
  outputs: string;
  created_at: number;
}

/** Copies `value` onto `target[key]` unless it is NULL, so absent fields stay absent. */
function setIfPresent<T, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value !== null) target[key] = value;
}

/** A build row without its plan and options as a BuildInfo. */
export function toBuildInfo(row: Omit<BuildRow, 'plan' | 'options'>): BuildInfo {
  const build: BuildInfo = { id: row.id, project: row.project, status: row.status as BuildState, createdAt: row.created_at };
  setIfPresent(build, 'startedAt', row.started_at);
  setIfPresent(build, 'finishedAt', row.finished_at);
  return build;
}

/** A build row as a BuildRecord. */
export function toBuild(row: BuildRow): BuildRecord {
  return { ...toBuildInfo(row), plan: JSON.parse(row.plan) as BuildRecord['plan'], options: JSON.parse(row.options) as BuildRecord['options'] };
}

/** A build row as listed: no plan, its job count instead. */
export type BuildSummaryRow = Omit<BuildRow, 'plan'> & { job_count: number };

/** A listed build row as a BuildSummary. */
export function toBuildSummary(row: BuildSummaryRow): BuildSummary {
  return { ...toBuildInfo(row), options: JSON.parse(row.options) as BuildSummary['options'], jobs: row.job_count };
}

/** A job row as a JobRecord. */
export function toJob(row: JobRow): JobRecord {
  const job: JobRecord = {
    build: row.build,
    id: row.id,
    pipeline: row.pipeline,
    name: row.name,
    state: row.state as JobState,
    key: row.key,
    attempts: row.attempts,
  };
  setIfPresent(job, 'reason', row.reason);
  setIfPresent(job, 'agent', row.agent);
  setIfPresent(job, 'batch', row.batch);
  setIfPresent(job, 'resourceGroup', row.resource_group);
  if (row.waiting !== null) job.waiting = JSON.parse(row.waiting) as JobRecord['waiting'];
  setIfPresent(job, 'queuedAt', row.queued_at);
  setIfPresent(job, 'startedAt', row.started_at);
  setIfPresent(job, 'finishedAt', row.finished_at);
  setIfPresent(job, 'exitCode', row.exit_code);
  return job;
}

/** An attempt row as an AttemptRecord. */
export function toAttempt(row: AttemptRow): AttemptRecord {
  const attempt: AttemptRecord = {
    id: row.id,
    build: row.build,
    job: row.job,
    number: row.number,
    agent: row.agent,
    startedAt: row.started_at,
  };
  setIfPresent(attempt, 'finishedAt', row.finished_at);
  setIfPresent(attempt, 'status', row.status as AttemptRecord['status'] | null);
  setIfPresent(attempt, 'reason', row.reason as FailureReason | null);
  setIfPresent(attempt, 'exitCode', row.exit_code);
  return attempt;
}

/** A log row (already shaped like a LogChunk apart from the stream's type). */
export function toLogChunk(row: LogChunk): LogChunk {
  return { ...row, stream: row.stream as LogStream };
}

/** An agent row as AgentInfo plus when it was last seen. */
export function toAgent(row: AgentRow): AgentInfo & { lastSeen: number } {
  return {
    id: row.id,
    name: row.name,
    pools: JSON.parse(row.pools) as string[],
    labels: JSON.parse(row.labels) as string[],
    slots: row.slots,
    executors: JSON.parse(row.executors) as AgentInfo['executors'],
    lastSeen: row.last_seen,
  };
}

/** A cache row as a CacheEntry. */
export function toCacheEntry(row: CacheRow): CacheEntry {
  return { key: row.key, build: row.build, job: row.job, outputs: JSON.parse(row.outputs) as CacheEntry['outputs'], createdAt: row.created_at };
}

/** A holder row as a ResourceHolder. */
export function toHolder(row: { group_name: string; build: string; job: string; since: number }): ResourceHolder {
  return { group: row.group_name, build: row.build, job: row.job, since: row.since };
}

const jobColumns: Record<keyof JobPatch, string> = {
  state: 'state',
  reason: 'reason',
  agent: 'agent',
  attempts: 'attempts',
  batch: 'batch',
  resourceGroup: 'resource_group',
  waiting: 'waiting',
  queuedAt: 'queued_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  exitCode: 'exit_code',
};

/** The columns a patch sets and their SQL values (`null` clears; `undefined` fields are left out). */
export function jobPatchColumns(patch: JobPatch): { columns: string[]; values: (string | number | null)[] } {
  const columns: string[] = [];
  const values: (string | number | null)[] = [];
  for (const [field, column] of Object.entries(jobColumns) as [keyof JobPatch, string][]) {
    const value = patch[field];
    if (value === undefined) continue;
    if (value === null && (field === 'attempts' || field === 'state')) throw new Error(`updateJob: \`${field}\` cannot be cleared`);
    columns.push(column);
    values.push(value === null ? null : typeof value === 'object' ? JSON.stringify(value) : value);
  }
  return { columns, values };
}
