// The coordinator's side of pairing: dial `/pair` with our certificate, run CPace bound to both
// fingerprints as seen in this TLS session (and to the session itself), confirm first, check the
// agent's confirmation, and only then pin the agent. The code itself never leaves this process.
import { parseFrame } from '../protocol/lan';
import type { Identity, TrustedPeer } from '../protocol/lan-identity';
import { normalizePairingCode, startCpace, validatePairingMessage, type CpaceKeys, type PairingMessage } from '../protocol/pairing';
import { dialAgent } from './dial';

/** Must match the agent's exporter label (agent/lan/agent-server.ts). */
const pairingExporterLabel = 'EXPORTER-farmhand-pair';

export type PairFailure = { kind: 'bad-code' | 'wrong-code' | 'refused' | 'unreachable' | 'fingerprint' | 'protocol'; message: string };

export interface PairOptions {
  identity: Identity;
  host: string;
  port: number;
  code: string;
  /** The advertised fingerprint, when the agent was found by mDNS: the TLS one must match it. */
  expectedFingerprint?: string;
  now: () => number;
  timeoutMs?: number;
}

/** Pairs with the agent at host:port; on success the caller stores the returned peer as trusted. */
export async function pairWithAgent(options: PairOptions): Promise<{ agent: TrustedPeer } | { failure: PairFailure }> {
  const code = normalizePairingCode(options.code);
  if (!code) return { failure: { kind: 'bad-code', message: `"${options.code}" is not a pairing code (8 characters like 7K3D-QX9M, as the agent printed it)` } };
  const result = await dialAgent({ identity: options.identity, host: options.host, port: options.port, path: '/pair', fingerprint: options.expectedFingerprint, timeoutMs: options.timeoutMs });
  if ('failure' in result) return { failure: result.failure };
  const { ws, socket, fingerprint } = result.dialed;
  const binding = new Uint8Array(socket.exportKeyingMaterial(32, pairingExporterLabel, Buffer.alloc(0)));
  const cpace = startCpace('coordinator', { code, agentFingerprint: fingerprint, coordinatorFingerprint: options.identity.fingerprint, channelBinding: binding });
  const where = `${options.host}:${options.port}`;

  return new Promise((resolve) => {
    let keys: CpaceKeys | undefined;
    let agent: { id: string; name: string } | undefined;
    let settled = false;
    const settle = (value: { agent: TrustedPeer } | { failure: PairFailure }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.close(1000, 'done');
      resolve(value);
    };
    const timer = setTimeout(() => settle({ failure: { kind: 'unreachable', message: `agent at ${where} did not answer the pairing in time` } }), options.timeoutMs ?? 15_000);
    const send = (message: PairingMessage) => ws.send(JSON.stringify(message));
    ws.on('error', () => {});
    ws.on('close', (status: number, reason: Buffer) => settle({ failure: { kind: status === 4403 ? 'wrong-code' : 'protocol', message: `agent at ${where} closed the pairing (${status}${reason.length ? ` ${reason}` : ''})` } }));
    ws.on('message', (data: Buffer) => {
      const parsed = parseFrame(data.toString('utf8'), data.length, 64 * 1024);
      if ('error' in parsed) return settle({ failure: { kind: 'protocol', message: `agent at ${where} sent ${parsed.error}` } });
      const checked = validatePairingMessage(parsed.value, keys ? ['pair-done', 'pair-failed'] : ['pair-share', 'pair-failed']);
      if ('error' in checked) {
        const remote = (parsed.value as { type?: unknown; error?: unknown }).type === 'error' ? `: ${String((parsed.value as { error?: unknown }).error)}` : '';
        return settle({ failure: { kind: 'protocol', message: `pairing with ${where} failed: ${checked.error}${remote}` } });
      }
      const message = checked.message;
      if (message.type === 'pair-failed') {
        const left = message.left === 0 ? `pairing on that agent is now locked until it restarts` : `${message.left} ${message.left === 1 ? 'try' : 'tries'} left`;
        return settle({ failure: { kind: 'wrong-code', message: `wrong pairing code for the agent at ${where} (${left})` } });
      }
      if (message.type === 'pair-share') {
        const finished = cpace.finish(message.share);
        if ('error' in finished) return settle({ failure: { kind: 'protocol', message: `pairing with ${where} failed: ${finished.error}` } });
        keys = finished;
        agent = { id: message.id, name: message.name };
        return send({ type: 'pair-confirm', tag: keys.tag });
      }
      if (message.type === 'pair-done' && keys && agent) {
        // The agent pinned us; its tag proves it knew the code in this very session.
        if (!keys.verify(message.tag)) return settle({ failure: { kind: 'protocol', message: `agent at ${where} could not prove it knows the code: not pairing` } });
        settle({ agent: { id: agent.id, name: agent.name, fingerprint, address: options.host, port: options.port, pairedAt: options.now() } });
      }
    });
    send({ type: 'pair-start', share: cpace.share, id: options.identity.id, name: options.identity.name });
  });
}
