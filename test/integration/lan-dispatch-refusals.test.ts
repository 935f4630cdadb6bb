// What a real `farmhand agent` (on loopback, --no-mdns) refuses in a snapshot from its paired
// coordinator: paths that are absolute, name `..` or pass through a file, and a blob larger than
// announced; nothing lands outside its workspaces. And `farmhand run --no-local` with no agent: the
// job fails after a short --agent-wait with `no agent serves pool P`, exit 3.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCoordinatorIdentity } from '../../core/lan/coordinator-identity';
import { agentChannel, dialAgent } from '../../core/lan/dial';
import { blobChunks } from '../../core/protocol/transfer';
import type { AgentMessage, Channel, CoordinatorMessage, ManifestEntry } from '../../core/protocol/types';
import { buildCli, runCli, tempProject } from '../helpers/cli';
import { runFarmhand, startAgentProcess, type AgentProcess } from '../helpers/netns-lan';

let base: string;
let agent: AgentProcess;
let channel: Channel<AgentMessage, CoordinatorMessage>;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

beforeAll(async () => {
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-lan-refusals-'));
  agent = await startAgentProcess(['--state-dir', join(base, 'agent'), '--no-mdns', '--listen', '127.0.0.1', '--port', '0', '--name', 'loop', '--slots', '2']);
  const pairing = await runFarmhand(['pair', `127.0.0.1:${agent.port}`, agent.code!, '--state-dir', join(base, 'coordinator')]);
  expect(pairing.code, pairing.stderr).toBe(0);
  const { identity } = await openCoordinatorIdentity(join(base, 'coordinator'));
  const dialed = await dialAgent({ identity, host: '127.0.0.1', port: agent.port, path: '/ws', fingerprint: agent.fingerprint });
  if (!('dialed' in dialed)) throw new Error(dialed.failure.message);
  channel = agentChannel(dialed.dialed, () => {});
  // The agent reports once welcomed (the welcome says where to resume).
  channel.send({ type: 'welcome', protocol: 1, coordinator: 'test' });
});

afterAll(async () => {
  channel?.close();
  if (agent) expect(await agent.stop('SIGTERM')).toBe(0);
  rmSync(base, { recursive: true, force: true });
});

let counter = 0;
/** Assigns a snapshot; answers fetches with `contents`; resolves with the attempt's result. */
function assign(files: ManifestEntry[], contents: Record<string, string> = {}): Promise<Extract<AgentMessage, { type: 'result' }>> {
  const id = `b-1.a${++counter}`;
  return new Promise((resolve) => {
    channel.onMessage((message) => {
      if (message.type === 'fetch' && message.attempt === id) for (const blob of message.blobs) for (const chunk of blobChunks(blob, Buffer.from(contents[blob] ?? ''))) channel.send(chunk);
      if (message.type === 'result' && message.attempt === id) resolve(message);
    });
    channel.send({ type: 'assign', attempt: { id, build: 'b-1', job: 'p/j', run: ['cat *.txt'], env: {}, workingDirectory: '.', workspace: { kind: 'snapshot', files }, outputs: [] } });
  });
}

const file = (path: string, text: string): ManifestEntry => ({ path, mode: 0o644, sha256: sha(text), size: text.length });

describe('a LAN agent placing snapshots', () => {
  it('places a good snapshot and runs in it', async () => {
    const result = await assign([file('a.txt', 'alpha\n'), file('sub/b.txt', 'beta\n')], { [sha('alpha\n')]: 'alpha\n', [sha('beta\n')]: 'beta\n' });
    expect(result.outcome).toEqual({ status: 'success', exitCode: 0 });
    expect(readdirSync(join(base, 'agent', 'blobs')).sort()).toEqual([sha('alpha\n'), sha('beta\n')].sort());
    await expect.poll(() => readdirSync(join(base, 'agent', 'workspaces'))).toEqual([]);
  });

  it.each([
    ['../escape.txt', 'contains ..'],
    ['/tmp/escape.txt', 'is absolute'],
    ['sub/../../escape.txt', 'contains ..'],
  ])('refuses the manifest path %s', async (path, why) => {
    const result = await assign([file(path, 'evil')], { [sha('evil')]: 'evil' });
    expect(result.outcome.status).toBe('failed');
    expect(result.outcome.message).toContain(why);
    expect(existsSync(join(base, 'agent', 'escape.txt'))).toBe(false);
    await expect.poll(() => agent.stderr()).toContain(`snapshot refused: path ${JSON.stringify(path)} ${why}`);
  });

  it('refuses a path through a file, and a blob larger than announced', async () => {
    const through = await assign([file('a', 'file'), file('a/b', 'under')]);
    expect(through.outcome.message).toContain('a/b would pass through the file a');
    const larger = await assign([{ path: 'big.txt', mode: 0o644, sha256: sha('much more than announced'), size: 4 }], { [sha('much more than announced')]: 'much more than announced' });
    expect(larger.outcome.status).toBe('failed');
    expect(larger.outcome.message).toContain('larger than the announced 4 bytes');
  });
});

describe('farmhand run --no-local', () => {
  it('fails a job no agent can take after --agent-wait, with the reason, exit 3', async () => {
    const project = tempProject({ 'farmhand.yml': 'version: 1\nname: p\nlabels: [gpu]\njobs:\n  j:\n    run: echo never\n' });
    try {
      const started = Date.now();
      const result = await runCli(['run', project.dir, '--no-local', '--agent-wait', '1s', '--state-dir', project.stateDir, '--report', join(base, 'alone.json')]);
      expect(result.code, result.stderr).toBe(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      const report = JSON.parse(readFileSync(join(base, 'alone.json'), 'utf8')) as { status: string; jobs: { status: string; reason: string }[]; transfer: unknown };
      expect(report.status).toBe('failed');
      expect(report.jobs[0]).toMatchObject({ status: 'failed', reason: 'no agent serves pool default with labels gpu' });
      expect(report.transfer).toEqual({ to_agents_bytes: 0, from_agents_bytes: 0 });
    } finally {
      project.close();
    }
  });
});
