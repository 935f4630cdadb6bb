// Paired LAN agents joining a coordinator: every paired agent that is online (heard on mDNS with its
// pinned fingerprint, else at its last known address) is dialed, pinned, wrapped in a remote session
// and attached; agents that come online later join on the next pass; a lost connection is re-dialed
// with a backoff that doubles up to 2 s, and resumes the agent's session (agent-link.ts) unless the
// re-dial is refused (the agent is gone: its attempts are lost now). Counts the bytes moved per build.
import type { Coordinator } from '../coordinator/types';
import type { ArtifactStore, Store } from '../store/types';
import type { TrustedPeer } from '../protocol/lan-identity';
import { openCoordinatorIdentity, readPairedAgents } from './coordinator-identity';
import { createAgentLink, type AgentLink } from './agent-link';
import { connectAgent, type DialFailure } from './dial';
import type { Discovery } from './discovery';
import { remoteSession, type TransferDirection } from './remote-session';
import { createSnapshotter, scopeIndex, snapshotScope, type ScopeIndex } from './snapshot';

export interface RemoteAgentsOptions {
  stateDir: string;
  coordinator: Pick<Coordinator, 'attachAgent'>;
  artifacts: ArtifactStore;
  /** Where builds' plans are read (to tell sources from outputs in a snapshot). */
  store: Pick<Store, 'getBuild' | 'getBuildInfo'> & Partial<Pick<Store, 'agentAcked' | 'setAgentAcked' | 'flush' | 'listRemoteAttempts'>>;
  log(line: string): void;
  /** The coordinator's mDNS browser, for the agents' current addresses (none: last known addresses only). Its owner closes it. */
  discovery?: Discovery;
  passMs?: number;
  maxBackoffMs?: number;
}

export interface RemoteAgents {
  /** Bytes moved to and from agents for a build (zeros when none). */
  transfer(build: string): Record<TransferDirection, number>;
  close(): Promise<void>;
}

interface Link {
  agent?: AgentLink;
  dialing: boolean;
  nextDialAt: number;
  backoffMs: number;
}

const isGone = (failure: DialFailure) => (failure.kind === 'unreachable' ? failure.code === 'ECONNREFUSED' : true);

/** Starts attaching paired agents; with none paired it does nothing (no mDNS, no timers). */
export async function startRemoteAgents(options: RemoteAgentsOptions): Promise<RemoteAgents> {
  const counts = new Map<string, Record<TransferDirection, number>>();
  const transfer = (build: string) => ({ to_agents_bytes: 0, from_agents_bytes: 0, ...counts.get(build) });
  if (readPairedAgents(options.stateDir).length === 0) return { transfer, close: async () => {} };

  const { identity, pairedAgents } = await openCoordinatorIdentity(options.stateDir);
  const maxBackoff = options.maxBackoffMs ?? 2000;
  const snapshots = createSnapshotter();
  const { discovery } = options;
  const links = new Map<string, Link>();
  let closed = false;

  const count = (build: string, direction: TransferDirection, bytes: number) => {
    const entry = transfer(build);
    entry[direction] += bytes;
    counts.set(build, entry);
  };

  // A build's plan is read from the store once, not for every assign (it never changes).
  const scopes = new Map<string, ScopeIndex | undefined>();
  const scope = (build: string, members: string[]) => {
    if (!scopes.has(build)) {
      const plan = options.store.getBuild(build)?.plan;
      scopes.set(build, plan && scopeIndex(plan.jobs));
      // Builds run a few at a time: the oldest memo goes once more are kept.
      if (scopes.size > 16) scopes.delete(scopes.keys().next().value!);
    }
    const index = scopes.get(build);
    return index && snapshotScope(index, members);
  };

  // Outputs of an attempt a killed coordinator of this state dir assigned still come in (coordinator/resume.ts).
  const adopt = (attempt: string) => {
    const row = options.store.listRemoteAttempts?.().find((remote) => remote.attempt === attempt);
    const project = row && options.store.getBuildInfo(row.build)?.project;
    return row && project ? { build: row.build, root: project } : undefined;
  };

  const whereIs = (peer: TrustedPeer): { host: string; port: number } | undefined => {
    const heard = discovery?.agents().find((found) => found.advertisement.id === peer.id && found.advertisement.fingerprint === peer.fingerprint);
    if (heard) return { host: heard.address, port: heard.port };
    return peer.address && peer.port ? { host: peer.address, port: peer.port } : undefined;
  };

  const failed = (link: Link) => {
    link.nextDialAt = Date.now() + link.backoffMs;
    link.backoffMs = Math.min(maxBackoff, link.backoffMs * 2);
  };

  async function dial(peer: TrustedPeer, link: Link, where: { host: string; port: number }): Promise<void> {
    link.dialing = true;
    const tag = `agent ${peer.name} (${where.host}:${where.port})`;
    const result = await connectAgent({ identity, host: where.host, port: where.port, fingerprint: peer.fingerprint, timeoutMs: 3000, log: (line) => options.log(`${tag}: ${line}`) });
    link.dialing = false;
    if ('failure' in result) {
      // The machine answered but no agent listens there (or another one does): the agent is gone, not cut off.
      if (isGone(result.failure)) link.agent?.gone(`is gone (${result.failure.message})`);
      return failed(link);
    }
    if (closed) return result.channel.close();
    link.agent ??= createAgentLink({
      wrap: (channel) => remoteSession({ channel, snapshots, artifacts: options.artifacts, count, scope, adopt, log: (line) => options.log(`${tag}: ${line}`) }),
      attach: (channel) => options.coordinator.attachAgent(channel),
      // What was applied survives a restart of this coordinator (store: agent_acks), committed before it is acknowledged.
      acked: options.store.agentAcked?.(peer.id),
      applied: (n) => options.store.setAgentAcked?.(peer.id, n),
      commit: () => options.store.flush?.(),
    });
    link.backoffMs = 250;
    result.channel.onClose(() => failed(link));
    link.agent.connect(result.channel);
  }

  const pass = () => {
    if (closed) return;
    for (const peer of pairedAgents()) {
      const link = links.get(peer.id) ?? { dialing: false, nextDialAt: 0, backoffMs: 250 };
      links.set(peer.id, link);
      if (link.agent?.connected() || link.dialing || Date.now() < link.nextDialAt) continue;
      const where = whereIs(peer);
      if (where) void dial(peer, link, where);
    }
  };
  pass();
  const timer = setInterval(pass, options.passMs ?? 250);

  return {
    transfer,
    async close() {
      closed = true;
      clearInterval(timer);
      for (const link of links.values()) link.agent?.close();
    },
  };
}
