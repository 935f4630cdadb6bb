// Whether this agent takes a pairing attempt now: one code per start, valid 15 minutes or until used,
// one attempt at a time, and after 5 wrong codes pairing stays locked until the agent restarts (a
// deliberate trade: anyone on the LAN can burn the tries, but nobody gets more than 5 guesses).
import { lanDefaults } from '../../core/protocol/lan';
import { newPairingCode, normalizePairingCode } from '../../core/protocol/pairing';

export interface PairingGate {
  /** The code as shown to the user, e.g. `7K3D-QX9M`; undefined with --no-pairing. */
  readonly shownCode: string | undefined;
  /** Why a new attempt is refused now, or undefined when one may start (and then it is taken). */
  begin(): string | undefined;
  /** The normalized code for the attempt that began. */
  code(): string;
  /** Wrong codes still allowed. */
  left(): number;
  /** Ends the attempt: a success uses the code up; a failure counts. Returns the tries left. */
  end(outcome: 'paired' | 'wrong-code' | 'aborted'): number;
}

export interface PairingGateOptions {
  enabled: boolean;
  now: () => number;
  code?: string;
  ttlMs?: number;
  attempts?: number;
}

/** A gate for this start of the agent. */
export function createPairingGate(options: PairingGateOptions): PairingGate {
  const shownCode = options.enabled ? (options.code ?? newPairingCode()) : undefined;
  const code = shownCode ? normalizePairingCode(shownCode) : undefined;
  const expiresAt = options.now() + (options.ttlMs ?? lanDefaults.pairingCodeTtlMs);
  const attempts = options.attempts ?? lanDefaults.pairingAttempts;
  let failures = 0;
  let used = false;
  let busy = false;
  return {
    shownCode,
    begin() {
      if (!code) return 'pairing is disabled on this agent (--no-pairing)';
      if (failures >= attempts) return `pairing is locked after ${attempts} wrong codes; restart the agent for a new code`;
      if (used) return 'the pairing code was already used; restart the agent for a new code';
      if (options.now() > expiresAt) return 'the pairing code expired (15 minutes); restart the agent for a new code';
      if (busy) return 'another pairing attempt is in progress; try again in a moment';
      busy = true;
      return undefined;
    },
    code: () => code ?? '',
    left: () => Math.max(0, attempts - failures),
    end(outcome) {
      busy = false;
      if (outcome === 'paired') used = true;
      if (outcome === 'wrong-code') failures++;
      return Math.max(0, attempts - failures);
    },
  };
}
