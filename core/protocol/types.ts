// What crosses between a coordinator and its agents, and what the coordinator publishes to
// watchers (terminal, web UI). Versioned: an agent speaking another protocol version refuses
// new work. The embedded agent of `farmhand run` speaks exactly this too.

export const protocolVersion = 1;

export type JobState =
  | 'queued'
  | 'waiting' // ready, but waiting for a resource group
  | 'running'
  | 'success'
  | 'failed'
  | 'canceled'
  | 'skipped'
  | 'cached'
  | 'lost';

export const finishedJobStates: readonly JobState[] = ['success', 'failed', 'canceled', 'skipped', 'cached', 'lost'];

export type BuildState = 'queued' | 'running' | 'success' | 'failed' | 'canceled';

/** Why an attempt did not succeed. */
export type FailureReason = 'exit' | 'timeout' | 'oom' | 'agent_lost' | 'canceled' | 'error';

export type LogStream = 'stdout' | 'stderr';

export interface AgentInfo {
  /** Stable id (machine id for LAN agents; `local` for the embedded one). */
  id: string;
  name: string;
  pools: string[];
  labels: string[];
  slots: number;
  /**
   * Attempts it takes beyond its slots: each waits on the agent, in order, and starts the moment a
   * slot frees, so a short job's successor does not wait for the round trip to the coordinator. The
   * embedded agent holds one a slot; absent (a LAN agent): none.
   */
  queue?: number;
  executors: ('shell' | 'docker')[];
}

/** One file of a snapshot: content-addressed, relative to the workspace root. */
export interface ManifestEntry {
  path: string;
  mode: number;
  sha256: string;
  size: number;
}

/**
 * Where an attempt's files are: `local` shares the coordinator's disk (the embedded agent); a
 * `snapshot` is the project's files as a manifest, whose blobs a LAN agent fetches when it lacks them.
 */
export type WorkspaceRef = { kind: 'local'; root: string } | { kind: 'snapshot'; files: ManifestEntry[] };

/** Everything an agent needs to run one attempt of one job (or of one batch of jobs). */
export interface AttemptSpec {
  id: string;
  build: string;
  /** Job id; for a batch, the first member's. */
  job: string;
  run: string[];
  image?: string;
  /** The job's pool: an agent may isolate pools differently (agent.yml). */
  pool?: string;
  env: Record<string, string>;
  /** Relative to the workspace root. */
  workingDirectory: string;
  timeoutMs?: number;
  workspace: WorkspaceRef;
  /** Output globs to collect after success. */
  outputs: string[];
  batch?: { id: string; members: string[] };
}

export interface OutputFile {
  path: string;
  size: number;
  sha256: string;
  mode: number;
  /** For a symbolic link: its target (relative, inside the workspace); size and sha256 are of the target text. */
  link?: string;
  /**
   * A small file's bytes, sent with its description by the embedded agent over the in-memory channel,
   * so the coordinator stores them without reading the file again. Never on a wire: the validator
   * takes it only as bytes of the stated size, which JSON cannot carry.
   */
  content?: Uint8Array;
}

export interface AttemptOutcome {
  status: 'success' | 'failed' | 'canceled';
  reason?: FailureReason;
  exitCode?: number;
  /** One sentence for the user when the reason alone does not say it (e.g. image not found). */
  message?: string;
  /** A success's output files, described where the job ran (matching the attempt's output globs). */
  outputs?: OutputFile[];
  /** Why a success's outputs could not be described (a link out of the workspace, say): the job fails. */
  outputsProblem?: string;
}

/**
 * A LAN agent numbers what must not be lost (started, log, outputs, result) with `n`, per coordinator
 * identity, and keeps it on disk until the coordinator acknowledges it (heartbeat or welcome `acked`):
 * after a reconnect it resends everything past `acked`, and the coordinator drops an `n` it applied.
 * The embedded agent sends no `n`.
 */
