// The LAN side of the coordinator's API (`GET /api/agents`, `POST /api/agents/pair`): the embedded
// agent, the paired agents, and, where mDNS is on, the agents heard on the LAN. Pairing by name or
// id uses what was heard; by HOST:PORT it needs no mDNS. Shared with `farmhand pair`.
import type { AgentListing } from '../core/protocol/lan';
import { parseHostPort } from '../core/protocol/lan';
import type { FarmEvent } from '../core/protocol/types';
import * as lanListing from '../core/lan/agent-list';
import { openCoordinatorIdentity, readPairedAgents } from '../core/lan/coordinator-identity';
import type { Discovery } from '../core/lan/discovery';
import { systemClock } from './clock';

type PairResult = { body: unknown } | { error: string; status: number };

export interface LanApi {
  /** Feed it the coordinator's events: it tracks which agents are connected and how busy. */
  onEvent(event: FarmEvent): void;
  agents(): unknown[];
  pair(agent: string, code: string): Promise<PairResult>;
}

/**
 * mDNS is off where FARMHAND_NO_MDNS is set: the test suite sets it so that no process of the root
 * network namespace sends multicast (LAN tests run their processes in namespaces of their own).
 */
export const mdnsAllowed = (env: Record<string, string | undefined> = process.env) => !env.FARMHAND_NO_MDNS;

/** The LAN part of the API for the coordinator of `stateDir`; `discovery` (where mDNS is on) belongs to the caller. */
export function createLanApi(stateDir: string, discovery?: Discovery): LanApi {
  const connected = new Map<string, { name: string; slots: number; pools: string[]; labels: string[]; since: number }>();
  const running = new Map<string, string>();
  const busyOf = (name: string) => [...running.values()].filter((agent) => agent === name).length;
  return {
    onEvent(event) {
      if (event.type === 'agent') {
        if (event.state === 'online') connected.set(event.agent.id, { name: event.agent.name, slots: event.agent.slots, pools: event.agent.pools, labels: event.agent.labels, since: event.at });
        else connected.delete(event.agent.id);
      } else if (event.type === 'job') {
        const key = `${event.build}\0${event.job}`;
        if (event.state === 'running' && event.agent) running.set(key, event.agent);
        else running.delete(key);
      }
    },
    agents() {
      const listings: AgentListing[] = lanListing.listAgents(discovery?.agents() ?? [], readPairedAgents(stateDir));
      const local = connected.get('local');
      const rows: unknown[] = [];
      if (local) {
        rows.push({ id: 'local', name: local.name, address: null, port: null, pools: local.pools, labels: local.labels, slots: local.slots, busy: busyOf(local.name),
          fingerprint: null, paired: true, online: true, last_seen: systemClock.now(), warning: null, embedded: true });
      }
      for (const listing of listings) {
        const live = connected.get(listing.id);
        rows.push(live ? { ...listing, online: true, busy: busyOf(live.name), last_seen: systemClock.now() } : listing);
      }
      return rows;
    },
    pair: (agent, code) => pairAgent(stateDir, agent, code, discovery),
  };
}

/** Pairs the coordinator of `stateDir` with an agent named by HOST:PORT, id or name. */
export async function pairAgent(stateDir: string, wanted: string, code: string, discovery?: Discovery): Promise<PairResult> {
  const coordinator = await openCoordinatorIdentity(stateDir);
  let target: { host: string; port: number; fingerprint?: string } | undefined = parseHostPort(wanted);
  if (!target) {
    const found = lanListing.findAgent(lanListing.listAgents(discovery?.agents() ?? [], coordinator.pairedAgents()), wanted);
    if ('error' in found) return { error: mdnsAllowed() ? found.error : `${found.error}; mDNS is off here (FARMHAND_NO_MDNS), so pair by HOST:PORT`, status: 404 };
    if (found.agent.warning && !found.agent.paired) return { error: found.agent.warning, status: 409 };
    if (!found.agent.address || found.agent.port === null) return { error: `agent ${wanted} has no known address; pair by HOST:PORT`, status: 404 };
    target = { host: found.agent.address, port: found.agent.port, fingerprint: found.agent.fingerprint };
  }
  const { pairWithAgent } = await import('../core/lan/pair');
  const result = await pairWithAgent({ identity: coordinator.identity, host: target.host, port: target.port, code, expectedFingerprint: target.fingerprint, now: systemClock.now });
  if ('failure' in result) {
    const { kind, message } = result.failure;
    return { error: message, status: kind === 'unreachable' || kind === 'protocol' || kind === 'fingerprint' ? 502 : 400 };
  }
  coordinator.trustAgent(result.agent);
  const { name, id, fingerprint } = result.agent;
  return { body: { paired: true, id, name, fingerprint } };
}
