import { describe, expect, it } from 'vitest';
import { newPairingCode, normalizePairingCode, startCpace, validatePairingMessage, type CpaceInput, type CpaceKeys } from '../../../core/protocol/pairing';

const fingerprints = { agentFingerprint: 'a'.repeat(64), coordinatorFingerprint: 'c'.repeat(64), channelBinding: new Uint8Array([1, 2, 3]) };

/** Runs both sides; returns whether each accepted the other's confirmation. */
function exchange(coordinatorInput: CpaceInput, agentInput: CpaceInput) {
  const coordinator = startCpace('coordinator', coordinatorInput);
  const agent = startCpace('agent', agentInput);
  const coordinatorKeys = coordinator.finish(agent.share) as CpaceKeys;
  const agentKeys = agent.finish(coordinator.share) as CpaceKeys;
  return { agentAccepts: agentKeys.verify(coordinatorKeys.tag), coordinatorAccepts: coordinatorKeys.verify(agentKeys.tag), shares: [coordinator.share, agent.share] };
}

describe('pairing codes', () => {
  it('are 8 Crockford characters, and typing slips are forgiven', () => {
    const code = newPairingCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(normalizePairingCode(code.toLowerCase().replace('-', ' '))).toBe(code.replace('-', ''));
    expect(normalizePairingCode('7k3d-qx9o')).toBe('7K3DQX90');
    expect(normalizePairingCode('iL00-0000')).toBe('11000000');
    expect(normalizePairingCode('7K3D-QX9')).toBeUndefined();
    expect(normalizePairingCode('7K3D-QX9U')).toBeUndefined();
    expect(newPairingCode(() => new Uint8Array(5))).toBe('0000-0000');
    expect(newPairingCode(() => new Uint8Array([255, 255, 255, 255, 255]))).toBe('ZZZZ-ZZZZ');
  });
});

describe('CPace over ristretto255', () => {
  it('agrees when both sides know the code, and the shares never contain it', () => {
    const input = { code: '7K3DQX9M', ...fingerprints };
    const result = exchange(input, input);
    expect(result).toMatchObject({ agentAccepts: true, coordinatorAccepts: true });
    expect(result.shares[0]).not.toBe(result.shares[1]);
    expect(result.shares.join('')).not.toContain('7K3DQX9M');
  });

  it('fails on both sides with a wrong code', () => {
    const result = exchange({ code: '7K3DQX9M', ...fingerprints }, { code: '7K3DQX9N', ...fingerprints });
    expect(result).toMatchObject({ agentAccepts: false, coordinatorAccepts: false });
  });

  it('is bound to the fingerprints each side saw: a relay in the middle fails even with the right code', () => {
    const relayed = { ...fingerprints, coordinatorFingerprint: 'e'.repeat(64) };
    expect(exchange({ code: '7K3DQX9M', ...fingerprints }, { code: '7K3DQX9M', ...relayed })).toMatchObject({ agentAccepts: false, coordinatorAccepts: false });
    const otherAgent = { ...fingerprints, agentFingerprint: 'b'.repeat(64) };
    expect(exchange({ code: '7K3DQX9M', ...fingerprints }, { code: '7K3DQX9M', ...otherAgent }).agentAccepts).toBe(false);
    const otherSession = { ...fingerprints, channelBinding: new Uint8Array([9]) };
    expect(exchange({ code: '7K3DQX9M', ...fingerprints }, { code: '7K3DQX9M', ...otherSession }).agentAccepts).toBe(false);
  });

  it('refuses shares that are not valid points, and tags that are not hex', () => {
    const session = startCpace('agent', { code: '7K3DQX9M', ...fingerprints });
    expect(session.finish('00'.repeat(32))).toEqual({ error: 'the peer share is the identity point' });
    expect(session.finish('ff'.repeat(32))).toEqual({ error: 'the peer share is not a ristretto255 point' });
    expect(session.finish('zz')).toEqual({ error: 'the peer share is not 32 bytes of hex' });
    const keys = session.finish(startCpace('coordinator', { code: '7K3DQX9M', ...fingerprints }).share) as CpaceKeys;
    expect(keys.verify('not hex')).toBe(false);
  });

  it('validates pairing messages by the type expected next', () => {
    expect(validatePairingMessage({ type: 'pair-confirm', tag: 'ab'.repeat(32) }, ['pair-confirm'])).toHaveProperty('message');
    expect(validatePairingMessage({ type: 'pair-confirm', tag: 'ab' }, ['pair-confirm'])).toEqual({ error: 'malformed pair-confirm message' });
    expect(validatePairingMessage({ type: 'pair-done', tag: 'ab'.repeat(32) }, ['pair-confirm'])).toEqual({ error: 'expected pair-confirm, got "pair-done"' });
    expect(validatePairingMessage('x', ['pair-start'])).toEqual({ error: 'pairing message is not an object' });
  });
});
