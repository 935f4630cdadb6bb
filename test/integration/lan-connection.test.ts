// A real `farmhand agent` process on loopback (--no-mdns: no multicast outside test namespaces), and
// what may or may not talk to it: the paired coordinator runs a job through coordinator.attachAgent;
// strangers, raw TLS clients, impostors, malformed and oversized messages are refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { createCoordinator } from '../../core/coordinator/coordinator';
import { openCoordinatorIdentity, type CoordinatorIdentity } from '../../core/lan/coordinator-identity';
import { agentChannel, dialAgent, type Dialed } from '../../core/lan/dial';
import { openState } from '../../core/store/state-dir';
import { buildCli } from '../helpers/cli';
import { runFarmhand, startAgentProcess, type AgentProcess } from '../helpers/netns-lan';
import { makePlan } from '../helpers/plans';

let base: string;
let agent: AgentProcess;
let paired: CoordinatorIdentity;

beforeAll(async () => {
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-'));
  agent = await startAgentProcess(['--state-dir', join(base, 'agent'), '--no-mdns', '--listen', '127.0.0.1', '--port', '0', '--name', 'loop', '--slots', '2']);
  const pairing = await runFarmhand(['pair', `127.0.0.1:${agent.port}`, agent.code!, '--state-dir', join(base, 'coordinator')]);
  expect(pairing.stderr).toBe('');
  expect(pairing.stdout).toBe(`paired with loop (id ${agent.id}, fingerprint ${agent.fingerprint})\n`);
  expect(pairing.code).toBe(0);
  paired = await openCoordinatorIdentity(join(base, 'coordinator'));
});

afterAll(async () => {
  if (agent) expect(await agent.stop('SIGTERM')).toBe(0);
  rmSync(base, { recursive: true, force: true });
});

const dial = (identity: CoordinatorIdentity, fingerprint = agent.fingerprint) => dialAgent({ identity: identity.identity, host: '127.0.0.1', port: agent.port, path: '/ws', fingerprint });

/** Sends raw text on a dialed socket and resolves with the next message the agent sends. */
/** The next message that is not a heartbeat, nor a resent message of an earlier connection (numbered, of another attempt). */
function nextMessage(ws: WebSocket, attempt?: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const take = (data: Buffer) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.type === 'heartbeat' || (attempt !== undefined && message.attempt !== attempt)) return;
      ws.off('message', take);
      resolve(message);
    };
    ws.on('message', take);
  });
}

async function dialPaired(): Promise<Dialed> {
  const result = await dial(paired);
  if (!('dialed' in result)) throw new Error(result.failure.message);
  return result.dialed;
}

