// The embedded agent of `farmhand run`: this machine, every pool and label, shell and (when Docker
// answers) docker executors, on an in-memory channel to the in-process coordinator.
import { hostname } from 'node:os';
import type { Agent } from './agent';
import { createAgent } from './agent';
import { inlineOutputBytes } from './describe-outputs';
import type { AgentMessage, Channel, CoordinatorMessage } from '../core/protocol/types';
import type { AgentConfig } from './config';
import type { Executor } from './executors/types';

export interface LocalAgentOptions {
  channel: Channel<CoordinatorMessage, AgentMessage>;
  slots: number;
  shell: Executor;
  docker?: Executor;
  config: AgentConfig;
  now: () => number;
  warn?: (message: string) => void;
}

/** Starts the embedded agent; close it to stop what runs and release the executors. */
export function startLocalAgent(options: LocalAgentOptions): Agent {
  const executors: Partial<Record<'shell' | 'docker', Executor>> = { shell: options.shell };
  if (options.docker) executors.docker = options.docker;
  // It takes image jobs when it can run them: in Docker, or as processes where agent.yml says so.
  const imagesAsProcesses = options.config.isolation === 'shell' || Object.values(options.config.pools).some((pool) => pool.isolation === 'shell');
  const agent = createAgent({
    info: { id: 'local', name: hostname(), pools: ['*'], labels: ['*'], slots: options.slots, queue: options.slots, executors: options.docker || imagesAsProcesses ? ['shell', 'docker'] : ['shell'] },
    channel: options.channel,
    executors,
    config: options.config,
    now: options.now,
    warn: options.warn,
    // Its channel is in memory: small outputs travel with the result, read once. It holds one attempt a
    // slot beyond its slots (queue), started the moment a job ends.
    inlineOutputBytes,
  });
  return {
    running: () => agent.running(),
    async close() {
      await agent.close();
      await Promise.all(Object.values(executors).map((executor) => executor.close()));
    },
  };
}
