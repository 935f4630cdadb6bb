// Runs a job as a shell script on the agent's own machine, as its own process group.
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { decodeToLog } from './decode-stream';
import { signalGroup, startLifeline, waitGroupGone } from './process-group';
import type { ExecutionRequest, ExecutionResult, Executor, LogWriter, ProcessRecorder } from './types';
import { normaliseWorkingDirectory, toScript } from './working-directory';
import { oneLine, timeoutMessage } from './messages';
import { createRunningJobs } from './running-jobs';
import { ShellPool, shellPoolAvailable } from './shell-pool';

export interface ShellExecutorOptions {
  /** Time between SIGTERM and SIGKILL when a job is timed out or canceled. Default 5000. */
  killGraceMs?: number;
  /**
   * The environment a job starts from; the job's own `env` is laid over it. Default: the agent's
   * `process.env`, so PATH, HOME and the like are what the user who started the agent has.
   */
  baseEnv?: NodeJS.ProcessEnv;
  /** The shell that runs `sh -e -c <script>`. Default '/bin/sh'. */
  shell?: string;
  /**
   * Start jobs from long-lived shell workers instead of forking Node for each (much cheaper per job).
   * Default: on where `setsid` exists (Linux); off elsewhere.
   */
  pool?: boolean;
  /** Told each attempt's process group while it runs. */
  recorder?: ProcessRecorder;
}

type StopReason = 'timeout' | 'canceled';

/** Creates the executor that runs jobs as `sh -e -c` processes in the workspace on this machine. */
export function createShellExecutor(options: ShellExecutorOptions = {}): Executor {
  const running = createRunningJobs();
  // Pooled jobs run in their worker's process group: the recorder is told of each worker, once.
  const recorder = options.recorder;
  const workers = recorder && { started: (group: number) => recorder.started(workerRecord(group), { processGroup: group }), ended: (group: number) => recorder.ended(workerRecord(group)) };
  const pool = options.pool ?? shellPoolAvailable(options.shell) ? new ShellPool(stringEnv(options.baseEnv ?? process.env), options.shell, workers) : undefined;
  return {
    kind: 'shell',
    run: (request, log, signal) =>
      running.run(signal, async (stop) => {
        if (pool) return runPooledJob(pool, request, log, stop, options);
        try {
          return await runShellJob(request, log, stop, options);
        } finally {
          options.recorder?.ended(request.attempt);
        }
      }),
    async close() {
      // Cancels whatever still runs and waits until each process group is gone.
      await running.stopAll();
      pool?.close();
    },
  };
}

async function runShellJob(request: ExecutionRequest, log: LogWriter, signal: AbortSignal, options: ShellExecutorOptions): Promise<ExecutionResult> {
  if (signal.aborted) return { status: 'canceled', reason: 'canceled' };
  const cwd = await resolveCwd(request);
  if (typeof cwd !== 'string') return cwd;

  const child = spawn(options.shell ?? '/bin/sh', ['-e', '-c', toScript(request.run)], {
    cwd,
    env: { ...(options.baseEnv ?? process.env), ...request.env },
    detached: true, // its own process group: a kill reaches every process the job started
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
  );
  const drained = Promise.all([decodeToLog(child.stdout, 'stdout', log), decodeToLog(child.stderr, 'stderr', log)]);
  const pgid = child.pid;
  if (pgid === undefined) {
    const error = await spawnError;
    await drained;
    return { status: 'failed', reason: 'error', message: `could not start ${options.shell ?? '/bin/sh'}: ${oneLine(error)}` };
  }

  options.recorder?.started(request.attempt, { processGroup: pgid });
  // When this process dies without stopping the job (kill -9), the lifeline kills the job's group.
  const lifeline = startLifeline(pgid, options.shell);
  const killGraceMs = options.killGraceMs ?? 5000;
  let stopReason: StopReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let killAt = 0;
  const stop = (reason: StopReason): void => {
    if (stopReason) return;
    stopReason = reason;
    killAt = Date.now() + killGraceMs;
    signalGroup(pgid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), killGraceMs);
  };
  const onAbort = (): void => stop('canceled');
  signal.addEventListener('abort', onAbort, { once: true });
  // A cancel during the working-directory check above has already fired: honour it now.
  if (signal.aborted) stop('canceled');
  const timeoutTimer = request.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), request.timeoutMs);

  try {
    const exit = await exited;
    clearTimeout(timeoutTimer);
    signal.removeEventListener('abort', onAbort);
    await reapGroup(pgid, stopReason ? Math.max(0, killAt - Date.now()) : 0);
    await drained;
    if (stopReason === 'timeout') return { status: 'failed', reason: 'timeout', message: timeoutMessage(request.timeoutMs) };
    if (stopReason === 'canceled') return { status: 'canceled', reason: 'canceled' };
    return toResult(exit);
  } finally {
    clearTimeout(timeoutTimer);
    clearTimeout(killTimer);
    signal.removeEventListener('abort', onAbort);
    lifeline.release();
  }
}

