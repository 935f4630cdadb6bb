// The translation of one job into Docker's create options. Pure: the docker executor only makes the calls.
import type { ContainerCreateOptions } from 'dockerode';
import type { ExecutionRequest } from './types';
import { normaliseWorkingDirectory, toScript } from './working-directory';

export interface DockerExecutorConfig {
  /** 'none' (default) gives the container only `lo`. */
  network?: 'none' | 'bridge' | 'host';
  /** 'uid:gid' (or a user name of the image) the job runs as; default: the image's user. */
  user?: string;
  memoryBytes?: number;
  /** CPU quota in units of 1e-9 CPUs (Docker's NanoCpus). */
  nanoCpus?: number;
  pidsLimit?: number;
  /** Written into the `farmhand.agent` label, which `cleanupStaleContainers` looks for. */
  agentName: string;
  /**
   * The process that owns the containers (the agent's pid, its start time, its host), written into labels:
   * clean-up removes a container only when its owner no longer runs. Set by the docker executor.
   */
  owner?: ContainerOwner;
}

/** Who runs a container: a process on a host, with its start time so a reused pid is not mistaken for it. */
export interface ContainerOwner {
  host: string;
  pid: number;
  start?: string;
}

/** Where the workspace is mounted in every job container. */
export const containerWorkspace = '/workspace';

/** Label keys on every container the docker executor creates. */
export const labels = {
  build: 'farmhand.build',
  job: 'farmhand.job',
  agent: 'farmhand.agent',
  attempt: 'farmhand.attempt',
  ownerHost: 'farmhand.owner.host',
  ownerPid: 'farmhand.owner.pid',
  ownerStart: 'farmhand.owner.start',
} as const;

/** The owner labels of a container (none without an owner). */
export function ownerLabels(owner: ContainerOwner | undefined): Record<string, string> {
  if (!owner) return {};
  return { [labels.ownerHost]: owner.host, [labels.ownerPid]: String(owner.pid), ...(owner.start === undefined ? {} : { [labels.ownerStart]: owner.start }) };
}

/**
 * Converts a job into dockerode's `createContainer` options.
 * Throws an Error with a user-facing message when the request cannot become a container
 * (no image, a workspace path Docker cannot bind, a working directory outside the workspace, a bad env name).
 */
export function toContainerOptions(request: ExecutionRequest, config: DockerExecutorConfig): ContainerCreateOptions {
  if (!request.image) throw new Error(`job "${request.job}" has no image; the docker executor needs one`);
  const workingDirectory = normaliseWorkingDirectory(request.workingDirectory);
  return {
    Image: request.image,
    Cmd: ['/bin/sh', '-e', '-c', toScript(request.run)],
    Env: toEnv(request.env),
    WorkingDir: workingDirectory === '.' ? containerWorkspace : `${containerWorkspace}/${workingDirectory}`,
    ...(config.user ? { User: config.user } : {}),
    Tty: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    Labels: {
      [labels.build]: request.build,
      [labels.job]: request.job,
      [labels.agent]: config.agentName,
      [labels.attempt]: request.attempt,
      ...ownerLabels(config.owner),
    },
    HostConfig: {
      Binds: [workspaceBind(request.workspaceRoot)],
      NetworkMode: config.network ?? 'none',
      // An init process as PID 1 forwards `docker stop`'s SIGTERM to the job's shell (a shell as PID 1
      // ignores it and every stop would wait out the grace period) and reaps orphaned children.
      Init: true,
      ...resourceLimits(config),
      AutoRemove: false,
    },
  };
}

/** The bind of the host workspace; throws when Docker would misread the path. */
export function workspaceBind(workspaceRoot: string): string {
  // A relative source would be taken as a named volume; ':' and ',' would split the bind spec.
  if (!workspaceRoot.startsWith('/')) {
    throw new Error(`invalid mount path "${workspaceRoot}": the workspace must be an absolute host path`);
  }
  if (/[:,\n\0]/.test(workspaceRoot)) {
    throw new Error(`invalid mount path "${workspaceRoot}": Docker cannot bind a path containing ':' or ','`);
  }
  return `${workspaceRoot}:${containerWorkspace}:rw`;
}

function toEnv(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw new Error(`invalid environment variable name "${name}"`);
    }
    return `${name}=${value}`;
  });
}

function resourceLimits(config: DockerExecutorConfig): Pick<NonNullable<ContainerCreateOptions['HostConfig']>, 'Memory' | 'MemorySwap' | 'NanoCpus' | 'PidsLimit'> {
  const limits: ReturnType<typeof resourceLimits> = {};
  if (config.memoryBytes !== undefined) {
    limits.Memory = positiveInteger('memoryBytes', config.memoryBytes);
    // Equal to Memory: no swap on top, so a job over its limit is OOM-killed instead of crawling.
    limits.MemorySwap = limits.Memory;
  }
  if (config.nanoCpus !== undefined) limits.NanoCpus = positiveInteger('nanoCpus', config.nanoCpus);
  if (config.pidsLimit !== undefined) limits.PidsLimit = positiveInteger('pidsLimit', config.pidsLimit);
  return limits;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`docker executor setting ${name} must be a positive integer, got ${value}`);
  return value;
}
