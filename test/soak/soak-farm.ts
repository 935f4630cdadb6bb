// The farm the soak test (lan-soak.soak.ts) runs on: a namespace LAN (test/helpers/netns-lan) with
// `farmhand serve` on host 0 and three paired agents (label `farm`, 2 slots each) on hosts 1-3, the
// faults it inflicts on them (SIGKILL and restart, a cut link, SIGSTOP/SIGCONT, a SIGTERM restart), and
// the HTTP API of `farmhand serve` reached from the root namespace through a Unix-socket relay that
// runs inside host 0 (a Unix socket path is not bound to a network namespace).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLan, runFarmhand, spawnFarmhand, startAgentProcess, type AgentProcess, type Lan, type LanHost } from '../helpers/netns-lan';

export type FaultKind = 'kill' | 'cut' | 'stop' | 'term';

export interface SoakFarm {
  lan: Lan;
  agents: Map<string, AgentProcess>;
  names: string[];
  coordinatorState: string;
  api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Inflicts one fault on one agent and undoes it after `holdMs`; resolves once the agent is back. */
  fault(kind: FaultKind, name: string, holdMs: number): Promise<void>;
  /** Links up, processes continued, dead agents started again. */
  heal(): Promise<void>;
  /** `farmhand serve` stopped (SIGTERM), then every agent, the relay and the namespaces. */
  close(): Promise<void>;
  serveOutput(): string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A relay from a Unix socket to 127.0.0.1:PORT, run by node inside a namespace. */
const relaySource = `import { createServer, connect } from 'node:net';
const [path, port] = process.argv.slice(2);
createServer((client) => {
  const upstream = connect(Number(port), '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const end = () => { client.destroy(); upstream.destroy(); };
  client.on('error', end); upstream.on('error', end);
}).listen(path, () => process.stdout.write('relaying\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

function waitForOutput(child: ChildProcess, pattern: RegExp, what: string, read: () => string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 30_000;
    const check = setInterval(() => {
      const match = pattern.exec(read());
      if (match) {
        clearInterval(check);
        resolve(match);
      } else if (Date.now() > deadline || child.exitCode !== null) {
        clearInterval(check);
        reject(new Error(`${what} did not start:\n${read()}`));
      }
    }, 50);
  });
}

export async function startSoakFarm(base: string, agentCount = 3): Promise<SoakFarm> {
  const lan = createLan(agentCount + 1);
  const agents = new Map<string, AgentProcess>();
  const names = Array.from({ length: agentCount }, (_, index) => `a${index + 1}`);
  const hostOf = (name: string): LanHost => lan.hosts[names.indexOf(name) + 1]!;
  const coordinatorState = join(base, 'coordinator');
  const startAgent = async (name: string, pairing: boolean) => {
    const agent = await startAgentProcess(['--state-dir', join(base, name), '--name', name, '--labels', 'farm', '--no-mdns-probe', '--slots', '2', ...(pairing ? [] : ['--no-pairing'])], hostOf(name));
    agents.set(name, agent);
    return agent;
  };
  const alive = (name: string) => {
    const child = agents.get(name)?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const link = (name: string, state: 'up' | 'down') => {
    const namespace = hostOf(name).namespace;
    spawnSync('ip', ['-n', namespace, 'link', 'set', 'eth0', state]);
    if (state === 'up') spawnSync('ip', ['-n', namespace, 'route', 'replace', '224.0.0.0/4', 'dev', 'eth0']);
  };
  let serve: ChildProcess | undefined;
  let relay: ChildProcess | undefined;
  let serveOutput = '';
  const close = async () => {
    if (serve && serve.exitCode === null) {
      const closed = new Promise((resolve) => serve!.once('close', resolve));
      serve.kill('SIGTERM');
      await closed;
    }
    for (const name of names) {
      link(name, 'up');
      agents.get(name)?.child.kill('SIGCONT');
    }
    await Promise.all([...agents.values()].map((agent) => agent.stop('SIGTERM')));
    if (relay && relay.exitCode === null) {
      const closed = new Promise((resolve) => relay!.once('close', resolve));
      relay.kill('SIGTERM');
      await closed;
    }
    lan.close();
  };
  try {
    for (const name of names) {
      const agent = await startAgent(name, true);
      const paired = await runFarmhand(['pair', `${hostOf(name).address}:${agent.port}`, agent.code!, '--state-dir', coordinatorState], lan.hosts[0]);
      if (paired.code !== 0) throw new Error(`pairing ${name}: ${paired.stderr}`);
    }
    serve = spawnFarmhand(['serve', '--port', '4700', '--state-dir', coordinatorState, '--jobs', '1'], lan.hosts[0]);
    serve.stdout!.on('data', (data) => (serveOutput += data));
    serve.stderr!.on('data', (data) => (serveOutput += data));
    const url = new URL((await waitForOutput(serve, /farmhand serving (\S+)/, 'farmhand serve', () => serveOutput))[1]!);
    const token = url.searchParams.get('token')!;
    const relayFile = join(base, 'relay.mjs');
    const socketPath = join(base, 'api.sock');
    writeFileSync(relayFile, relaySource);
    let relayOutput = '';
    relay = spawn('ip', ['netns', 'exec', lan.hosts[0]!.namespace, process.execPath, relayFile, socketPath, url.port], { stdio: ['ignore', 'pipe', 'pipe'] });
    relay.stdout!.on('data', (data) => (relayOutput += data));
    relay.stderr!.on('data', (data) => (relayOutput += data));
    await waitForOutput(relay, /relaying/, 'the API relay', () => relayOutput);
    const api = <T>(method: 'GET' | 'POST', path: string, body?: unknown) => new Promise<{ status: number; body: T }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const sent = request({ socketPath, method, path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, timeout: 20_000 }, (response) => {
        let text = '';
        response.on('data', (data) => (text += data));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as T }));
      });
      sent.on('error', reject);
      sent.on('timeout', () => sent.destroy(new Error(`${method} ${path}: no answer in 20 s`)));
      sent.end(payload);
    });
    const fault = async (kind: FaultKind, name: string, holdMs: number) => {
      const agent = agents.get(name)!;
      if (kind === 'cut') {
        link(name, 'down');
        await sleep(holdMs);
        link(name, 'up');
      } else if (kind === 'stop') {
        agent.child.kill('SIGSTOP');
        await sleep(holdMs);
        agent.child.kill('SIGCONT');
      } else {
        await agent.stop(kind === 'kill' ? 'SIGKILL' : 'SIGTERM');
        await sleep(holdMs);
        await startAgent(name, false);
      }
    };
    const heal = async () => {
      for (const name of names) {
        link(name, 'up');
        agents.get(name)?.child.kill('SIGCONT');
        if (!alive(name)) await startAgent(name, false);
      }
    };
    mkdirSync(join(base, 'project'), { recursive: true });
    return { lan, agents, names, coordinatorState, api, fault, heal, close, serveOutput: () => serveOutput };
  } catch (error) {
    await close();
    throw error;
  }
}
