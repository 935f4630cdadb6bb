// `farmhand agent` without the command line: identity, pairing gate, the mutual-TLS listener, the
// mDNS advertisement, and one createAgent loop per paired coordinator identity, speaking exactly the
// protocol of the embedded agent over a validated WebSocket channel. The loop outlives a connection:
// jobs run on through a cut and their messages wait in the outbox (coordinator-link.ts); only closing
// the agent (SIGTERM) cancels them, reports them canceled and withdraws the advertisement.
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { createFramedChannel } from '../../core/protocol/lan-channel';
import type { Advertisement } from '../../core/protocol/lan';
import type { Identity } from '../../core/protocol/lan-identity';
import { protocolVersion, type AgentInfo, type AgentMessage, type Channel, type CoordinatorMessage } from '../../core/protocol/types';
import { validateCoordinatorMessage } from '../../core/protocol/validate';
import { createAgent, type Agent } from '../agent';
import type { AgentConfig } from '../config';
import type { Executor } from '../executors/types';
import { openAgentIdentity } from '../identity/agent-identity';
import { createPairingGate } from '../pairing/pairing-gate';
import { servePairing } from '../pairing/pairing-session';
import { startAdvertiser, type Advertiser } from './advertiser';
import { startAgentServer } from './agent-server';
import { createCoordinatorLink, type CoordinatorLink } from './coordinator-link';
import { openOutbox } from './outbox';
import { openBlobCache } from './blob-cache';
import { createWorkspaces } from './workspace-folders';
import { withWorkspaces } from './workspaces';
import { frameSocketOf, type HeartbeatOptions } from '../../core/protocol/ws-frames';

export interface LanAgentOptions {
  stateDir: string;
  name: string;
  pools: string[];
  labels: string[];
  slots: number;
  host: string;
  port: number;
  mdns: boolean;
  /** false skips mDNS probing (tests: ~20 ms to be seen instead of ~900 ms). */
  mdnsProbe?: boolean;
  pairing: boolean;
  /** Called once the identity is known (Docker labels its containers with the agent id). */
  createExecutors(identity: Identity): Promise<Partial<Record<'shell' | 'docker', Executor>>>;
  config: AgentConfig;
  version: string;
  now: () => number;
  log(line: string): void;
  heartbeat?: HeartbeatOptions;
  /** Cap of the blob cache (default 5 GiB). */
  blobCacheBytes?: number;
}

export interface LanAgent {
  identity: Identity;
  host: string;
  port: number;
  /** As shown to the user; undefined with pairing off. */
  pairingCode: string | undefined;
  /** Withdraws the advertisement, cancels what runs, closes every connection. */
  close(): Promise<void>;
}

/** Starts a LAN agent; resolves once it listens (and advertises). */
export async function startLanAgent(options: LanAgentOptions): Promise<LanAgent> {
  const { log, now } = options;
  const { identity, isTrusted, trust } = await openAgentIdentity(options.stateDir, options.name);
  const executors = await options.createExecutors(identity);
  const gate = createPairingGate({ enabled: options.pairing, now });
  const workspaces = createWorkspaces(join(options.stateDir, 'workspaces'));
  const cache = openBlobCache(join(options.stateDir, 'blobs'), options.blobCacheBytes);
  const info: AgentInfo = {
    id: identity.id,
    name: identity.name,
    pools: options.pools,
    labels: options.labels,
    slots: options.slots,
    executors: Object.keys(executors) as AgentInfo['executors'],
  };
  const sessions = new Set<Agent>();
  const busy = new Set<string>();
  let advertiser: Advertiser | undefined;
  const advertisement = (): Advertisement => ({ ...info, version: options.version, protocol: protocolVersion, busy: busy.size, fingerprint: identity.fingerprint });

  /** Counts attempts between started and result, and re-advertises when that changes. */
  const counted = (channel: Channel<CoordinatorMessage, AgentMessage>): Channel<CoordinatorMessage, AgentMessage> => ({
    ...channel,
    send(message) {
      channel.send(message);
      const before = busy.size;
      if (message.type === 'started') busy.add(message.attempt);
      if (message.type === 'result') busy.delete(message.attempt);
      if (busy.size !== before) advertiser?.update(advertisement());
    },
  });

  /** One agent loop per coordinator identity, kept across its connections (a cut or a re-dial ends nothing). */
  const links = new Map<string, CoordinatorLink>();
  const onSession = (ws: WebSocket, fingerprint: string) => {
    const who = `coordinator ${fingerprint.slice(0, 16)}`;
    log(`${who} connected`);
    const connection = createFramedChannel<CoordinatorMessage, AgentMessage>(frameSocketOf(ws, options.heartbeat), {
      validate: validateCoordinatorMessage,
      log: (line) => log(`${who}: ${line}`),
    });
    connection.onClose((reason) => log(`${who} disconnected: ${reason}`));
    const known = links.get(fingerprint);
    if (known) return known.connect(connection);
    const outbox = openOutbox({ dir: join(options.stateDir, 'outbox'), fingerprint, now, log });
    const link = createCoordinatorLink({ outbox, log: (line) => log(`${who}: ${line}`) });
    links.set(fingerprint, link);
    link.connect(connection);
    const agent = createAgent({ info, channel: counted(withWorkspaces({ channel: link.channel, workspaces, cache, log: (line) => log(`${who}: ${line}`), agentName: info.name, stateDir: options.stateDir })), executors, config: options.config, now, warn: (line) => log(`${who}: ${line}`) });
    sessions.add(agent);
  };

  const server = await startAgentServer({
    identity,
    host: options.host,
    port: options.port,
    isTrusted,
    beginPairing: () => gate.begin(),
    abandonPairing: () => void gate.end('aborted'),
    onSession,
    onPairing: (ws, fingerprint, channelBinding) =>
      servePairing({ socket: frameSocketOf(ws, null), gate, identity, coordinatorFingerprint: fingerprint, channelBinding, now, onPaired: trust, log }),
    log,
  }).catch(async (error: unknown) => {
    // Not listening (port taken, no such address): release the executors, or their processes keep this one alive.
    await Promise.all(Object.values(executors).map((executor) => executor.close()));
    throw error;
  });
  if (options.mdns) advertiser = startAdvertiser({ advertisement: advertisement(), port: server.port, probe: options.mdnsProbe, log });

  return {
    identity,
    host: server.host,
    port: server.port,
    pairingCode: gate.shownCode,
    async close() {
      await advertiser?.close();
      await Promise.all([...sessions].map((agent) => agent.close()));
      await server.close();
      await Promise.all(Object.values(executors).map((executor) => executor.close()));
    },
  };
}
