// Pairing a coordinator with an agent by the short code the agent printed: CPace (a balanced PAKE)
// over ristretto255 from @noble/curves. The code never crosses the wire; the session id binds both
// TLS fingerprints (as each side saw them) and the TLS session itself, so a machine in the middle
// can neither relay the exchange nor test guesses offline: every active attempt tests one guess.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';

/** Crockford base32: no I, L, O, U, so a code read aloud or retyped survives. */
const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A fresh 8-character code (40 bits), shown as `7K3D-QX9M`. */
export function newPairingCode(random: (size: number) => Uint8Array = randomBytes): string {
  let bits = 0n;
  for (const byte of random(5)) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let index = 0; index < 8; index++) {
    code = alphabet[Number(bits & 31n)]! + code;
    bits >>= 5n;
  }
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The code as typed (any case, dashes or spaces, O for 0, I or L for 1), or undefined when it cannot be one. */
export function normalizePairingCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === 8 && [...code].every((char) => alphabet.includes(char)) ? code : undefined;
}

export type PairingRole = 'coordinator' | 'agent';

export interface CpaceInput {
  /** The normalized code. */
  code: string;
  agentFingerprint: string;
  coordinatorFingerprint: string;
  /** Bytes both ends derive from the TLS session (keying material exporter); empty when not available. */
  channelBinding: Uint8Array;
}

export interface CpaceSession {
  /** This side's public share, hex: send it to the peer. */
  share: string;
  /** Combines the peer's share; an error string when the share is not a valid point. */
  finish(peerShare: string): CpaceKeys | { error: string };
}

export interface CpaceKeys {
  /** This side's key confirmation tag, hex. */
  tag: string;
  /** Whether the peer's tag proves it knew the same code in the same session. */
  verify(peerTag: string): boolean;
}

const sha512 = (...parts: (string | Uint8Array)[]) => {
  const hash = createHash('sha512');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    // Length-prefixed, so no two different transcripts hash alike.
    hash.update(Buffer.from([bytes.length >> 8, bytes.length & 255]));
    hash.update(bytes);
  }
  return hash.digest();
};

/** The session id: both fingerprints and the TLS session, so the exchange is bound to this connection. */
export function pairingSessionId(input: Omit<CpaceInput, 'code'>): Uint8Array {
  return sha512('farmhand-pair-v1', input.agentFingerprint, input.coordinatorFingerprint, input.channelBinding);
}

/** Starts one side of a CPace exchange. */
export function startCpace(role: PairingRole, input: CpaceInput, random: (size: number) => Uint8Array = randomBytes): CpaceSession {
  const { Point } = ristretto255;
  const sid = pairingSessionId(input);
  const generator = ristretto255_hasher.hashToCurve(new Uint8Array(sha512('farmhand-cpace-generator', input.code, sid)), { DST: 'farmhand-cpace-ristretto255-v1' });
  let scalar = 0n;
  while (scalar === 0n) scalar = BigInt(`0x${Buffer.from(random(64)).toString('hex')}`) % Point.Fn.ORDER;
  const own = generator.multiply(scalar).toBytes();
  return {
    share: Buffer.from(own).toString('hex'),
    finish(peerShare) {
      if (!/^[0-9a-f]{64}$/.test(peerShare)) return { error: 'the peer share is not 32 bytes of hex' };
      let peer;
      try {
        peer = Point.fromBytes(Buffer.from(peerShare, 'hex'));
      } catch {
        return { error: 'the peer share is not a ristretto255 point' };
      }
      if (peer.is0()) return { error: 'the peer share is the identity point' };
      const shared = peer.multiply(scalar);
      if (shared.is0()) return { error: 'the shared point is the identity' };
      const [coordinatorShare, agentShare] = role === 'coordinator' ? [own, peer.toBytes()] : [peer.toBytes(), own];
      const key = sha512('farmhand-pair-isk', sid, shared.toBytes(), coordinatorShare, agentShare);
      const tagOf = (who: PairingRole) => createHmac('sha256', key).update(sha512(who, coordinatorShare, agentShare)).digest();
      const other: PairingRole = role === 'coordinator' ? 'agent' : 'coordinator';
      return {
        tag: tagOf(role).toString('hex'),
        verify(peerTag) {
          if (!/^[0-9a-f]{64}$/.test(peerTag)) return false;
          return timingSafeEqual(Buffer.from(peerTag, 'hex'), tagOf(other));
        },
      };
    },
  };
}

/** What crosses the `/pair` connection, in this order; the coordinator confirms first. */
export type PairingMessage =
  | { type: 'pair-start'; share: string; id: string; name: string }
  | { type: 'pair-share'; share: string; id: string; name: string; left: number }
  | { type: 'pair-confirm'; tag: string }
  | { type: 'pair-done'; tag: string }
  | { type: 'pair-failed'; error: string; left: number };

const hex64 = (value: unknown) => typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
const text = (value: unknown) => typeof value === 'string' && value.length > 0 && value.length <= 200;

const checks: Record<PairingMessage['type'], (m: Record<string, unknown>) => boolean> = {
  'pair-start': (m) => hex64(m.share) && text(m.id) && text(m.name),
  'pair-share': (m) => hex64(m.share) && text(m.id) && text(m.name) && Number.isInteger(m.left),
  'pair-confirm': (m) => hex64(m.tag),
  'pair-done': (m) => hex64(m.tag),
  'pair-failed': (m) => typeof m.error === 'string' && Number.isInteger(m.left),
};

/** Checks a pairing message, expecting one type. */
export function validatePairingMessage<T extends PairingMessage['type']>(value: unknown, expected: T[]): { message: Extract<PairingMessage, { type: T }> } | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'pairing message is not an object' };
  const record = value as Record<string, unknown>;
  const type = record.type as T;
  if (!expected.includes(type)) return { error: `expected ${expected.join(' or ')}, got ${JSON.stringify(record.type)}` };
  return checks[type](record) ? { message: record as Extract<PairingMessage, { type: T }> } : { error: `malformed ${type} message` };
}
