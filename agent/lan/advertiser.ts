// Advertises the agent as `_farmhand._tcp` over mDNS (bonjour-service), so coordinators on the LAN
// find it. The instance name and host carry the agent id, so two agents on one machine (or in
// namespaces sharing a host name) never collide; a state change (busy slots) updates the TXT record.
import { Bonjour, type Service } from 'bonjour-service';
import { advertisementTxt, lanDefaults, type Advertisement } from '../../core/protocol/lan';

export interface Advertiser {
  update(advertisement: Advertisement): void;
  /** Sends goodbye packets (TTL 0) and closes the mDNS socket. */
  close(): Promise<void>;
}

export interface AdvertiserOptions {
  advertisement: Advertisement;
  port: number;
  /** false skips the 3 x 250 ms probe (tests; the id in the name already keeps it unique). */
  probe?: boolean;
  log(line: string): void;
}

/** The least time between two announcements of a changed TXT record. */
const announceGapMs = 500;

/** A DNS label from free text: letters, digits and dashes. */
export function dnsLabel(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'agent'
  );
}

interface Announcer {
  server?: { mdns?: { respond(records: unknown, callback?: (error?: Error) => void): void } };
}

/** Starts advertising; never throws on network errors (bonjour-service's default handler would). */
export function startAdvertiser(options: AdvertiserOptions): Advertiser {
  const { log } = options;
  // Always pass the error callback: the default one throws and kills the agent (e.g. ENETUNREACH
  // when the multicast route disappears with a link going down).
  const bonjour = new Bonjour({}, (error: Error) => log(`mDNS error: ${error.message}`));
  const ad = options.advertisement;
  const label = `${dnsLabel(ad.name)}-${ad.id.slice(0, 8)}`;
  const service: Service = bonjour.publish({
    name: label,
    type: lanDefaults.serviceType,
    port: options.port,
    host: `${label}.local`,
    disableIPv6: true,
    probe: options.probe ?? true,
    txt: advertisementTxt(ad),
  });
  service.on('error', (error: Error) => log(`mDNS advertisement error: ${error.message}`));
  let closed = false;
  let announcedAt = -Infinity;
  let pending: NodeJS.Timeout | undefined;
  const announce = () => {
    pending = undefined;
    announcedAt = Date.now();
    if (closed || !service.published) return;
    (bonjour as unknown as Announcer).server?.mdns?.respond(service.records(), (error) => {
      if (error) log(`mDNS announce failed: ${error.message}`);
    });
  };
  return {
    update(advertisement) {
      if (closed) return;
      service.txt = advertisementTxt(advertisement);
      // Browsers re-query every second and get the new TXT in the answer; it is announced at once too,
      // but at most every announceGapMs (busy slots change with every job): the latest state goes out.
      if (pending) return;
      const wait = announcedAt + announceGapMs - Date.now();
      if (wait <= 0) return announce();
      pending = setTimeout(announce, wait);
      pending.unref();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        clearTimeout(pending);
        const timer = setTimeout(finish, 1000);
        function finish() {
          clearTimeout(timer);
          bonjour.destroy();
          resolve();
        }
        bonjour.unpublishAll(finish);
      }),
  };
}
