// A Docker executor that connects on first use: `farmhand serve` and a `farmhand run` that owns the
// state dir accept builds of projects they have not seen, some with images, and must not need
// Docker before such a job comes. A job that comes while Docker is missing fails with the reason.
import { hostname } from 'node:os';
import type { AgentConfig } from '../agent/config';
import type { Executor } from '../agent/executors/types';

/** The Docker executor behind a first-use connection. */
export function createLazyDockerExecutor(config: AgentConfig): Executor {
  let started: Promise<Executor | { message: string }> | undefined;
  const start = async (): Promise<Executor | { message: string }> => {
    const { createDockerExecutor } = await import('../agent/executors/docker-executor');
    const { checkDocker, defaultDocker } = await import('../agent/executors/docker-engine');
    const docker = defaultDocker();
    const check = await checkDocker(docker);
    if (!check.ok) return { message: check.message };
    return createDockerExecutor({ docker, config: { ...config.docker, agentName: hostname() } });
  };
  return {
    kind: 'docker',
    async run(request, log, signal) {
      started ??= start();
      const executor = await started;
      // Asked again next time: Docker may have been started meanwhile.
      if ('message' in executor) {
        started = undefined;
        return { status: 'failed', reason: 'error', message: executor.message };
      }
      return executor.run(request, log, signal);
    },
    async close() {
      const executor = await started;
      if (executor && !('message' in executor)) await executor.close();
    },
  };
}
