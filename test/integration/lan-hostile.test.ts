// Hostile input across a namespace LAN (test/helpers/netns-lan): the coordinator in one namespace,
// a real `farmhand agent` in another. From the paired coordinator's identity a script sends malformed
// JSON, a message over the 1 MiB limit, a frame too large to buffer, another protocol version, and
// snapshot blobs that lie about their size. Each gets a one-line error naming the peer, nothing
// crashes, and afterwards a real `farmhand run` from the coordinator's namespace still succeeds.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCoordinatorIdentity } from '../../core/lan/coordinator-identity';
import { buildCli } from '../helpers/cli';
import { bundleScript, createLan, namespacesOrSkip, runFarmhand, runNodeIn, startAgentProcess, type AgentProcess, type Lan } from '../helpers/netns-lan';

const usable = namespacesOrSkip(__filename);

let lan: Lan;
let base: string;
let agent: AgentProcess;
let script: string;

// Runs in the coordinator's namespace: each probe on its own connection, a JSON line of what came back.
const probes = `
import { createHash } from 'node:crypto';
import { openCoordinatorIdentity } from './core/lan/coordinator-identity';
import { dialAgent } from './core/lan/dial';
const [stateDir, host, port, fingerprint] = process.argv.slice(2);
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const { identity } = await openCoordinatorIdentity(stateDir);
async function connect() {
  const result = await dialAgent({ identity, host, port: Number(port), path: '/ws', fingerprint });
  if (!('dialed' in result)) throw new Error(result.failure.message);
  const ws = result.dialed.ws;
  const inbox: any[] = [];
  const waiting: ((value: any) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString());
    const next = waiting.shift();
    if (next) next(message); else inbox.push(message);
  });
  const next = (): Promise<any> => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiting.push(resolve)));
  const until = async (test: (message: any) => boolean) => { for (;;) { const message = await next(); if (test(message)) return message; } };
  await until((message) => message.type === 'hello');
  return { ws, next, until };
}
const out: Record<string, unknown> = {};
const assign = (id: string, workspace: unknown) => JSON.stringify({ type: 'assign', attempt: { id, build: 'b-9', job: 'p/j', run: ['cat *.txt'], env: {}, workingDirectory: '.', workspace, outputs: [] } });

{
  const { ws, next } = await connect();
  ws.send('{"type": "assign", oops');
  out.malformed = await next();
  ws.send(JSON.stringify({ type: 'assign', attempt: { id: 7 } }));
  out.invalid = await next();
  ws.send(JSON.stringify({ type: 'welcome', protocol: 1, coordinator: 'x', pad: 'x'.repeat(2 << 20) }));
  out.oversized = await next();
  ws.close();
}
{
  const { ws } = await connect();
  const closed = new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
  ws.send('x'.repeat(9 << 20));
  out.hugeFrame = await closed;
}
{
  const { ws, until } = await connect();
  ws.send(JSON.stringify({ type: 'welcome', protocol: 999, coordinator: 'future' }));
  ws.send(assign('b-9.v1', { kind: 'local', root: '/' }));
  out.version = await until((message) => message.type === 'result');
  ws.close();
}
{
  const { ws, until } = await connect();
  ws.send(JSON.stringify({ type: 'welcome', protocol: 1, coordinator: 'liar' }));
  const lie = async (id: string, announced: number, text: string) => {
    ws.send(assign(id, { kind: 'snapshot', files: [{ path: 'a.txt', mode: 420, sha256: sha(text), size: announced }] }));
    await until((message) => message.type === 'fetch');
    ws.send(JSON.stringify({ type: 'blob', sha256: sha(text), offset: 0, data: Buffer.from(text).toString('base64'), last: true }));
    return until((message) => message.type === 'result' && message.attempt === id);
  };
  out.larger = await lie('b-9.l1', 4, 'much more than announced');
  out.shorter = await lie('b-9.l2', 1000, 'less than announced');
  // A blob nobody asked for, then a good snapshot on the same connection.
  ws.send(JSON.stringify({ type: 'blob', sha256: sha('stray'), offset: 0, data: 'c3RyYXk=', last: true }));
  ws.send(assign('b-9.g1', { kind: 'snapshot', files: [{ path: 'a.txt', mode: 420, sha256: sha('good\\n'), size: 5 }] }));
  await until((message) => message.type === 'fetch');
  ws.send(JSON.stringify({ type: 'blob', sha256: sha('good\\n'), offset: 0, data: Buffer.from('good\\n').toString('base64'), last: true }));
  out.good = await until((message) => message.type === 'result' && message.attempt === 'b-9.g1');
  ws.close();
}
console.log(JSON.stringify(out));
process.exit(0);
`;

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-hostile-'));
  lan = createLan(2);
  agent = await startAgentProcess(['--state-dir', join(base, 'agent'), '--name', 'target', '--no-mdns-probe', '--slots', '2'], lan.hosts[1]);
  const paired = await runFarmhand(['pair', `${lan.hosts[1]!.address}:${agent.port}`, agent.code!, '--state-dir', join(base, 'coordinator')], lan.hosts[0]);
  expect(paired.code, paired.stderr).toBe(0);
  script = await bundleScript(probes);
}, 60_000);