export type AgentMessage =
  /** `running`: the attempts it holds (running, or with a result not yet acknowledged); a LAN agent sends it. */
  | { type: 'hello'; protocol: number; agent: AgentInfo; running?: string[] }
  | { type: 'started'; attempt: string; at: number; n?: number }
  | { type: 'log'; attempt: string; seq: number; stream: LogStream; data: string; n?: number }
  | { type: 'result'; attempt: string; outcome: AttemptOutcome; n?: number }
  | { type: 'heartbeat'; running: string[] }
  /** The agent shuts down: give it no new work (what it runs comes back canceled, then it closes). */
  | { type: 'leaving' }
  /** Blobs of an assigned snapshot this agent lacks. */
  | { type: 'fetch'; attempt: string; blobs: string[] }
  /** A successful attempt's output files, sent before its result (`more`: further parts follow). */
  | { type: 'outputs'; attempt: string; files: OutputFile[]; more?: boolean; n?: number }
  | BlobChunk;

/** A piece of a blob (base64, well under the message limit); `last` ends it. */
export interface BlobChunk {
  type: 'blob';
  sha256: string;
  offset: number;
  data: string;
  last: boolean;
}

export type CoordinatorMessage =
  /** `acked`: the highest numbered message of this agent applied so far (resend what comes after). */
  | { type: 'welcome'; protocol: number; coordinator: string; acked?: number }
  /** Sent every second to a LAN agent: it is alive, and has applied everything up to `acked`. */
  | { type: 'heartbeat'; acked: number }
  | { type: 'assign'; attempt: AttemptSpec }
  | { type: 'cancel'; attempt: string; reason: FailureReason }
  /** The output blobs the coordinator's store lacks (answer to `outputs`; empty when it has them all). */
  | { type: 'want'; attempt: string; blobs: string[]; more?: boolean }
  /** A part of an attempt's snapshot manifest, sent before its `assign` when the whole would not fit one message. */
  | { type: 'manifest'; attempt: string; files: ManifestEntry[] }
  | BlobChunk;

/** A resource-group wait, as shown next to a waiting job. */
export interface WaitingInfo {
  group: string;
  holders: { build: string; job: string }[];
  /** 1-based place in the queue. */
  position: number;
}

/**
 * The reason a job shows while its attempt waits in an agent's queue place (AgentInfo.queue): it is
 * `running` on that agent from its assignment, and running plainly, with a new event, once it starts.
 */
export function slotWaitReason(agent: string): string {
  return `next on ${agent}: starts when a slot frees`;
}

/** True for a reason made by slotWaitReason. */
export function isSlotWait(reason: string | undefined): boolean {
  return reason !== undefined && reason.startsWith('next on ') && reason.endsWith(': starts when a slot frees');
}

/** Every state change the coordinator publishes; the UI and terminal views are built from these. */
export type FarmEvent =
  | { type: 'build'; build: string; state: BuildState; at: number }
  | {
      type: 'job';
      build: string;
      job: string;
      state: JobState;
      at: number;
      reason?: string;
      agent?: string;
      attempt?: number;
      batch?: string;
      waiting?: WaitingInfo;
      exitCode?: number;
    }
  | { type: 'log'; build: string; job: string; seq: number; stream: LogStream; data: string; at: number }
  /** `unreachable`: not heard for 3 heartbeats; it keeps its attempts until `agent_lost_after`. */
  | { type: 'agent'; agent: AgentInfo; state: 'online' | 'unreachable' | 'offline'; at: number };

/** A two-way message channel: an in-memory pair for the embedded agent, a WebSocket for LAN agents. */
export interface Channel<In, Out> {
  send(message: Out): void;
  onMessage(handler: (message: In) => void): void;
  onClose(handler: (reason: string) => void): void;
  /** `goingAway`: the closing side shuts down for good (a LAN channel closes with 1001 then, not 1000). */
  close(goingAway?: string): void;
  /** Resolves once the transport's send buffer is low again (a blob sender waits on it; absent: no wait). */
  drained?(): Promise<void>;
}

/**
 * A running attempt's process group or container, and the process (pid + start time) that owns it:
 * recorded by the agent's executors on the coordinator's machine, kept in the store, ended by the
 * next start when its owner is dead.
 */
export interface RunningProcess {
  attempt: string;
  ownerPid: number;
  /** The owner's start time as /proc tells it; absent where there is no /proc. */
  ownerStart?: string;
  processGroup?: number;
  /** The group leader's start time, so a reused pid is not taken for the group. */
  processGroupStart?: string;
  container?: string;
  since: number;
}
