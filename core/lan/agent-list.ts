// What `farmhand agents` shows: every agent heard on the LAN or paired with this coordinator, one
// entry per agent id. Advertisements are unauthenticated, so a paired agent's entry only ever takes
// the advertisement whose fingerprint matches the pin; one claiming its id with another certificate
// is refused and turns into the entry's `warning`.
import type { AgentListing } from '../protocol/lan';
import type { TrustedPeer } from '../protocol/lan-identity';
import type { DiscoveredAgent } from './discovery';

function fromAdvertisement(found: DiscoveredAgent, paired: boolean): AgentListing {
  const ad = found.advertisement;
  return {
    id: ad.id,
    name: ad.name,
    address: found.address,
    port: found.port,
    pools: ad.pools,
    labels: ad.labels,
    slots: ad.slots,
    busy: ad.busy,
    fingerprint: ad.fingerprint,
    paired,
    online: true,
    last_seen: found.lastSeen,
    warning: null,
  };
}

const claims = (spoofs: DiscoveredAgent[]) =>
  spoofs.map((spoof) => `${spoof.address}:${spoof.port} advertises this agent's id with another certificate (${spoof.advertisement.fingerprint.slice(0, 16)}); refused`).join('; ');

/** Merges what was heard with what is paired. */
export function listAgents(discovered: DiscoveredAgent[], paired: TrustedPeer[]): AgentListing[] {
  const byId = new Map<string, DiscoveredAgent[]>();
  for (const found of discovered) byId.set(found.advertisement.id, [...(byId.get(found.advertisement.id) ?? []), found]);
  const listings: AgentListing[] = [];
  for (const peer of paired) {
    const heard = byId.get(peer.id) ?? [];
    byId.delete(peer.id);
    const genuine = heard.find((found) => found.advertisement.fingerprint === peer.fingerprint);
    const spoofs = heard.filter((found) => found.advertisement.fingerprint !== peer.fingerprint);
    const listing: AgentListing = genuine
      ? fromAdvertisement(genuine, true)
      : { id: peer.id, name: peer.name, address: peer.address ?? null, port: peer.port ?? null, pools: [], labels: [], slots: null, busy: null, fingerprint: peer.fingerprint, paired: true, online: false, last_seen: null, warning: null };
    if (spoofs.length > 0) listing.warning = claims(spoofs);
    listings.push(listing);
  }
  for (const heard of byId.values()) {
    const listing = fromAdvertisement(heard[0]!, false);
    const others = heard.filter((found) => found.advertisement.fingerprint !== listing.fingerprint);
    if (others.length > 0) listing.warning = `${others.length + 1} advertisements claim this id with different certificates; pair by address to be sure which one you trust`;
    listings.push(listing);
  }
  return listings.sort((a, b) => Number(b.paired) - Number(a.paired) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Finds the agent a user named: by id, by name (when unique), as heard or paired. */
export function findAgent(listings: AgentListing[], wanted: string): { agent: AgentListing } | { error: string } {
  const byId = listings.filter((agent) => agent.id === wanted);
  if (byId.length === 1) return { agent: byId[0]! };
  const byName = listings.filter((agent) => agent.name === wanted);
  if (byName.length === 1) return { agent: byName[0]! };
  if (byName.length > 1) return { error: `${byName.length} agents are named ${wanted}: use its id (${byName.map((agent) => agent.id).join(', ')}) or HOST:PORT` };
  return { error: `no agent named ${wanted} was found on the LAN (try farmhand agents, or pair by HOST:PORT)` };
}
