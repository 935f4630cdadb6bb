// The coordinator host of `farmhand serve` and the desktop app: owns the state dir (or joins the
// process that does) and serves the API and the web UI until closed.
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultAgentConfig, parseAgentConfig, type AgentConfig } from '../agent/config';
import { claimStateDir, startOwner } from './coordinator-host';

export interface HostOptions {
  stateDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (default). */
  port?: number;
  /** Default: a fresh random token. */
  token?: string;
  /** Local agent slots (default: cores). */
  jobs?: number;
  /** The built renderer (default: dist/renderer beside this bundle). */
  staticDir?: string;
  /** agent.yml of this machine (default: agent.yml in the state dir). */
  agentConfig?: string;
  kind?: 'serve' | 'app';
  warn?: (message: string) => void;
}

export interface FarmhandHost {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  token: string;
  /** True when another process already owned the state dir and this host only joined it. */
  joined: boolean;
  /** Resolves when every build this host accepted has ended (at once for a joined host). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Where the built web UI is, next to the command's bundle. */
export function defaultStaticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // The bundle is dist/cli/main.js, or one of its chunks in dist/cli/chunks/.
  const candidates = [join(here, '..', 'renderer'), join(here, '..', '..', 'renderer'), join(here, '..', '..', 'dist', 'renderer')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/** Becomes the coordinator of the state dir, or joins the one that is. */
export async function startHost(options: HostOptions): Promise<FarmhandHost> {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`farmhand: ${message}\n`));
  const config = readConfig(options.agentConfig, options.stateDir);
  const claim = await claimStateDir(options.stateDir);
  if (!claim.owner) {
    if ('error' in claim) throw new Error(claim.error);
    return { url: claim.address.url, token: claim.address.token, joined: true, idle: async () => {}, close: async () => {} };
  }
  const owner = await startOwner({
    stateDir: options.stateDir,
    lock: claim.lock,
    kind: options.kind ?? 'serve',
    jobs: options.jobs ?? availableParallelism(),
    agentConfig: config,
    docker: await lazyDocker(config),
    warn,
    host: options.host,
    port: options.port,
    token: options.token,
    staticDir: options.staticDir ?? defaultStaticDir(),
  });
  return { url: owner.api.url, token: owner.token, joined: false, idle: () => owner.allFinished(), close: () => owner.close() };
}

function readConfig(flag: string | undefined, stateDir: string): AgentConfig {
  const file = flag ?? join(stateDir, 'agent.yml');
  if (!existsSync(file)) {
    if (flag) throw new Error(`${flag}: no such file`);
    return defaultAgentConfig;
  }
  const parsed = parseAgentConfig(readFileSync(file, 'utf8'), file);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.config;
}

/** The Docker executor, started on first use: a host serves projects it has not seen yet. */
async function lazyDocker(config: AgentConfig) {
  const { createLazyDockerExecutor } = await import('./lazy-docker');
  return createLazyDockerExecutor(config);
}
