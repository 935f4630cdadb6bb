// Runs a job in a fresh container of its image, the workspace bind-mounted at /workspace.
// This file only makes Docker calls; what the container looks like is decided in docker-convert.ts.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { decodeToLog } from './decode-stream';
import { toContainerOptions, type DockerExecutorConfig } from './docker-convert';
import { defaultDocker } from './docker-engine';
import { startContainerLifeline, type ContainerLifeline } from './docker-lifeline';
import { createImageResolver, dockerErrorLine } from './docker-image';
import { oneLine, timeoutMessage } from './messages';
import { createRunningJobs } from './running-jobs';
import type { ExecutionRequest, ExecutionResult, Executor, LogWriter, ProcessRecorder } from './types';
import { normaliseWorkingDirectory } from './working-directory';
import { processStartTime } from './process-group';
import { hostname } from 'node:os';

export { checkDocker, cleanupStaleContainers, defaultDocker } from './docker-engine';
export type { DockerExecutorConfig } from './docker-convert';

export interface DockerExecutorOptions {
  /** Default: the local engine (DOCKER_HOST, else /var/run/docker.sock). */
  docker?: Dockerode;
  config: DockerExecutorConfig;
  /** Seconds `docker stop` waits after SIGTERM before it kills, on timeout or cancel. Default 5. */
  stopGraceSeconds?: number;
  /** How long a missing image may take to pull before the job fails. Default 60 000. */
  pullTimeoutMs?: number;
  /**
   * Who gets the workspace's files back after each container (its files are created by the container's user).
   * Default: the agent's own uid:gid when the agent is not root and no `config.user` is set; null: never.
   */
  workspaceOwner?: { uid: number; gid: number } | null;
  /** Told each attempt's container while it exists. */
  recorder?: ProcessRecorder;
}

const canceled: ExecutionResult = { status: 'canceled', reason: 'canceled' };
const errorResult = (message: string): ExecutionResult => ({ status: 'failed', reason: 'error', message });

/** Creates the executor that runs each job in its own container and removes the container afterwards. */
export function createDockerExecutor(options: DockerExecutorOptions): Executor {
  const docker = options.docker ?? defaultDocker();
  const ensureImage = createImageResolver(docker, options.pullTimeoutMs ?? 60_000);
  const owner = options.workspaceOwner !== undefined ? options.workspaceOwner : defaultOwner(options.config);
  const running = createRunningJobs();
  // Labels on each container name this process as its owner, so clean-up never removes a live run's container.
  const start = processStartTime(process.pid);
  const config: DockerExecutorConfig = { ...options.config, owner: options.config.owner ?? { host: hostname(), pid: process.pid, ...(start === undefined ? {} : { start }) } };

  async function runJob(request: ExecutionRequest, log: LogWriter, signal: AbortSignal): Promise<ExecutionResult> {
    if (signal.aborted) return canceled;
    let createOptions: Dockerode.ContainerCreateOptions;
    try {
      createOptions = toContainerOptions(request, config);
    } catch (error) {
      return errorResult(oneLine(error));
    }
    const missing = await checkWorkingDirectory(request);
    if (missing) return errorResult(missing);
    const image = await ensureImage(createOptions.Image as string, signal);
    if (!image.ok) return image.canceled ? canceled : errorResult(image.message);
    if (signal.aborted) return canceled;

    let container: Dockerode.Container | undefined;
    let lifeline: ContainerLifeline | undefined;
    try {
      container = await docker.createContainer(createOptions);
      options.recorder?.started(request.attempt, { container: container.id });
      // When this process dies mid-job, the container is removed by its lifeline (local engines on a socket).
      const socketPath = (docker.modem as { socketPath?: unknown }).socketPath;
      if (typeof socketPath === 'string') lifeline = startContainerLifeline(socketPath, container.id);
      const result = await runContainer(container, log, signal, request.timeoutMs, options.stopGraceSeconds ?? 5);
      if (result.status === 'failed' && result.reason === 'exit' && (await container.inspect()).State.OOMKilled) {
        return { ...result, reason: 'oom', message: oomMessage(config.memoryBytes) };
      }
      return result;
    } catch (error) {
      return errorResult(`docker: ${dockerErrorLine(error)}`);
    } finally {
      lifeline?.disarm();
      await container?.remove({ force: true }).catch(() => undefined);
      if (container && owner) await giveBackWorkspace(docker, createOptions, owner, log);
      if (container) options.recorder?.ended(request.attempt);
    }
  }

  return {
    kind: 'docker',
    run: (request, log, signal) => running.run(signal, (stop) => runJob(request, log, stop)),
    // Cancels what still runs; each job removes its own container before its promise settles.
    close: () => running.stopAll(),
  };
}

