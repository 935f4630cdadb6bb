// The shapes the coordinator's HTTP API returns (../shared/cli-contract.md, "The coordinator's HTTP API"),
// as the window reads them. Fields the contract marks optional may be missing from older coordinators.
import type { BuildState, JobState, LogStream, OutputFile } from '../../core/protocol/types';

/** One job of a run report (`GET /api/builds/ID`), plus `needs`. */
export interface ReportJob {
  id: string;
  pipeline: string;
  name: string;
  status: JobState;
  reason?: string | null;
  key?: string;
  agent?: string | null;
  attempts?: number;
  /** Every attempt, oldest first (lost ones included); missing from older coordinators. */
  attempt_history?: { number: number; agent: string; status: string; reason?: string | null; started_at: number; finished_at?: number | null }[];
  batch?: string | null;
  resource_group?: string | null;
  queued_at?: number;
  started_at?: number;
  finished_at?: number;
  exit_code?: number | null;
  needs?: string[];
}

/** A build as `GET /api/builds` lists it and `GET /api/builds/ID` reports it. */
export interface BuildReport {
  build: string;
  status: BuildState;
  project?: string;
  /** What started it: `window`, `farmhand run`, `retry of JOB from BUILD`... */
  origin?: string | null;
  created_at?: number;
  started_at?: number;
  finished_at?: number;
  jobs?: ReportJob[];
}

/** A job of `GET /api/plan` (`plan --format json`). */
export interface PlanJob {
  id: string;
  pipeline: string;
  name: string;
  key?: string;
  needs: string[];
  /** `plan --format json` says; a coordinator sending its internal plan leaves it out. */
  would?: 'run' | 'cached';
  batch?: string | { key: string } | null;
  resource_group?: string | null;
  resourceGroup?: string;
}

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  remedy?: string;
}

export interface Project {
  id: string;
  dir: string;
  name?: string;
}

export interface AgentRow {
  id: string;
  name: string;
  address?: string;
  port?: number;
  pools: string[];
  labels: string[];
  slots: number;
  busy: number;
  fingerprint?: string;
  paired: boolean;
  online: boolean;
  last_seen?: number;
  warning?: string | null;
}

export interface ResourceGroupRow {
  name: string;
  /** The project folder the group belongs to (groups are per project). */
  project: string;
  capacity: number;
  holders: { build: string; job: string }[];
  waiters: { build: string; job: string; position: number }[];
}

/** A page of a job's log: lines after the `from` asked for; `next` is the last seq sent (ask from it next). */
export interface LogLinePage {
  lines: { seq: number; stream: LogStream; text: string; at: number }[];
  next: number;
}

export type { OutputFile };
