// A simulated LAN of namespaces (test/helpers/netns-lan): a coordinator host and two agent hosts,
// each agent its own process and state dir. Discovery and `agents --json`; pairing by name, a wrong
// code, the lock after 5; a spoofed advertisement; a crashed agent dropped by the watchdog.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentListing } from '../../core/protocol/lan';
import { buildCli, repoRoot } from '../helpers/cli';
import { bundleScript, namespacesOrSkip, createLan, runFarmhand, runNodeIn, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);
let lan: Lan;
let base: string;
let alpha: AgentProcess;
let beta: AgentProcess;
const coordinatorState = () => join(base, 'coordinator');

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-ns-'));
  lan = createLan(3);
  const common = ['--no-mdns-probe', '--slots', '3'];
  const started = await Promise.allSettled([
    startAgentProcess(['--state-dir', join(base, 'alpha'), '--name', 'alpha', '--pool', 'linux', '--labels', 'gpu,big', ...common], lan.hosts[1]),
    startAgentProcess(['--state-dir', join(base, 'beta'), '--name', 'beta', ...common], lan.hosts[2]),
  ]);
  // Keep whichever started, so afterAll stops it even when the other did not.
  const [first, second] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
  alpha = first as AgentProcess;
  beta = second as AgentProcess;
  for (const result of started) if (result.status === 'rejected') throw result.reason;
});

afterAll(async () => {
  if (!usable) return;
  await Promise.all([alpha?.stop('SIGKILL'), beta?.stop('SIGKILL')]);
  lan?.close();
  rmSync(base, { recursive: true, force: true });
});

