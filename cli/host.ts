// Stub of the coordinator host that the lead engineer is writing on main: same signature, no body,
// so electron/ type-checks against it. Replaced by the real cli/host.ts on merge.
export interface HostOptions {
  stateDir: string;
  host?: string;
  port?: number;
  token?: string;
  jobs?: number;
  staticDir?: string;
}

export interface FarmhandHost {
  url: string;
  token: string;
  /** true when another process already owned the state dir and this host only joined it */
  joined: boolean;
  close(): Promise<void>;
}

/** Starts (or joins) the coordinator that owns `options.stateDir`. Not built yet in this branch. */
export function startHost(_options: HostOptions): Promise<FarmhandHost> {
  throw new Error('not built yet');
}
