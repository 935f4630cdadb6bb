// Finding agents on the LAN: browse `_farmhand._tcp` with bonjour-service, plus a liveness watchdog,
// because a crashed agent never sends a goodbye and the library keeps its record for 8 hours (PTR
// TTL). Every second the browser re-asks; live agents answer; one not heard for 3.5 s is gone.
import { Bonjour, type Browser, type Service } from 'bonjour-service';
import { isIPv4 } from 'node:net';
import { lanDefaults, readAdvertisement, type Advertisement } from '../protocol/lan';

export interface DiscoveredAgent {
  /** mDNS instance name (`name-id8._farmhand._tcp.local`). */
  instance: string;
  advertisement: Advertisement;
  address: string;
  port: number;
  lastSeen: number;
}

export interface Discovery {
  /** Agents heard from recently enough, as advertised (unauthenticated: check against pins). */
  agents(): DiscoveredAgent[];
  close(): Promise<void>;
}

export interface DiscoveryOptions {
  now: () => number;
  log(line: string): void;
  intervalMs?: number;
  lostAfterMs?: number;
}

interface MdnsAnswer {
  name: string;
  type: string;
  ttl: number;
}
interface MdnsPacket {
  answers?: MdnsAnswer[];
  additionals?: MdnsAnswer[];
}
interface ServerView {
  server?: { mdns?: { on(event: 'response', handler: (packet: MdnsPacket) => void): void } };
}

/** The address to dial: an advertised IPv4 address, else the one the answer came from. */
function addressOf(service: Service): string | undefined {
  return service.addresses?.find((address) => isIPv4(address)) ?? service.referer?.address;
}

/** Starts browsing; close it to stop (and free UDP 5353). */
export function startDiscovery(options: DiscoveryOptions): Discovery {
  const { now, log } = options;
  const lostAfter = options.lostAfterMs ?? 3500;
  // Always pass the error callback: the default one throws and kills the process.
  const bonjour = new Bonjour({}, (error: Error) => log(`mDNS error: ${error.message}`));
  const heard = new Map<string, number>();
  const suffix = `._${lanDefaults.serviceType}._tcp.local`;
  (bonjour as unknown as ServerView).server?.mdns?.on('response', (packet) => {
    for (const record of [...(packet.answers ?? []), ...(packet.additionals ?? [])]) {
      if (record.type === 'SRV' && record.ttl > 0 && record.name.endsWith(suffix)) heard.set(record.name, now());
    }
  });
  const browser: Browser = bonjour.find({ type: lanDefaults.serviceType });
  browser.on('down', (service) => heard.delete(service.fqdn));
  const reported = new Set<string>();
  const timer = setInterval(() => browser.update(), options.intervalMs ?? 1000);

  return {
    agents() {
      const found: DiscoveredAgent[] = [];
      for (const service of browser.services) {
        const lastSeen = heard.get(service.fqdn);
        if (lastSeen === undefined || now() - lastSeen > lostAfter) continue;
        const read = readAdvertisement(service.txt);
        const address = addressOf(service);
        if ('error' in read || !address) {
          if (!reported.has(service.fqdn)) log(`ignored the advertisement ${service.fqdn}: ${'error' in read ? read.error : 'no address'}`);
          reported.add(service.fqdn);
          continue;
        }
        found.push({ instance: service.fqdn, advertisement: read.advertisement, address, port: service.port, lastSeen });
      }
      return found;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        browser.stop();
        bonjour.destroy(() => resolve());
      }),
  };
}
