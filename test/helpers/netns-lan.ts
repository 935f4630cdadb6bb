// A simulated LAN for tests: network namespaces ("hosts") joined by a bridge that lives in a
// namespace of its own, so the root namespace's network is never touched (mDNS included). Names
// carry the test process id, so parallel runs never share one, and leftovers of a killed run are
// removed by the next. Also: starting `farmhand agent` processes (in a namespace or on loopback).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { farmhandBin, repoRoot } from './cli';

export interface LanHost {
  namespace: string;
  address: string;
}

export interface Lan {
  hosts: LanHost[];
  /** Deletes every namespace (and with them the veth pairs and bridge); safe to call twice. */
  close(): void;
}

const prefix = 'fhl';

function ip(args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr.trim()}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes namespaces that a test process which no longer runs left behind. */
function removeStale(): void {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of listed.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const match = new RegExp(`^${prefix}(\\d+)-`).exec(name);
    if (match && !isAlive(Number(match[1]))) spawnSync('ip', ['netns', 'del', name]);
  }
}

let lanCounter = 0;

/** Builds a bridge namespace and `count` host namespaces on 10.77.0.0/24 (host i at 10.77.0.i+1). */
export function createLan(count: number): Lan {
  removeStale();
  const tag = `${prefix}${process.pid}-${++lanCounter}`;
  const bridge = `${tag}-br`;
  const made: string[] = [];
  const close = () => {
    for (const namespace of made.splice(0).reverse()) spawnSync('ip', ['netns', 'del', namespace]);
  };
  try {
    ip(['netns', 'add', bridge]);
    made.push(bridge);
    ip(['-n', bridge, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', bridge, 'link', 'set', 'br0', 'up']);
    ip(['-n', bridge, 'link', 'set', 'lo', 'up']);
    const hosts: LanHost[] = [];
    for (let index = 0; index < count; index++) {
      const namespace = `${tag}-h${index}`;
      ip(['netns', 'add', namespace]);
      made.push(namespace);
      // Create the pair inside the host namespace, then move one end to the bridge: nothing is ever
      // created in the root namespace.
      const outer = `veth${index}`;
      ip(['-n', namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', outer]);
      ip(['-n', namespace, 'link', 'set', outer, 'netns', bridge]);
      ip(['-n', bridge, 'link', 'set', outer, 'master', 'br0']);
      ip(['-n', bridge, 'link', 'set', outer, 'up']);
      const address = `10.77.0.${index + 1}`;
      ip(['-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      ip(['-n', namespace, 'link', 'set', 'eth0', 'up', 'multicast', 'on']);
      ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
      // mDNS needs a multicast route; without one nothing is discovered and nothing says why.
      ip(['-n', namespace, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      hosts.push({ namespace, address });
    }
    return { hosts, close };
  } catch (error) {
    close();
    throw error;
  }
}

/** Whether this machine can build namespaces (root and iproute2). */
export function canUseNamespaces(): boolean {
  return process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
}

/**
 * canUseNamespaces() for a test file: where namespaces cannot be made the file is skipped loudly,
 * and under CI (or FARMHAND_REQUIRE_NETNS) that is a failure, never a silent pass.
 */
export function namespacesOrSkip(file: string): boolean {
  const usable = canUseNamespaces();
  if (!usable) {
    if (process.env.CI || process.env.FARMHAND_REQUIRE_NETNS) throw new Error('network namespace tests need root and iproute2 (`ip netns`), which CI must provide');
    console.warn(`WARNING: ${file}: skipped, this machine cannot make network namespaces (needs root and iproute2)`);
  }
  return usable;
}

/** Spawns `farmhand ...args`, inside `host`'s namespace when given (ip netns exec execs node itself). */
export function spawnFarmhand(args: string[], host?: LanHost, env: Record<string, string> = {}): ChildProcess {
  const command = host ? ['ip', ['netns', 'exec', host.namespace, process.execPath, farmhandBin, ...args]] as const : [process.execPath, [farmhandBin, ...args]] as const;
  const environment: Record<string, string | undefined> = { ...process.env, ...env };
  // Inside a test namespace mDNS is what is under test; only the root namespace stays silent.
  if (host) delete environment.FARMHAND_NO_MDNS;
  return spawn(command[0], [...command[1]], { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `farmhand ...args` to the end (in a namespace when given). */
export function runFarmhand(args: string[], host?: LanHost, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnFarmhand(args, host);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (data) => (stdout += data));
    child.stderr!.on('data', (data) => (stderr += data));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface AgentProcess {
  child: ChildProcess;
  name: string;
  id: string;
  port: number;
  fingerprint: string;
  code: string | undefined;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `farmhand agent` and waits for its start-up lines. By default DOCKER_HOST points nowhere:
 * most tests need no Docker, and the agent starts faster without it (pass `env` to give it one).
 */
export function startAgentProcess(args: string[], host?: LanHost, env: Record<string, string> = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }): Promise<AgentProcess> {
  const child = spawnFarmhand(['agent', ...args], host, env);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (data) => (stderr += data));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agent did not start in 20 s:\n${stdout}\n${stderr}`));
    }, 20_000);
    child.on('close', (code) => reject(new Error(`agent exited (${code}) before it started:\n${stdout}\n${stderr}`)));
    child.stdout!.on('data', (data) => {
      stdout += data;
      const listening = /^agent (.+) id (\S+) listening on (\S+):(\d+)$/m.exec(stdout);
      const fingerprint = /^fingerprint: ([0-9a-f]{64})$/m.exec(stdout);
      const code = /^pairing code: (\S+)$/m.exec(stdout);
      const pairingOff = args.includes('--no-pairing');
      if (!listening || !fingerprint || (!code && !pairingOff)) return;
      clearTimeout(timer);
      resolve({
        child,
        name: listening[1]!,
        id: listening[2]!,
        port: Number(listening[4]),
        fingerprint: fingerprint[1]!,
        code: code?.[1],
        stderr: () => stderr,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
  });
}

/**
 * Bundles a TypeScript script (imports relative to the repo root) into test/.tmp (the caller removes it), so a test can run
 * repo code as a process inside a namespace (the test process itself stays in the root namespace).
 */
export async function bundleScript(source: string): Promise<string> {
  const { build, stop } = await import('esbuild');
  // Inside the repo, so the external packages resolve from its node_modules.
  const outDir = join(repoRoot, 'test/.tmp');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `script-${process.pid}-${++lanCounter}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'ts', sourcefile: 'lan-script.ts' },
    bundle: true, platform: 'node', target: 'node20', format: 'esm', outfile, logLevel: 'warning',
    external: ['better-sqlite3', 'dockerode', 'bonjour-service', 'ws', 'cpu-features', 'ssh2'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  // esbuild keeps a service process for later builds: stop it (a test leaves no process behind).
  await stop();
  return outfile;
}

/** Runs `node FILE ...args` inside a namespace; resolves with its output when it ends. */
export function runNodeIn(host: LanHost, file: string, args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', host.namespace, process.execPath, file, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
