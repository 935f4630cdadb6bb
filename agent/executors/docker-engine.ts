// Talking to the Docker engine as a whole: is it there, and what did a previous agent leave behind.
import { hostname } from 'node:os';
import Dockerode from 'dockerode';
import { labels } from './docker-convert';
import { dockerErrorLine, statusCode } from './docker-image';
import { processAlive } from './process-group';

/** A client for the local engine: DOCKER_HOST when set, else the socket at /var/run/docker.sock. */
export function defaultDocker(): Dockerode {
  return process.env.DOCKER_HOST ? new Dockerode() : new Dockerode({ socketPath: '/var/run/docker.sock' });
}

/** Pings the engine; says in one sentence what to do when it cannot be reached. */
export async function checkDocker(docker: Dockerode, timeoutMs = 5000): Promise<{ ok: true } | { ok: false; message: string }> {
  const where = describeEndpoint(docker);
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    if ((await Promise.race([docker.ping(), silence])) !== 'timeout') return { ok: true };
    return { ok: false, message: `Docker at ${where} did not answer within ${timeoutMs / 1000} s` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      return { ok: false, message: `Docker is not running (no socket at ${where}); start it with \`dockerd\` or install docker.io` };
    }
    if (code === 'EACCES') {
      return { ok: false, message: `Docker is running but ${where} is not accessible to this user; add the user to the docker group` };
    }
    return { ok: false, message: `Docker at ${where} is not usable: ${dockerErrorLine(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Force-removes the containers labelled as this agent's whose owner process is dead (a run that crashed
 * or was killed). A container whose owner still runs (another `farmhand run` of this machine, another
 * project) is left alone, and so is a running container whose owner cannot be told (no owner labels, or
 * another host). Returns the removed container ids and the attempts they ran.
 */
export async function cleanupStaleContainers(docker: Dockerode, agentName: string): Promise<{ removed: string[]; attempts: string[] }> {
  const listed = await docker.listContainers({ all: true, filters: { label: [`${labels.agent}=${agentName}`] } });
  const stale = listed.filter((info) => ownerIsGone(info.Labels, info.State));
  const attempts = new Set<string>();
  for (const info of stale) {
    const attempt = info.Labels[labels.attempt];
    if (attempt) attempts.add(attempt);
  }
  const removed = await removeContainers(docker, stale.map((info) => info.Id));
  return { removed, attempts: [...attempts] };
}

/** Force-removes containers by id; one already gone counts as removed. */
export async function removeContainers(docker: Dockerode, ids: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const id of ids) {
    try {
      await docker.getContainer(id).remove({ force: true });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
    removed.push(id);
  }
  return removed;
}

/** True when the container's owner labels name a process of this host that no longer runs. */
function ownerIsGone(containerLabels: Record<string, string>, state: string): boolean {
  const pid = Number(containerLabels[labels.ownerPid]);
  if (!containerLabels[labels.ownerPid] || containerLabels[labels.ownerHost] !== hostname()) return state !== 'running';
  return !processAlive(pid, containerLabels[labels.ownerStart]);
}

function describeEndpoint(docker: Dockerode): string {
  const modem = docker.modem as { socketPath?: unknown; host?: unknown; port?: unknown };
  if (typeof modem.socketPath === 'string') return modem.socketPath;
  return `${String(modem.host)}:${String(modem.port)}`;
}
