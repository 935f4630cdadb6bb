// The coordinator's identity and the agents it paired with, kept in
// `<state dir>/coordinator-identity/` (0700; key and trusted list 0600). Same format as the agent's.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateIdentity, readTrustedPeers, trustPeer, type Identity, type IdentityFiles, type TrustedPeer } from '../protocol/lan-identity';

function privateFolderFiles(dir: string): IdentityFiles {
  return {
    read: (name) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined),
    write(name, text, secret) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const file = join(dir, name);
      writeFileSync(`${file}.new`, text, { mode: secret ? 0o600 : 0o644 });
      chmodSync(`${file}.new`, secret ? 0o600 : 0o644);
      renameSync(`${file}.new`, file);
    },
  };
}

export interface CoordinatorIdentity {
  identity: Identity;
  /** Agents paired with this coordinator, as last saved. */
  pairedAgents(): TrustedPeer[];
  trustAgent(peer: TrustedPeer): void;
}

/** The agents paired with the coordinator of this state dir, without creating an identity. */
export function readPairedAgents(stateDir: string): TrustedPeer[] {
  return readTrustedPeers(privateFolderFiles(join(stateDir, 'coordinator-identity')));
}

/** Loads (or creates on first use) the coordinator's identity in the state dir. */
export async function openCoordinatorIdentity(stateDir: string, name = hostname()): Promise<CoordinatorIdentity> {
  const files = privateFolderFiles(join(stateDir, 'coordinator-identity'));
  const identity = await loadOrCreateIdentity(files, name);
  return {
    identity,
    pairedAgents: () => readTrustedPeers(files),
    trustAgent: (peer) => void trustPeer(files, peer),
  };
}