/**
 * Attaches, starts and waits for one container, streaming its output to `log`.
 * Resolves after the container has exited and its output is drained.
 */
async function runContainer(
  container: Dockerode.Container,
  log: LogWriter,
  signal: AbortSignal,
  timeoutMs: number | undefined,
  stopGraceSeconds: number,
): Promise<ExecutionResult> {
  // Attach before start, or the first output is lost.
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  container.modem.demuxStream(stream, stdout, stderr);
  const drained = Promise.all([decodeToLog(stdout, 'stdout', log), decodeToLog(stderr, 'stderr', log)]);
  const streamEnded = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  // 'next-exit', registered before start: the default condition returns at once for a created container.
  const exited: Promise<{ StatusCode: number }> = container.wait({ condition: 'next-exit' });
  exited.catch(() => undefined); // start may fail; the rejection is not this function's result then

  let stopReason: 'timeout' | 'canceled' | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = (reason: 'timeout' | 'canceled'): void => {
    if (stopReason) return;
    stopReason = reason;
    // SIGTERM to the container's init, SIGKILL after the grace period; resolves when it is stopped.
    container.stop({ t: stopGraceSeconds }).catch(() => undefined);
  };
  const onAbort = (): void => stop('canceled');
  try {
    if (signal.aborted) return canceled;
    await container.start();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) stop('canceled');
    if (timeoutMs !== undefined) timer = setTimeout(() => stop('timeout'), timeoutMs);
    const { StatusCode } = await exited;
    clearTimeout(timer);
    // The attach stream ends with the container's output; do not hang on an engine that never closes it.
    let drainTimer: NodeJS.Timeout | undefined;
    await Promise.race([streamEnded, new Promise((resolve) => (drainTimer = setTimeout(resolve, 2000)))]);
    // Cleared, or the timer alone would keep a finished `farmhand run` alive for 2 s.
    clearTimeout(drainTimer);
    stdout.end();
    stderr.end();
    await drained;
    if (stopReason === 'timeout') return { status: 'failed', reason: 'timeout', message: timeoutMessage(timeoutMs) };
    if (stopReason === 'canceled') return canceled;
    if (StatusCode === 0) return { status: 'success', exitCode: 0 };
    return { status: 'failed', reason: 'exit', exitCode: StatusCode };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    (stream as NodeJS.ReadWriteStream & { destroy?: () => void }).destroy?.();
    stdout.end();
    stderr.end();
  }
}

/** Docker would create a missing working directory (as root); the shell executor fails instead, and so does this. */
async function checkWorkingDirectory(request: ExecutionRequest): Promise<string | undefined> {
  const directory = path.join(request.workspaceRoot, normaliseWorkingDirectory(request.workingDirectory));
  try {
    if ((await stat(directory)).isDirectory()) return undefined;
    return `working directory "${directory}" is not a directory`;
  } catch {
    return `working directory "${directory}" does not exist`;
  }
}

function oomMessage(memoryBytes: number | undefined): string {
  return memoryBytes === undefined ? 'killed: out of memory' : `killed: out of memory (limit ${Math.round(memoryBytes / 2 ** 20)} MiB)`;
}

/**
 * When the agent is root, files a root container writes are the agent's already; otherwise they would stay
 * root-owned and the agent could not clean the workspace. A user-configured container user is left alone.
 */
function defaultOwner(config: DockerExecutorConfig): { uid: number; gid: number } | null {
  if (config.user || typeof process.getuid !== 'function' || typeof process.getgid !== 'function') return null;
  const uid = process.getuid();
  return uid === 0 ? null : { uid, gid: process.getgid() };
}

/** Runs `chown -R uid:gid /workspace` as root in a one-shot container of the job's image. */
async function giveBackWorkspace(
  docker: Dockerode,
  job: Dockerode.ContainerCreateOptions,
  owner: { uid: number; gid: number },
  log: LogWriter,
): Promise<void> {
  let helper: Dockerode.Container | undefined;
  try {
    helper = await docker.createContainer({
      Image: job.Image,
      Cmd: ['chown', '-R', `${owner.uid}:${owner.gid}`, '/workspace'],
      User: '0:0',
      Labels: job.Labels,
      HostConfig: { Binds: job.HostConfig?.Binds, NetworkMode: 'none', AutoRemove: false },
    });
    const exited: Promise<{ StatusCode: number }> = helper.wait({ condition: 'next-exit' });
    exited.catch(() => undefined);
    await helper.start();
    const { StatusCode } = await exited;
    if (StatusCode !== 0) throw new Error(`chown exited with code ${StatusCode}`);
  } catch (error) {
    log('stderr', `farmhand: could not give the workspace files back to ${owner.uid}:${owner.gid}: ${dockerErrorLine(error)}\n`);
  } finally {
    await helper?.remove({ force: true }).catch(() => undefined);
  }
}