describe('a LAN agent on loopback', () => {
  it('runs a job for its paired coordinator, through the unchanged coordinator.attachAgent', async () => {
    const result = await dial(paired);
    expect(result).toHaveProperty('dialed');
    const { dialed } = result as { dialed: Dialed };
    const state = openState(join(base, 'coordinator-state'));
    const clock = { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
    const coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock });
    coordinator.attachAgent(agentChannel(dialed, () => {}));
    const plan = makePlan({ 'p/hello': { run: ['echo "hello from $FARMHAND_JOB"', 'pwd'] } });
    const build = coordinator.startBuild({ root: join(base, 'not-on-the-agent'), plan, options: { noCache: true, only: [] } });
    expect(await coordinator.finished(build)).toBe('success');
    const log = state.store.readLog(build, 'p/hello').map((chunk) => chunk.data).join('');
    expect(log).toContain('hello from hello');
    // The job ran in the agent's own workspace, not at the coordinator's path.
    expect(log).toContain(join(base, 'agent', 'workspaces'));
    // Disconnect first: the coordinator records the agent going offline in the store.
    const closed = new Promise((resolve) => dialed.ws.once('close', resolve));
    dialed.ws.close();
    await closed;
    await coordinator.close();
    state.close();
  });

  it('refuses a coordinator it never paired with (403, no WebSocket)', async () => {
    const stranger = await openCoordinatorIdentity(join(base, 'stranger'));
    const result = await dial(stranger);
    expect(result).toEqual({ failure: { kind: 'refused', status: 403, message: expect.stringContaining('not paired with this agent') } });
    await expect.poll(() => agent.stderr()).toContain(`certificate ${stranger.identity.fingerprint.slice(0, 16)} is not paired`);
  });

  it('is not reached when its certificate is not the pinned one (refused before any request)', async () => {
    const result = await dial(paired, 'f'.repeat(64));
    expect(result).toEqual({ failure: { kind: 'fingerprint', message: expect.stringContaining('not the pinned ffffffffffffffff') } });
  });

  it.each([
    ['without a client certificate', undefined, 401],
    ['with an unpaired certificate', 'stranger', 403],
  ])('answers a raw TLS client %s with HTTP %i and nothing else', async (_what, who, status) => {
    const identity = who ? (await openCoordinatorIdentity(join(base, who))).identity : undefined;
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: agent.port, rejectUnauthorized: false, cert: identity?.certPem, key: identity?.keyPem }, () => {
        socket.write(`GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.alloc(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (data) => (text += data));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(response.split('\r\n')[0]).toBe(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}`);
    expect(response).not.toContain('101');
  });

  it('answers malformed and oversized messages with an error and a log line, and keeps serving', async () => {
    const { ws } = await dialPaired();
    await nextMessage(ws); // hello
    const replies: Record<string, unknown>[] = [];
    for (const bad of ['not json', JSON.stringify({ type: 'assign', attempt: { id: 7 } }), JSON.stringify({ type: 'welcome', protocol: 1, coordinator: 'x', pad: 'x'.repeat(2 << 20) })]) {
      const reply = nextMessage(ws);
      ws.send(bad);
      replies.push(await reply);
    }
    expect(replies).toEqual([
      { type: 'error', error: expect.stringMatching(/^message is not JSON/) },
      { type: 'error', error: 'assign needs attempt {id, run, ...}' },
      { type: 'error', error: expect.stringMatching(/^message of \d+ bytes is over the 1048576-byte limit$/) },
    ]);
    await expect.poll(() => agent.stderr()).toMatch(/refused a message: message is not JSON/);
    // Still serving on the same connection.
    ws.send(JSON.stringify({ type: 'welcome', protocol: 1, coordinator: 'test' }));
    const started = nextMessage(ws, 'x1');
    ws.send(JSON.stringify({ type: 'assign', attempt: { id: 'x1', build: 'b', job: 'p/j', run: ['true'], env: {}, workingDirectory: '.', workspace: { kind: 'local', root: '/' }, outputs: [] } }));
    expect(await started).toMatchObject({ type: 'started', attempt: 'x1' });
    ws.close();
  });

  it('refuses new work from a coordinator speaking another protocol version', async () => {
    const { ws } = await dialPaired();
    await nextMessage(ws); // hello
    ws.send(JSON.stringify({ type: 'welcome', protocol: 999, coordinator: 'future' }));
    const reply = nextMessage(ws, 'x2');
    ws.send(JSON.stringify({ type: 'assign', attempt: { id: 'x2', build: 'b', job: 'p/j', run: ['true'], env: {}, workingDirectory: '.', workspace: { kind: 'local', root: '/' }, outputs: [] } }));
    expect(await reply).toMatchObject({ type: 'result', attempt: 'x2', outcome: { status: 'failed', message: expect.stringContaining('refuses new work') } });
    await expect.poll(() => agent.stderr()).toContain('coordinator speaks protocol 999');
    ws.close();
  });

  it('closes the connection (1009) on a frame too large to buffer, and goes on serving others', async () => {
    const { ws } = await dialPaired();
    await nextMessage(ws); // hello
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.send('x'.repeat(9 << 20));
    expect(await closed).toBe(1009);
    const again = await dialPaired();
    expect(await nextMessage(again.ws)).toMatchObject({ type: 'hello', agent: { id: agent.id } });
    again.ws.close();
  });

  it('with --no-pairing prints no code and refuses pairing; a mistyped code is refused before dialing', async () => {
    const closed = await startAgentProcess(['--state-dir', join(base, 'closed'), '--no-mdns', '--no-pairing', '--listen', '127.0.0.1', '--port', '0']);
    try {
      expect(closed.code).toBeUndefined();
      const refused = await runFarmhand(['pair', `127.0.0.1:${closed.port}`, 'AAAA-AAAA', '--state-dir', join(base, 'coordinator')]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(`farmhand pair: agent at 127.0.0.1:${closed.port} refused: pairing is disabled on this agent (--no-pairing)\n`);
      const mistyped = await runFarmhand(['pair', `127.0.0.1:${closed.port}`, 'AAAA-AAA', '--state-dir', join(base, 'coordinator')]);
      expect(mistyped.code).toBe(2);
      expect(mistyped.stderr).toContain('"AAAA-AAA" is not a pairing code');
    } finally {
      expect(await closed.stop('SIGINT')).toBe(0);
    }
  });
});
