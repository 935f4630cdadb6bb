// The agent's side of one pairing exchange on `/pair` (see core/protocol/pairing): receive the
// coordinator's share, answer with ours, check its confirmation, then confirm back and trust it.
import type { FrameSocket } from '../../core/protocol/lan-channel';
import { parseFrame } from '../../core/protocol/lan';
import type { Identity, TrustedPeer } from '../../core/protocol/lan-identity';
import { startCpace, validatePairingMessage, type CpaceKeys, type PairingMessage } from '../../core/protocol/pairing';
import type { PairingGate } from './pairing-gate';

export interface PairingSessionOptions {
  socket: FrameSocket;
  gate: PairingGate;
  identity: Identity;
  /** The coordinator's certificate fingerprint as seen in this TLS session. */
  coordinatorFingerprint: string;
  channelBinding: Uint8Array;
  now: () => number;
  onPaired(peer: TrustedPeer): void;
  log(line: string): void;
  timeoutMs?: number;
}

/** Runs one exchange; the gate was already taken (begin) by the caller. */
export function servePairing(options: PairingSessionOptions): void {
  const { socket, gate, identity } = options;
  const cpace = startCpace('agent', { code: gate.code(), agentFingerprint: identity.fingerprint, coordinatorFingerprint: options.coordinatorFingerprint, channelBinding: options.channelBinding });
  let step: 'start' | 'confirm' | 'over' = 'start';
  let keys: CpaceKeys | undefined;
  let peer: { id: string; name: string } | undefined;
  const send = (message: PairingMessage) => socket.send(JSON.stringify(message));
  const finish = (outcome: 'paired' | 'wrong-code' | 'aborted', code: number, reason: string) => {
    if (step === 'over') return;
    step = 'over';
    clearTimeout(timer);
    const left = gate.end(outcome);
    if (outcome === 'wrong-code') send({ type: 'pair-failed', error: 'wrong pairing code', left });
    socket.close(code, reason);
  };
  const timer = setTimeout(() => finish('aborted', 4408, 'pairing timed out'), options.timeoutMs ?? 30_000);

  socket.onClose(() => finish('aborted', 1000, 'closed'));
  socket.onFrame((text, bytes) => {
    const parsed = parseFrame(text, bytes, 64 * 1024);
    const checked = 'error' in parsed ? parsed : validatePairingMessage(parsed.value, step === 'start' ? ['pair-start'] : ['pair-confirm']);
    if ('error' in checked) {
      options.log(`pairing with ${options.coordinatorFingerprint.slice(0, 16)} refused: ${checked.error}`);
      socket.send(JSON.stringify({ type: 'error', error: checked.error }));
      return finish('aborted', 4400, 'bad pairing message');
    }
    const message = checked.message;
    if (message.type === 'pair-start') {
      const result = cpace.finish(message.share);
      if ('error' in result) return finish('wrong-code', 4403, result.error);
      keys = result;
      peer = { id: message.id, name: message.name };
      step = 'confirm';
      send({ type: 'pair-share', share: cpace.share, id: identity.id, name: identity.name, left: gate.left() });
    } else if (message.type === 'pair-confirm' && keys && peer) {
      if (!keys.verify(message.tag)) {
        options.log(`pairing attempt from ${options.coordinatorFingerprint.slice(0, 16)}: wrong code`);
        return finish('wrong-code', 4403, 'wrong pairing code');
      }
      options.onPaired({ id: peer.id, name: peer.name, fingerprint: options.coordinatorFingerprint, pairedAt: options.now() });
      send({ type: 'pair-done', tag: keys.tag });
      options.log(`paired with coordinator ${peer.name} (id ${peer.id}, fingerprint ${options.coordinatorFingerprint.slice(0, 16)})`);
      finish('paired', 1000, 'paired');
    }
  });
}