afterAll(async () => {
  if (!usable) return;
  if (agent) expect(await agent.stop('SIGTERM')).toBe(0);
  lan?.close();
  if (script) rmSync(script, { force: true });
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(!usable)('hostile input across a namespace LAN', () => {
  it('answers each bad message with a one-line error naming the peer, never crashes, and keeps serving', async () => {
    const result = await runNodeIn(lan.hosts[0]!, script, [join(base, 'coordinator'), lan.hosts[1]!.address, String(agent.port), agent.fingerprint], 40_000);
    expect(result.code, `${result.stdout}\n${result.stderr}\nagent: ${agent.stderr()}`).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, { type?: string; error?: string; outcome?: { status: string; message?: string } }>;
    expect(out.malformed).toEqual({ type: 'error', error: expect.stringMatching(/^message is not JSON/) });
    expect(out.invalid).toEqual({ type: 'error', error: 'assign needs attempt {id, run, ...}' });
    expect(out.oversized).toEqual({ type: 'error', error: expect.stringMatching(/^message of \d+ bytes is over the 1048576-byte limit$/) });
    expect(out.hugeFrame).toBe(1009);
    expect(out.version).toMatchObject({ type: 'result', attempt: 'b-9.v1', outcome: { status: 'failed', message: expect.stringContaining('refuses new work') } });
    expect(out.larger!.outcome).toMatchObject({ status: 'failed', message: expect.stringContaining('larger than the announced 4 bytes') });
    expect(out.shorter!.outcome).toMatchObject({ status: 'failed', message: expect.stringContaining('has 19 bytes, announced 1000') });
    expect(out.good!.outcome).toEqual({ status: 'success', exitCode: 0 });

    // One line per problem in the agent's log, each naming the coordinator it came from.
    const { identity } = await openCoordinatorIdentity(join(base, 'coordinator'));
    const peer = `coordinator ${identity.fingerprint.slice(0, 16)}`;
    const lines = agent.stderr().split('\n');
    for (const expected of [/refused a message: message is not JSON/, /refused a message: assign needs attempt/, /refused a message: message of \d+ bytes is over/, /coordinator speaks protocol 999/, /larger than the announced 4 bytes/, /refused a blob chunk: blob [0-9a-f]{16} was not asked for/]) {
      const line = lines.find((text) => expected.test(text));
      expect(line, `${expected} in:\n${agent.stderr()}`).toBeDefined();
      expect(line).toContain(peer);
    }
    expect(agent.child.exitCode).toBeNull();

    // And the real coordinator still builds on it, across the namespaces.
    const project = join(base, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'farmhand.yml'), 'version: 1\nname: p\njobs:\n  j:\n    run: cat input.txt > out.txt\n    outputs: [out.txt]\n');
    writeFileSync(join(project, 'input.txt'), 'still serving\n');
    const run = await runFarmhand(['run', project, '--no-local', '--no-cache', '--agent-wait', '10s', '--state-dir', join(base, 'coordinator')], lan.hosts[0], 30_000);
    expect(run.code, `${run.stdout}\n${run.stderr}\nagent: ${agent.stderr()}`).toBe(0);
    expect(readFileSync(join(project, 'out.txt'), 'utf8')).toBe('still serving\n');
  }, 60_000);
});
