// The desktop app's coordinator: the same host `farmhand serve` runs, started in-process on a
// random loopback port with a fresh token, or joined when another process already owns the state
// dir. The only file of electron/ that knows cli/host.ts.
import { startHost } from '../cli/host';
import type { FarmhandHost } from '../cli/host';

export interface DesktopCoordinator {
  host: FarmhandHost;
  /** The window's origin, the one IPC senders and navigation are checked against. */
  origin: string;
  /** The URL the window opens first: it sets the token cookie the page's API calls use. */
  entryUrl: string;
}

/** What the window opens for `host`, and the origin every check compares with. */
export function describeHost(host: FarmhandHost): DesktopCoordinator {
  const entry = new URL('/', host.url);
  entry.searchParams.set('token', host.token);
  return { host, origin: entry.origin, entryUrl: entry.href };
}

/** Starts or joins the coordinator of `stateDir`, serving the renderer from `staticDir`. */
export async function startDesktopCoordinator(stateDir: string, staticDir: string): Promise<DesktopCoordinator> {
  const host = await startHost({ stateDir, host: '127.0.0.1', port: 0, staticDir, kind: 'app' });
  return describeHost(host);
}
