// Who a LAN device is: an id, an Ed25519 key pair and a self-signed certificate whose sha256 (of the
// DER bytes) is its fingerprint, plus the peers it trusts after pairing. Agents and coordinators
// both have one. Storage is injected (each side passes its state-dir files), so this stays pure.
import { createHash, randomBytes, webcrypto, X509Certificate } from 'node:crypto';

export interface Identity {
  id: string;
  name: string;
  certPem: string;
  keyPem: string;
  /** sha256 of the certificate's DER bytes, lower-case hex. */
  fingerprint: string;
}

/** A peer pinned by pairing: the fingerprint is the only thing that authenticates it. */
export interface TrustedPeer {
  id: string;
  name: string;
  fingerprint: string;
  /** Where it was last reached (agents only; a coordinator dials agents). */
  address?: string;
  port?: number;
  pairedAt: number;
}

/** The few file operations an identity needs; `secret` files are written owner-only (0600). */
export interface IdentityFiles {
  read(name: string): string | undefined;
  write(name: string, text: string, secret: boolean): void;
}

/** sha256 of DER bytes as lower-case hex. */
export function fingerprintOfDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** The fingerprint of a PEM certificate. */
export function fingerprintOfPem(pem: string): string {
  return fingerprintOfDer(new X509Certificate(pem).raw);
}

/** A fingerprint as people compare it by eye: the first 16 hex digits in groups of 4. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 16).replace(/(.{4})(?!$)/g, '$1:');
}

/** Compares two fingerprints in constant time (they are hex strings of one length when equal). */
export function sameFingerprint(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

/** A fresh Ed25519 key pair and a self-signed certificate (trust comes from the pin, not the dates). */
export async function createCertificate(commonName: string): Promise<{ certPem: string; keyPem: string }> {
  // Loaded only when a device is first set up: the library costs ~100 ms to load, and later starts
  // need only node:crypto. reflect-metadata must come first (@peculiar/x509 v2 needs a Reflect polyfill).
  await import('reflect-metadata');
  const loaded = await import('@peculiar/x509');
  // Bundled (esbuild) the CommonJS build arrives as the default export; under vitest as named exports.
  const x509 = ('cryptoProvider' in loaded ? loaded : (loaded as { default: typeof loaded }).default) as typeof loaded;
  // set() is overloaded (crypto) | (name, crypto); its parameter type differs with and without the DOM lib.
  (x509.cryptoProvider as unknown as { set(crypto: unknown): void }).set(webcrypto);
  const keys = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const day = 864e5;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16).toString('hex'),
    name: `CN=${commonName.replace(/[,=+<>#;\\"]/g, '_')}`,
    notBefore: new Date(Date.now() - day),
    notAfter: new Date(Date.now() + 20 * 365 * day),
    signingAlgorithm: { name: 'Ed25519' },
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]["keys"],
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: certificate.toString('pem'), keyPem };
}

/**
 * The identity kept in `files`, created on first use. The name may change between starts (a
 * `--name` flag); the id, key and certificate never do, so pairings survive restarts.
 */
export async function loadOrCreateIdentity(files: IdentityFiles, name: string): Promise<Identity> {
  const saved = files.read('identity.json');
  const certPem = files.read('cert.pem');
  const keyPem = files.read('key.pem');
  if (saved !== undefined && certPem !== undefined && keyPem !== undefined) {
    const parsed = JSON.parse(saved) as { id?: unknown };
    if (typeof parsed.id !== 'string') throw new Error('identity.json has no id');
    return { id: parsed.id, name, certPem, keyPem, fingerprint: fingerprintOfPem(certPem) };
  }
  const id = randomBytes(8).toString('hex');
  const created = await createCertificate(`farmhand-${id}`);
  files.write('key.pem', created.keyPem, true);
  files.write('cert.pem', created.certPem, false);
  files.write('identity.json', `${JSON.stringify({ id }, null, 2)}\n`, false);
  return { id, name, ...created, fingerprint: fingerprintOfPem(created.certPem) };
}

const trustedFile = 'trusted.json';

/** The peers this device paired with. */
export function readTrustedPeers(files: IdentityFiles): TrustedPeer[] {
  const text = files.read(trustedFile);
  if (text === undefined) return [];
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`${trustedFile} is not a list`);
  return parsed.filter((peer): peer is TrustedPeer => typeof peer?.id === 'string' && typeof peer?.fingerprint === 'string');
}

/** Adds or replaces (by id) a trusted peer. */
export function trustPeer(files: IdentityFiles, peer: TrustedPeer): TrustedPeer[] {
  const peers = [...readTrustedPeers(files).filter((known) => known.id !== peer.id && known.fingerprint !== peer.fingerprint), peer];
  files.write(trustedFile, `${JSON.stringify(peers, null, 2)}\n`, true);
  return peers;
}
