// One interface for every way an agent runs a job (shell process, Docker container).
import type { FailureReason, LogStream } from '../../core/protocol/types';

export interface ExecutionRequest {
  /** Ids for labels and messages. */
  attempt: string;
  build: string;
  job: string;
  agent: string;
  /** Commands run in order in one shell, stopping at the first failure (`sh -e`). */
  run: string[];
  /** Container image (docker executor only). */
  image?: string;
  env: Record<string, string>;
  /** Absolute host path of the workspace (bind-mounted at /workspace by the docker executor). */
  workspaceRoot: string;
  /** Relative to workspaceRoot; '.' for the root. */
  workingDirectory: string;
  timeoutMs?: number;
}

/** Receives output as it arrives. Chunks of one stream come in order; utf-8 is never split mid-character. */
export type LogWriter = (stream: LogStream, data: string) => void;

export interface ExecutionResult {
  status: 'success' | 'failed' | 'canceled';
  reason?: FailureReason;
  exitCode?: number;
  message?: string;
}

export interface Executor {
  readonly kind: 'shell' | 'docker';
  /**
   * Runs one job to the end. Never throws for a job's failure: a timeout, a cancel (signal aborted),
   * a missing image or an OOM kill are results with a reason. Nothing it started outlives it.
   */
  run(request: ExecutionRequest, log: LogWriter, signal: AbortSignal): Promise<ExecutionResult>;
  close(): Promise<void>;
}

/** Where a running attempt's processes are: its process group here, or its container. */
export interface ProcessPlace {
  processGroup?: number;
  container?: string;
}

/**
 * Told where each attempt runs while it runs, so that a later start can end what a crashed owner left
 * (`farmhand run` writes it to the state dir). Called synchronously; must not throw.
 */
export interface ProcessRecorder {
  started(attempt: string, place: ProcessPlace): void;
  ended(attempt: string): void;
}
