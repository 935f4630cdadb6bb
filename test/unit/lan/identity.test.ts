import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAgentIdentity } from '../../../agent/identity/agent-identity';
import { openCoordinatorIdentity } from '../../../core/lan/coordinator-identity';
import { sameFingerprint, shortFingerprint } from '../../../core/protocol/lan-identity';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'farmhand-identity-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('LAN identity', () => {
  it('is created once, kept owner-only, and survives a restart', async () => {
    const stateDir = tempDir();
    const first = await openAgentIdentity(stateDir, 'box');
    const again = await openAgentIdentity(stateDir, 'renamed');
    expect(again.identity.id).toBe(first.identity.id);
    expect(again.identity.fingerprint).toBe(first.identity.fingerprint);
    expect(again.identity.name).toBe('renamed');
    expect(statSync(join(stateDir, 'agent-identity/key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateDir, 'agent-identity')).mode & 0o777).toBe(0o700);
    // The fingerprint is sha256 of the DER certificate: what Node itself reports, without colons.
    const x509 = new X509Certificate(first.identity.certPem);
    expect(first.identity.fingerprint).toBe(x509.fingerprint256.replaceAll(':', '').toLowerCase());
    expect(x509.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(x509.verify(x509.publicKey)).toBe(true);
  });

  it('keeps the agent and the coordinator of one state dir apart, and remembers trusted peers', async () => {
    const stateDir = tempDir();
    const agent = await openAgentIdentity(stateDir, 'box');
    const coordinator = await openCoordinatorIdentity(stateDir, 'desk');
    expect(coordinator.identity.fingerprint).not.toBe(agent.identity.fingerprint);
    agent.trust({ id: coordinator.identity.id, name: 'desk', fingerprint: coordinator.identity.fingerprint, pairedAt: 1 });
    const reopened = await openAgentIdentity(stateDir, 'box');
    expect(reopened.isTrusted(coordinator.identity.fingerprint)).toBe(true);
    expect(reopened.isTrusted(agent.identity.fingerprint)).toBe(false);
    expect(statSync(join(stateDir, 'agent-identity/trusted.json')).mode & 0o777).toBe(0o600);
  });

  it('compares and shortens fingerprints', () => {
    expect(sameFingerprint('ab', 'ab')).toBe(true);
    expect(sameFingerprint('ab', 'ac')).toBe(false);
    expect(sameFingerprint('ab', 'abc')).toBe(false);
    expect(shortFingerprint('0123456789abcdef0123')).toBe('0123:4567:89ab:cdef');
  });
});
