// The coordinator's public face: what it is made from and what it offers.
import type { Plan } from '../plan/types';
import type { AgentInfo, AgentMessage, Channel, CoordinatorMessage, FarmEvent } from '../protocol/types';
import type { ArtifactStore, BuildOptions, Store } from '../store/types';

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface HookRequest {
  commands: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface CoordinatorOptions {
  store: Store;
  artifacts: ArtifactStore;
  clock: Clock;
  name?: string;
  /** Runs a pipeline's on_start / on_success / on_failure commands on the coordinator's machine. */
  runHook?: (hook: HookRequest) => Promise<void>;
  warn?: (message: string) => void;
  /** How long events gather before one commit and delivery (default 15 ms). */
  eventDelayMs?: number;
  /** How long an agent that sends heartbeats may stay silent before its attempts count as lost, unless their plan sets agent_lost_after (default 60 s). */
  agentSilenceMs?: number;
  /** Its builds are taken over by the next owner of the state dir when it dies (`farmhand serve`, the app; not `farmhand run`). */
  resumable?: boolean;
}

export interface StartBuildRequest {
  root: string;
  plan: Plan;
  options: BuildOptions;
}

/** An agent that gets work now: the slots it fills (a batch fills one), when it was last heard, and whether it is silent. */
export interface LiveAgent {
  info: AgentInfo;
  running: number;
  heardAt: number;
  state: 'online' | 'unreachable';
}

export interface Coordinator {
  attachAgent(channel: Channel<AgentMessage, CoordinatorMessage>): void;
  startBuild(request: StartBuildRequest): string;
  cancelBuild(id: string, reason?: string): boolean;
  /** Stops every build as failed, for a reason outside their jobs (the store refuses writes). */
  failAll(reason: string): void;
  /** Fails a job that is ready but not started (no agent can take it); false when it is not waiting for a slot. */
  failReady(build: string, job: string, reason: string): boolean;
  subscribe(listener: (event: FarmEvent) => void): () => void;
  /** Commits the store and hands the events waiting for it to the listeners now, not after the short delay. */
  flushEvents(): void;
  /** The agents that get work now: how many slots each fills and when it was last heard. */
  liveAgents(): LiveAgent[];
  /** Resolves with the build's final status once every job and hook is done. */
  finished(id: string): Promise<'success' | 'failed' | 'canceled'>;
  /** After a restart: re-opens these builds (left with attempts on LAN agents); other remote attempts' results feed the cache. */
  resume(builds: string[]): void;
  /** Resolves once the results LAN agents kept for attempts of closed builds are in the cache (or `timeoutMs`). */
  settleOrphans(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}
