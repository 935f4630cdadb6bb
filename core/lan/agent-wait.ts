// `--agent-wait`: a job that no online agent can take (its pool, labels, executor) fails after that
// long with the reason `no agent serves pool P` (labels named), instead of waiting forever for an
// agent that may never come. Watches the coordinator's events for agents and builds.
import type { Coordinator } from '../coordinator/types';
import { finishedJobStates, type AgentInfo } from '../protocol/types';
import type { Store } from '../store/types';

export const noAgentReason = 'no agent serves pool';

interface Needs {
  pool: string;
  labels: string[];
  executor: 'shell' | 'docker';
}

const serves = (agent: AgentInfo, needs: Needs) =>
  (agent.pools.includes('*') || agent.pools.includes(needs.pool)) &&
  needs.labels.every((label) => agent.labels.includes('*') || agent.labels.includes(label)) &&
  agent.executors.includes(needs.executor);

/** The reason a job fails with when nothing serves it. */
export function noAgentMessage(needs: Pick<Needs, 'pool' | 'labels'>): string {
  return `${noAgentReason} ${needs.pool}${needs.labels.length > 0 ? ` with labels ${needs.labels.join(', ')}` : ''}`;
}

/** Starts the watch; stop it before closing the coordinator. */
export function watchAgentWait(options: { coordinator: Pick<Coordinator, 'subscribe' | 'failReady'>; store: Pick<Store, 'getBuild'>; waitMs: number; passMs?: number }): () => void {
  const agents = new Map<string, AgentInfo>();
  const open = new Map<string, Map<string, Needs>>();
  const unservedSince = new Map<string, number>();
  const unsubscribe = options.coordinator.subscribe((event) => {
    if (event.type === 'agent') {
      if (event.state === 'online') agents.set(event.agent.id, event.agent);
      else agents.delete(event.agent.id);
    } else if (event.type === 'build' && event.state === 'running') {
      const plan = options.store.getBuild(event.build)?.plan;
      if (plan) open.set(event.build, new Map(plan.jobs.map((job) => [job.id, { pool: job.pool, labels: job.labels, executor: job.image ? 'docker' : 'shell' }])));
    } else if (event.type === 'build') {
      open.delete(event.build);
    } else if (event.type === 'job' && finishedJobStates.includes(event.state)) {
      open.get(event.build)?.delete(event.job);
      unservedSince.delete(`${event.build}\0${event.job}`);
    }
  });
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [build, jobs] of open) {
      for (const [job, needs] of jobs) {
        const key = `${build}\0${job}`;
        if ([...agents.values()].some((agent) => serves(agent, needs))) {
          unservedSince.delete(key);
          continue;
        }
        const since = unservedSince.get(key) ?? now;
        unservedSince.set(key, since);
        if (now - since >= options.waitMs) options.coordinator.failReady(build, job, noAgentMessage(needs));
      }
    }
  }, options.passMs ?? 200);
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
