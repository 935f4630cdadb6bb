// The LAN side of the coordinator's API (`GET /api/agents`, `POST /api/agents/pair`): the embedded
// agent, the paired agents, and, where mDNS is on, the agents heard on the LAN. Pairing by name or
// id uses what was heard; by HOST:PORT it needs no mDNS. Shared with `farmhand pair`.
import type { AgentListing } from '../core/protocol/lan';
import { parseHostPort } from '../core/protocol/lan';
import type { Coordinator } from '../core/coordinator/types';
import * as lanListing from '../core/lan/agent-list';
import { openCoordinatorIdentity, readPairedAgents } from '../core/lan/coordinator-identity';
import type { Discovery } from '../core/lan/discovery';
import { systemClock } from './clock';

type PairResult = { body: unknown } | { error: string; status: number };

export interface LanApi {
  agents(): unknown[];
  pair(agent: string, code: string): Promise<PairResult>;
}

/**
 * mDNS is off where FARMHAND_NO_MDNS is set: the test suite sets it so that no process of the root
 * network namespace sends multicast (LAN tests run their processes in namespaces of their own).
 */
export const mdnsAllowed = (env: Record<string, string | undefined> = process.env) => !env.FARMHAND_NO_MDNS;

/**
 * The LAN part of the API for the coordinator of `stateDir`. `live` is the coordinator's own query of its
 * connected agents, asked on every listing (no event may be missed that way); `discovery` (where mDNS
 * is on) belongs to the caller.
 */
export function createLanApi(stateDir: string, live: Coordinator['liveAgents'], discovery?: Discovery): LanApi {
  return {
    agents() {
      const listings: AgentListing[] = lanListing.listAgents(discovery?.agents() ?? [], readPairedAgents(stateDir));
      const connected = new Map(live().map((agent) => [agent.info.id, agent]));
      const local = connected.get('local');
      const rows: unknown[] = [];
      if (local) {
        const { info } = local;
        rows.push({ id: 'local', name: info.name, address: null, port: null, pools: info.pools, labels: info.labels, slots: info.slots, busy: local.running,
          fingerprint: null, paired: true, online: true, status: 'online', last_seen: local.heardAt, warning: null, embedded: true });
      }
      for (const listing of listings) {
        const agent = connected.get(listing.id);
        // `status`: online, unreachable (silent, keeps its attempts until agent_lost_after) or offline.
        const status = agent ? (agent.state ?? 'online') : 'offline';
        rows.push(agent ? { ...listing, online: status === 'online', status, busy: agent.running, last_seen: agent.heardAt } : { ...listing, status });
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
