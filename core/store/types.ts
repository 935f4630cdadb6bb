// The coordinator's durable state. One SQLite file per state dir; see core/store/sqlite-store.ts.
import type { Plan } from '../plan/types';
import type { AgentInfo, RunningProcess, BuildState, FailureReason, JobState, LogStream, OutputFile, WaitingInfo } from '../protocol/types';

export interface BuildOptions {
  noCache: boolean;
  only: string[];
  /** What started the build (`farmhand run (pid 123)`, the window, a retry), for build lists. */
  origin?: string;
  /** The coordinator process that ran it: `pid:startTimeMs`. Recovery ends only builds whose owner is dead. */
  owner?: string;
}

export interface BuildRecord {
  /** `b-0001`, `b-0002`, ... sequential per state dir. */
  id: string;
  /** Absolute path of the project root. */
  project: string;
  status: BuildState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  plan: Plan;
  options: BuildOptions;
}

/** A build's row without its plan and options. */
export type BuildInfo = Omit<BuildRecord, 'plan' | 'options'>;

/** A build as listed: its row with its options and how many jobs its plan has, without the plan itself. */
export type BuildSummary = BuildInfo & { options: BuildOptions; jobs: number };

export interface JobRecord {
  build: string;
  /** Plan job id, e.g. `build-linux/compile[cc=gcc]`. */
  id: string;
  pipeline: string;
  name: string;
  state: JobState;
  reason?: string;
  key: string;
  agent?: string;
  /** Attempts started so far. */
  attempts: number;
  batch?: string;
  resourceGroup?: string;
  waiting?: WaitingInfo;
  queuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
}

/** Fields a state change may set; `undefined` leaves a field as it is, `null` clears it. */
export type JobPatch = {
  [K in Exclude<keyof JobRecord, 'build' | 'id' | 'pipeline' | 'name' | 'key'>]?: JobRecord[K] | null;
};

/** The row id of a batch member's attempt: the attempt's id for its lead (member 0), `ID#N` for the others. */
export function attemptRowId(attempt: string, member: number): string {
  return member === 0 ? attempt : `${attempt}#${member}`;
}

export interface AttemptRecord {
  id: string;
  build: string;
  job: string;
  /** 1-based. */
  number: number;
  agent: string;
  startedAt: number;
  finishedAt?: number;
  status?: 'success' | 'failed' | 'canceled' | 'lost';
  reason?: FailureReason;
  exitCode?: number;
}

export interface LogChunk {
  build: string;
  job: string;
  /** Per job, from 1, no gaps, across attempts. */
  seq: number;
  attempt: string;
  stream: LogStream;
  data: string;
  at: number;
}

export interface CacheEntry {
  key: string;
  /** The job that produced it. */
  build: string;
  job: string;
  outputs: OutputFile[];
  createdAt: number;
}

export interface ResourceHolder {
  group: string;
  build: string;
  job: string;
  since: number;
}

export interface Store {
  /** Reserves and returns the next build id. */
  nextBuildId(): string;
  /** Inserts the build and one `queued` job row per plan job, in one transaction. */
  createBuild(build: Omit<BuildRecord, 'status'> & { status?: BuildState }): void;
  updateBuild(id: string, patch: Partial<Pick<BuildRecord, 'status' | 'startedAt' | 'finishedAt'>>): void;
  /** Applies a patch; when `state` changes, also records (state, at, reason) in the job's history. Batched. */
  updateJob(build: string, job: string, patch: JobPatch, at: number): void;
  startAttempt(attempt: AttemptRecord): void;
  /** `startedAt`, when given, replaces the assignment time: when the agent said it started it. */
  finishAttempt(id: string, patch: Pick<AttemptRecord, 'finishedAt' | 'status' | 'reason' | 'exitCode'> & { startedAt?: number }): void;
  /** Appends one chunk and returns its seq (next after the job's last). Batched. */
  appendLog(chunk: Omit<LogChunk, 'seq'>): number;
  /** Commits every batched write now. */
  flush(): void;

  getBuild(id: string): BuildRecord | undefined;
  /** A build without its plan and options: what a status or project check needs (no plan parsed). */
  getBuildInfo(id: string): BuildInfo | undefined;
  /** Newest first, without their plans (parsing a big build's plan takes milliseconds: getBuild has it). */
  listBuilds(limit?: number): BuildSummary[];
  /** The project folders of the last `limit` builds, newest first, each once (read without touching a plan). */
  recentProjects(limit: number): string[];
  listJobs(build: string): JobRecord[];
  getJob(build: string, job: string): JobRecord | undefined;
  jobHistory(build: string, job: string): { state: JobState; at: number; reason?: string }[];
  listAttempts(build: string, job?: string): AttemptRecord[];
  /** Chunks with seq > afterSeq, in order. */
  readLog(build: string, job: string, afterSeq?: number): LogChunk[];

  upsertAgent(agent: AgentInfo, seenAt: number): void;
  listAgents(): (AgentInfo & { lastSeen: number })[];

  /** Records one holder of a group; the group's other holders are left as they are. */
  addHolder(holder: ResourceHolder): void;
  removeHolder(group: string, build: string, job: string): void;
  listHolders(): ResourceHolder[];

  getCacheEntry(key: string): CacheEntry | undefined;
  putCacheEntry(entry: CacheEntry): void;

  /** Job id -> median ms of its last 5 successful attempts in builds of `project` (the root), for priorities. */
  jobDurations(project: string): Map<string, number>;

  /** Builds whose status is queued or running: left so by a coordinator that died. */
  unfinishedBuilds(): BuildRecord[];

  /** Records where a running attempt's processes are (committed at once). */
  recordProcess(record: RunningProcess): void;
  /** Forgets an attempt's record once its processes are gone. */
  forgetProcess(attempt: string): void;
  listProcesses(): RunningProcess[];

  /** Records an attempt on a LAN agent (committed at once), for a coordinator that restarts. */
  recordRemoteAttempt(record: RemoteAttemptRecord): void;
  /** Forgets it once its result was taken (or it can never come). */
  forgetRemoteAttempt(attempt: string): void;
  listRemoteAttempts(): RemoteAttemptRecord[];
  /** The highest numbered message of an agent applied (batched with the writes it caused). */
  setAgentAcked(agent: string, acked: number): void;
  agentAcked(agent: string): number;

  close(): void;
}


/** Content-addressed files (job outputs), stored under the state dir. */
export interface ArtifactStore {
  /**
   * Describes a file (hash, size, mode) without storing it. A small file's bytes come back too, so
   * that storing it later needs no second read.
   */
  describe(absolutePath: string, relativePath: string): { file: OutputFile; content?: Buffer };
  /**
   * Stores a described file in the background (off the caller's thread): `content` when given,
   * else a copy of the file, which must still have the described content. Resolves false when it
   * no longer has (it changed meanwhile), true once stored.
   */
  putDescribed(absolutePath: string, file: OutputFile, content?: Buffer): Promise<boolean>;
  /** Writes the stored content of `file` to `absoluteDestination`, with its mode. */
  restore(file: OutputFile, absoluteDestination: string): void;
  has(sha256: string): boolean;
  /** A stored blob's bytes (checked against its hash), or undefined when the store lacks it. */
  read(sha256: string): Buffer | undefined;
  /** Closes the files it keeps open (after the writes the caller waited for). */
  close(): Promise<void>;
}

export type { RunningProcess } from '../protocol/types';
import type { RemoteAttemptRecord } from './remote-attempts';
export type { RemoteAttemptRecord } from './remote-attempts';