/** Runs a job on a pooled shell worker: same results, stops and process-group rules as runShellJob. */
async function runPooledJob(pool: ShellPool, request: ExecutionRequest, log: LogWriter, signal: AbortSignal, options: ShellExecutorOptions): Promise<ExecutionResult> {
  if (signal.aborted) return { status: 'canceled', reason: 'canceled' };
  // The worker's own `cd` finds a missing folder: no stat here on the way of every job.
  let cwd: string;
  try {
    cwd = path.join(request.workspaceRoot, normaliseWorkingDirectory(request.workingDirectory));
  } catch (error) {
    return { status: 'failed', reason: 'error', message: oneLine(error) };
  }
  let stopReason: StopReason | undefined;
  const stopper = new AbortController();
  const stop = (reason: StopReason): void => {
    if (stopReason) return;
    stopReason = reason;
    stopper.abort();
  };
  const onAbort = (): void => stop('canceled');
  signal.addEventListener('abort', onAbort, { once: true });
  const timeoutTimer = request.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), request.timeoutMs);
  try {
    const exit = await pool.run(
      { script: toScript(request.run), cwd, env: request.env },
      { output: (stream, text) => log(stream, text) },
      { signal: stopper.signal, graceMs: options.killGraceMs ?? 5000 },
    );
    if (stopReason === 'timeout') return { status: 'failed', reason: 'timeout', message: timeoutMessage(request.timeoutMs) };
    if (stopReason === 'canceled') return { status: 'canceled', reason: 'canceled' };
    if ('error' in exit) return { status: 'failed', reason: 'error', message: exit.error };
    return exit.code === 0 ? { status: 'success', exitCode: 0 } : { status: 'failed', reason: 'exit', exitCode: exit.code };
  } finally {
    clearTimeout(timeoutTimer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The record of a pool worker's process group (in place of an attempt id: the worker runs many). */
const workerRecord = (group: number) => `shell-worker:${group}`;

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/**
 * Once the job's shell has exited, nothing it started may outlive it: whatever is left in its group gets
 * `graceMs` to finish (after a SIGTERM from a stop) and is then killed.
 */
async function reapGroup(pgid: number, graceMs: number): Promise<void> {
  if (graceMs > 0 && (await waitGroupGone(pgid, graceMs))) return;
  signalGroup(pgid, 'SIGKILL');
  await waitGroupGone(pgid, 2000);
}

async function resolveCwd(request: ExecutionRequest): Promise<string | ExecutionResult> {
  let relative: string;
  try {
    relative = normaliseWorkingDirectory(request.workingDirectory);
  } catch (error) {
    return { status: 'failed', reason: 'error', message: oneLine(error) };
  }
  const cwd = path.join(request.workspaceRoot, relative);
  try {
    if ((await stat(cwd)).isDirectory()) return cwd;
    return { status: 'failed', reason: 'error', message: `working directory "${cwd}" is not a directory` };
  } catch {
    return { status: 'failed', reason: 'error', message: `working directory "${cwd}" does not exist` };
  }
}

function toResult(exit: { code: number | null; signal: NodeJS.Signals | null }): ExecutionResult {
  if (exit.code === 0) return { status: 'success', exitCode: 0 };
  if (exit.code !== null) return { status: 'failed', reason: 'exit', exitCode: exit.code };
  // Killed from outside (the kernel's OOM killer, a user's kill): report it as a shell would.
  const number = exit.signal ? osConstants.signals[exit.signal] : undefined;
  return {
    status: 'failed',
    reason: 'exit',
    ...(number === undefined ? {} : { exitCode: 128 + number }),
    message: `killed by ${exit.signal ?? 'a signal'}`,
  };
}