async function agentsJson(wait = '1'): Promise<AgentListing[]> {
  const result = await runFarmhand(['agents', '--json', '--wait', wait, '--state-dir', coordinatorState()], lan.hosts[0]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as AgentListing[];
}

describe.skipIf(!usable)('LAN agents in network namespaces', () => {
  it('are discovered, and `farmhand agents --json` lists what they advertise', async () => {
    const listings = await agentsJson();
    expect(listings.map((agent) => agent.name)).toEqual(['alpha', 'beta']);
    expect(listings[0]).toEqual({
      id: alpha.id, name: 'alpha', address: '10.77.0.2', port: 4747, pools: ['linux'], labels: ['gpu', 'big'], slots: 3, busy: 0,
      fingerprint: alpha.fingerprint, paired: false, online: true, last_seen: expect.any(Number), warning: null,
    });
    expect(listings[1]).toMatchObject({ id: beta.id, address: '10.77.0.3', pools: ['default'], paired: false, online: true });
  });

  it('pairs by name: a wrong code exits 2, the right one pins both sides', async () => {
    const wrong = await runFarmhand(['pair', 'alpha', 'AAAA-AAAA', '--state-dir', coordinatorState()], lan.hosts[0]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('farmhand pair: wrong pairing code for the agent at 10.77.0.2:4747 (4 tries left)\n');
    const right = await runFarmhand(['pair', 'alpha', alpha.code!.toLowerCase(), '--state-dir', coordinatorState()], lan.hosts[0]);
    expect(right.stderr).toBe('');
    expect(right.stdout).toBe(`paired with alpha (id ${alpha.id}, fingerprint ${alpha.fingerprint})\n`);
    expect(right.code).toBe(0);
    const listings = await agentsJson();
    expect(listings.find((agent) => agent.id === alpha.id)).toMatchObject({ paired: true, online: true, warning: null });
    expect(listings.find((agent) => agent.id === beta.id)).toMatchObject({ paired: false });
  });

  it('pairs an agent started with --no-mdns by address, and lists it online by dialing its last address', async () => {
    const gamma = await startAgentProcess(['--state-dir', join(base, 'gamma'), '--name', 'gamma', '--no-mdns', '--port', '4748'], lan.hosts[1]);
    try {
      const paired = await runFarmhand(['pair', '10.77.0.2:4748', gamma.code!, '--state-dir', coordinatorState()], lan.hosts[0]);
      expect(paired.stdout).toBe(`paired with gamma (id ${gamma.id}, fingerprint ${gamma.fingerprint})\n`);
      const listings = await agentsJson('0.5');
      expect(listings.find((agent) => agent.id === gamma.id)).toMatchObject({ address: '10.77.0.2', port: 4748, paired: true, online: true, last_seen: expect.any(Number) });
    } finally {
      expect(await gamma.stop('SIGTERM')).toBe(0);
    }
    const after = await agentsJson('0.5');
    expect(after.find((agent) => agent.id === gamma.id)).toMatchObject({ paired: true, online: false });
  });

  it('locks pairing after 5 wrong codes, even for the right code, until the agent restarts', async () => {
    const target = `${lan.hosts[2]!.address}:4747`;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const wrong = await runFarmhand(['pair', target, 'ZZZZ-ZZZZ', '--state-dir', join(base, 'guesser')], lan.hosts[0]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toContain(attempt === 5 ? 'now locked until it restarts' : `${5 - attempt} tr`);
    }
    const right = await runFarmhand(['pair', target, beta.code!, '--state-dir', coordinatorState()], lan.hosts[0]);
    expect(right.code).toBe(2);
    expect(right.stderr).toBe(`farmhand pair: agent at ${target} refused: pairing is locked after 5 wrong codes; restart the agent for a new code\n`);
  });

  it('refuses an advertisement claiming a paired agent id with another certificate, and shows a warning', async () => {
    const spoofer = spawn('ip', ['netns', 'exec', lan.hosts[2]!.namespace, process.execPath, '-e', `
      const { Bonjour } = require('bonjour-service');
      const bonjour = new Bonjour({}, () => {});
      bonjour.publish({ name: 'spoof', type: 'farmhand', port: 4747, host: 'spoof.local', disableIPv6: true, probe: false,
        txt: { id: ${JSON.stringify(alpha.id)}, name: 'alpha', version: '0.1.0', protocol: '1', pools: 'linux', labels: '', slots: '64', busy: '0', fingerprint: '${'e'.repeat(64)}' } });
      setInterval(() => {}, 1000);`], { cwd: repoRoot, stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const listings = await agentsJson('1.5');
      const entry = listings.filter((agent) => agent.id === alpha.id);
      expect(entry).toHaveLength(1);
      // The genuine advertisement is used, the spoof is refused and named in the warning.
      expect(entry[0]).toMatchObject({ fingerprint: alpha.fingerprint, address: '10.77.0.2', slots: 3, paired: true });
      expect(entry[0]!.warning).toBe(`10.77.0.3:4747 advertises this agent's id with another certificate (${'e'.repeat(16)}); refused`);
    } finally {
      spoofer.kill('SIGKILL');
      await new Promise((resolve) => spoofer.once('close', resolve));
    }
  });

  it('refuses strangers across the LAN: an unpaired coordinator, raw TLS without a certificate or with an unpaired one', async () => {
    const probe = await bundleScript(strangerProbe);
    try {
      const result = await runNodeIn(lan.hosts[0]!, probe, [join(base, 'stranger'), '10.77.0.2', '4747', alpha.fingerprint]);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({
        coordinator: { failure: { kind: 'refused', status: 403, message: expect.stringContaining('not paired with this agent') } },
        rawWithoutCertificate: 'HTTP/1.1 401 Unauthorized',
        rawWithUnpairedCertificate: 'HTTP/1.1 403 Forbidden',
      });
    } finally {
      rmSync(probe, { force: true });
    }
  });

  it('runs a job sent by its paired coordinator across the LAN, re-advertising its busy slots', async () => {
    // The coordinator side runs as a process in the coordinator's namespace (repo code, bundled).
    const driver = await bundleScript(coordinatorDriver);
    const browser = spawn('ip', ['netns', 'exec', lan.hosts[0]!.namespace, process.execPath, '-e', `
      const { Bonjour } = require('bonjour-service');
      const bonjour = new Bonjour({}, () => {});
      const browser = bonjour.find({ type: 'farmhand' });
      const show = (s) => console.log('busy ' + s.txt.name + ' ' + s.txt.busy);
      browser.on('up', show);
      browser.on('txt-update', show);
      setInterval(() => browser.update(), 300);`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    let heard = '';
    browser.stdout!.on('data', (data) => (heard += data));
    try {
      const result = await runNodeIn(lan.hosts[0]!, driver, [coordinatorState(), '10.77.0.2', '4747', alpha.fingerprint]);
      expect(result.stderr).toBe('');
      // It ran in the agent's own workspace, in the agent's state dir.
      expect(JSON.parse(result.stdout)).toEqual({ status: 'success', log: expect.stringMatching(new RegExp(`^ran in ${join(base, 'alpha', 'workspaces')}/[0-9a-f]+\\n$`)) });
      await expect.poll(() => heard.split('\n').filter((line) => line.startsWith('busy alpha'))).toEqual(['busy alpha 0', 'busy alpha 1', 'busy alpha 0']);
    } finally {
      browser.kill('SIGKILL');
      await new Promise((resolve) => browser.once('close', resolve));
      rmSync(driver, { force: true });
    }
  });

  it('drops a crashed agent (which never says goodbye) by its liveness watchdog', async () => {
    // Killed 3 s in (the browser has heard it by then; a CLI starts in about 1 s here), listed at ~8 s:
    // without the watchdog bonjour-service would keep the record for 8 hours.
    const listing = runFarmhand(['agents', '--json', '--wait', '7', '--state-dir', coordinatorState()], lan.hosts[0]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await beta.stop('SIGKILL')).toBeNull();
    const result = await listing;
    const listings = JSON.parse(result.stdout) as AgentListing[];
    expect(listings.filter((agent) => agent.online).map((agent) => agent.name)).toEqual(['alpha']);
    expect(listings.map((agent) => agent.name)).not.toContain('beta');
  });

  it('withdraws its advertisement on SIGTERM: a browser hears the goodbye at once', async () => {
    // A plain bonjour browser (no watchdog), so only a goodbye can make it say `down`.
    const browser = spawn('ip', ['netns', 'exec', lan.hosts[0]!.namespace, process.execPath, '-e', `
      const { Bonjour } = require('bonjour-service');
      const bonjour = new Bonjour({}, () => {});
      const browser = bonjour.find({ type: 'farmhand' });
      browser.on('up', (s) => console.log('up ' + s.txt.name));
      browser.on('down', (s) => console.log('down ' + s.txt.name));`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    let heard = '';
    const until = (line: string) => new Promise<void>((resolve) => {
      const check = () => heard.includes(line) && resolve();
      browser.stdout!.on('data', (data) => ((heard += data), check()));
      check();
    });
    try {
      await until('up alpha\n');
      const stoppedAt = Date.now();
      expect(await alpha.stop('SIGTERM')).toBe(0);
      await until('down alpha\n');
      expect(Date.now() - stoppedAt).toBeLessThan(3000);
      expect(alpha.stderr()).toContain('SIGTERM: withdrawing the advertisement and stopping');
    } finally {
      browser.kill('SIGKILL');
      await new Promise((resolve) => browser.once('close', resolve));
    }
  });
});

/** A coordinator process: dials the pinned agent, attaches it unchanged, runs one job, prints the outcome. */
const coordinatorDriver = `
import { join } from 'node:path';
import { createCoordinator } from './core/coordinator/coordinator';
import { openCoordinatorIdentity } from './core/lan/coordinator-identity';
import { connectAgent } from './core/lan/dial';
import { openState } from './core/store/state-dir';
import { makePlan } from './test/helpers/plans';
const [stateDir, host, port, fingerprint] = process.argv.slice(2);
const { identity } = await openCoordinatorIdentity(stateDir);
const connected = await connectAgent({ identity, host, port: Number(port), fingerprint, log: (line) => process.stderr.write(line + '\\n') });
if ('failure' in connected) throw new Error(connected.failure.message);
const state = openState(join(stateDir, 'store'));
const clock = { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (h) => clearTimeout(h) };
const coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock });
coordinator.attachAgent(connected.channel);
const plan = makePlan({ 'p/remote': { pool: 'linux', run: ['sleep 1.5', 'echo "ran in $(pwd)"'] } });
const build = coordinator.startBuild({ root: '/nonexistent', plan, options: { noCache: true, only: [] } });
const status = await coordinator.finished(build);
const log = state.store.readLog(build, 'p/remote').map((chunk) => chunk.data).join('');
await coordinator.close();
connected.channel.close();
state.close();
process.stdout.write(JSON.stringify({ status, log }));
process.exit(0);
`;

/** A stranger on the coordinator's host: dials as an unpaired coordinator, then as raw TLS clients. */
const strangerProbe = `
import { connect } from 'node:tls';
import { openCoordinatorIdentity } from './core/lan/coordinator-identity';
import { dialAgent } from './core/lan/dial';
const [stateDir, host, port, fingerprint] = process.argv.slice(2);
const { identity } = await openCoordinatorIdentity(stateDir);
const coordinator = await dialAgent({ identity, host, port: Number(port), path: '/ws', fingerprint });
const raw = (certificate) => new Promise((resolve, reject) => {
  const socket = connect({ host, port: Number(port), rejectUnauthorized: false, ...certificate }, () => socket.write(
    'GET /ws HTTP/1.1\\r\\nHost: x\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n'));
  let text = '';
  socket.on('data', (data) => (text += data));
  socket.on('end', () => resolve(text.split('\\r\\n')[0]));
  socket.on('error', reject);
});
const rawWithoutCertificate = await raw({});
const rawWithUnpairedCertificate = await raw({ cert: identity.certPem, key: identity.keyPem });
process.stdout.write(JSON.stringify({ coordinator, rawWithoutCertificate, rawWithUnpairedCertificate }));
process.exit(0);
`;
