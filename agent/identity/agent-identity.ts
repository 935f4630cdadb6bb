// The agent's identity and the coordinators it trusts, kept in `<state dir>/agent-identity/`
// (a 0700 folder; the private key and the trusted list are 0600). Survives restarts.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateIdentity, readTrustedPeers, trustPeer, type Identity, type IdentityFiles, type TrustedPeer } from '../../core/protocol/lan-identity';

/** File access under one private folder. */
export function privateFolderFiles(dir: string): IdentityFiles {
  return {
    read: (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined),
    write(name, text, secret) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const file = join(dir, name);
      // Written aside and renamed, so a crash never leaves half a key or half a trusted list.
      writeFileSync(`${file}.new`, text, { mode: secret ? 0o600 : 0o644 });
      chmodSync(`${file}.new`, secret ? 0o600 : 0o644);
      renameSync(`${file}.new`, file);
    },
  };
}

export interface AgentIdentity {
  identity: Identity;
  trusted(): TrustedPeer[];
  trust(peer: TrustedPeer): void;
  isTrusted(fingerprint: string): boolean;
}

/** Loads (or creates on first start) the agent's identity in the state dir. */
export async function openAgentIdentity(stateDir: string, name: string): Promise<AgentIdentity> {
  const files = privateFolderFiles(join(stateDir, 'agent-identity'));
  const identity = await loadOrCreateIdentity(files, name);
  let peers = readTrustedPeers(files);
  return {
    identity,
    trusted: () => peers,
    trust: (peer) => void (peers = trustPeer(files, peer)),
    isTrusted: (fingerprint) => peers.some((peer) => peer.fingerprint === fingerprint),
  };
}
