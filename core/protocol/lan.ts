// What LAN agents and coordinators agree on besides the job protocol: the port, the mDNS service and
// its TXT record, the per-message size limit, the error reply, and how `farmhand agents` lists an
// agent. TXT records are not authenticated: their fingerprint is a hint until pairing pins one.

export const lanDefaults = {
  port: 4747,
  /** bonjour-service type: advertised as `_farmhand._tcp`. */
  serviceType: 'farmhand',
  /** A message larger than this gets an error reply instead of being read. */
  messageLimitBytes: 1 << 20,
  /** Larger frames are not even buffered: the connection closes (1009). */
  frameHardLimitBytes: 8 << 20,
  /** How long a pairing code is valid. */
  pairingCodeTtlMs: 15 * 60_000,
  /** Wrong codes before pairing locks until the agent restarts. */
  pairingAttempts: 5,
} as const;

/** Sent back for a message that could not be read; never answered in turn. */
export interface LanErrorMessage {
  type: 'error';
  error: string;
}

/** What an agent says about itself in its advertisement. */
export interface Advertisement {
  id: string;
  name: string;
  version: string;
  protocol: number;
  pools: string[];
  labels: string[];
  slots: number;
  busy: number;
  fingerprint: string;
}

/** One agent as `farmhand agents --json` prints it (the CLI contract's shape). */
export interface AgentListing {
  id: string;
  name: string;
  address: string | null;
  port: number | null;
  pools: string[];
  labels: string[];
  slots: number | null;
  busy: number | null;
  fingerprint: string;
  paired: boolean;
  online: boolean;
  last_seen: number | null;
  warning: string | null;
}

/** The TXT record of an advertisement (flat strings, lists comma-separated). */
export function advertisementTxt(ad: Advertisement): Record<string, string> {
  return {
    id: ad.id,
    name: ad.name,
    version: ad.version,
    protocol: String(ad.protocol),
    pools: ad.pools.join(','),
    labels: ad.labels.join(','),
    slots: String(ad.slots),
    busy: String(ad.busy),
    fingerprint: ad.fingerprint,
  };
}

// Anyone can advertise: keep what is shown short (a name of 64 characters, 32 pools or labels).
const list = (value: unknown) => (typeof value === 'string' && value !== '' ? value.split(',').slice(0, 32).map((item) => item.slice(0, 64)) : []);
const count = (value: unknown) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : undefined);

/** Reads a TXT record heard on the LAN; an error says what is missing (anyone can send one). */
export function readAdvertisement(txt: unknown): { advertisement: Advertisement } | { error: string } {
  if (typeof txt !== 'object' || txt === null) return { error: 'no TXT record' };
  const record = txt as Record<string, unknown>;
  const text = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
  const id = text('id');
  const fingerprint = text('fingerprint');
  const protocol = count(record.protocol);
  const slots = count(record.slots);
  if (!id || !/^[0-9a-zA-Z._-]{1,64}$/.test(id)) return { error: 'TXT id is missing or malformed' };
  if (!fingerprint || !/^[0-9a-f]{64}$/.test(fingerprint)) return { error: 'TXT fingerprint is missing or malformed' };
  if (protocol === undefined || slots === undefined) return { error: 'TXT protocol or slots is missing' };
  return {
    advertisement: {
      id,
      name: (text('name') ?? id).slice(0, 64),
      version: text('version') ?? 'unknown',
      protocol,
      pools: list(record.pools),
      labels: list(record.labels),
      slots,
      busy: count(record.busy) ?? 0,
      fingerprint,
    },
  };
}

/** Parses one received frame: JSON within the size limit, or a one-line reason. */
export function parseFrame(text: string, bytes: number, limit: number = lanDefaults.messageLimitBytes): { value: unknown } | { error: string } {
  if (bytes > limit) return { error: `message of ${bytes} bytes is over the ${limit}-byte limit` };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: `message is not JSON (${error instanceof Error ? error.message.split('\n')[0] : 'parse error'})` };
  }
}

/** Splits `HOST:PORT` (IPv4 or a name; `[v6]:port` too), or undefined when it is not one. */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : 0;
  return match && port > 0 && port < 65536 ? { host: (match[1] ?? match[2])!, port } : undefined;
}
