// The coordinator's end of a LAN agent (core/lan/remote-session) against a scripted agent on an
// in-memory channel, with a real artifact store and real files: outputs that name `..`, an absolute
// path, a link out of the workspace or a folder that is a symbolic link are refused, and nothing is
// written outside the project; a good output is stored and written into the project folder.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { remoteSession } from '../../../core/lan/remote-session';
import { createSnapshotter } from '../../../core/lan/snapshot';
import { createChannelPair } from '../../../core/protocol/channel';
import { blobChunks } from '../../../core/protocol/transfer';
import type { AgentMessage, AttemptSpec, Channel, CoordinatorMessage, OutputFile } from '../../../core/protocol/types';
import { openState, type State } from '../../../core/store/state-dir';

let base: string;
let state: State;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'farmhand-remote-session-'));
  state = openState(join(base, 'state'));
  mkdirSync(join(base, 'project'));
  mkdirSync(join(base, 'elsewhere'));
  writeFileSync(join(base, 'project', 'source.txt'), 'source\n');
});

afterEach(async () => {
  state.close();
  rmSync(base, { recursive: true, force: true });
});

const spec = (id: string): AttemptSpec => ({ id, build: 'b-1', job: 'p/j', run: ['true'], env: {}, workingDirectory: '.', workspace: { kind: 'local', root: join(base, 'project') }, outputs: ['**'] });

/** A session with a scripted agent end; returns what the coordinator receives and the agent's end. */
function session(): { agent: Channel<CoordinatorMessage, AgentMessage>; coordinator: Channel<AgentMessage, CoordinatorMessage>; received: AgentMessage[]; logs: string[]; counts: { to_agents_bytes: number; from_agents_bytes: number } } {
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  const logs: string[] = [];
  const counts = { to_agents_bytes: 0, from_agents_bytes: 0 };
  const coordinator = remoteSession({ channel: coordinatorEnd, snapshots: createSnapshotter(), artifacts: state.artifacts, count: (_build, direction, bytes) => (counts[direction] += bytes), log: (line) => logs.push(line) });
  const received: AgentMessage[] = [];
  coordinator.onMessage((message) => received.push(message));
  return { agent: agentEnd, coordinator, received, logs, counts };
}

const next = <T extends { type: string }>(channel: Channel<T, unknown>, type: string): Promise<T> =>
  new Promise((resolve) => channel.onMessage((message) => message.type === type && resolve(message)));

/** Runs one attempt whose agent reports `files` and sends the wanted blobs from `contents`; resolves with the result the coordinator got. */
async function attemptWithOutputs(files: OutputFile[], contents: Record<string, string>) {
  const s = session();
  const assigned = next(s.agent, 'assign');
  s.coordinator.send({ type: 'assign', attempt: spec('b-1.a1') });
  const assign = (await assigned) as Extract<CoordinatorMessage, { type: 'assign' }>;
  const wanted = next(s.agent, 'want');
  s.agent.send({ type: 'outputs', attempt: 'b-1.a1', files });
  const want = (await wanted) as Extract<CoordinatorMessage, { type: 'want' }>;
  for (const blob of want.blobs) for (const chunk of blobChunks(blob, Buffer.from(contents[blob] ?? ''))) s.agent.send(chunk);
  s.agent.send({ type: 'result', attempt: 'b-1.a1', outcome: { status: 'success', exitCode: 0 } });
  await expect.poll(() => s.received.length).toBe(1);
  return { ...s, assign, want, result: s.received[0] as Extract<AgentMessage, { type: 'result' }> };
}

describe('remote session outputs', () => {
  it('stores a good output, writes it into the project folder, and counts its bytes once', async () => {
    const text = 'built\n';
    const { assign, want, result, counts } = await attemptWithOutputs([{ path: 'out/app.bin', size: text.length, sha256: sha(text), mode: 0o755 }], { [sha(text)]: text });
    expect(assign.attempt.workspace).toEqual({ kind: 'snapshot', files: [{ path: 'source.txt', mode: expect.any(Number), sha256: sha('source\n'), size: 7 }] });
    expect(want.blobs).toEqual([sha(text)]);
    // The coordinator is told the outputs in the result, as an embedded agent tells them.
    expect(result.outcome).toEqual({ status: 'success', exitCode: 0, outputs: [{ path: 'out/app.bin', size: text.length, sha256: sha(text), mode: 0o755 }] });
    expect(readFileSync(join(base, 'project', 'out/app.bin'), 'utf8')).toBe(text);
    expect(state.artifacts.has(sha(text))).toBe(true);
    expect(counts.from_agents_bytes).toBe(text.length);
  });

  it('never passes on an output list carried in the result itself (only the checked outputs message counts)', async () => {
    const s = session();
    const assigned = next(s.agent, 'assign');
    s.coordinator.send({ type: 'assign', attempt: spec('b-1.a1') });
    await assigned;
    const smuggled: OutputFile[] = [{ path: '../outside.txt', size: 4, sha256: sha('evil'), mode: 0o644 }];
    s.agent.send({ type: 'result', attempt: 'b-1.a1', outcome: { status: 'success', exitCode: 0, outputs: smuggled } });
    await expect.poll(() => s.received.length).toBe(1);
    expect((s.received[0] as Extract<AgentMessage, { type: 'result' }>).outcome.outputs).toBeUndefined();
  });

  it.each([
    ['../outside.txt', 'contains ..'],
    ['/tmp/outside.txt', 'is absolute'],
    ['a/../../outside.txt', 'contains ..'],
  ])('refuses the output path %s (%s) and writes nothing', async (path, why) => {
    const { want, result } = await attemptWithOutputs([{ path, size: 4, sha256: sha('evil'), mode: 0o644 }], { [sha('evil')]: 'evil' });
    expect(want.blobs).toEqual([]);
    expect(result.outcome.status).toBe('failed');
    expect(result.outcome.message).toContain(why);
    expect(existsSync(join(base, 'outside.txt'))).toBe(false);
  });

  it('refuses an output under a folder that is a symbolic link, and a link pointing out of the workspace', async () => {
    symlinkSync(join(base, 'elsewhere'), join(base, 'project', 'linked'));
    const through = await attemptWithOutputs([{ path: 'linked/file.txt', size: 4, sha256: sha('evil'), mode: 0o644 }], { [sha('evil')]: 'evil' });
    expect(through.result.outcome.message).toContain('passes through the symbolic link linked');
    expect(existsSync(join(base, 'elsewhere', 'file.txt'))).toBe(false);
    const link = await attemptWithOutputs([{ path: 'out/escape', size: 5, sha256: sha('../..'), mode: 0o777, link: '../../..' }], {});
    expect(link.result.outcome.message).toContain('points outside the workspace');
    expect(existsSync(join(base, 'project', 'out', 'escape'))).toBe(false);
  });

  it('refuses a blob larger than announced', async () => {
    const { result, logs } = await attemptWithOutputs([{ path: 'out/small.txt', size: 2, sha256: sha('much longer'), mode: 0o644 }], { [sha('much longer')]: 'much longer' });
    expect(result.outcome.status).toBe('failed');
    expect(result.outcome.message).toContain('larger than the announced 2 bytes');
    expect(logs.join('\n')).toContain('larger than the announced');
    expect(existsSync(join(base, 'project', 'out', 'small.txt'))).toBe(false);
  });

  it('serves only blobs of the attempt\'s snapshot', async () => {
    const s = session();
    const assigned = next(s.agent, 'assign');
    s.coordinator.send({ type: 'assign', attempt: spec('b-1.a1') });
    await assigned;
    const chunks: string[] = [];
    s.agent.onMessage((message) => message.type === 'blob' && chunks.push(message.sha256));
    s.agent.send({ type: 'fetch', attempt: 'b-1.a1', blobs: [sha('source\n'), sha('not in the snapshot')] });
    await expect.poll(() => s.logs.join('\n')).toContain('not in the snapshot of b-1.a1');
    expect(chunks).toEqual([sha('source\n')]);
    expect(s.counts.to_agents_bytes).toBe(7);
  });
});

describe('remote session in parts', () => {
  it('takes an output list in parts and answers with wants in parts (10,500 outputs)', async () => {
    const s = session();
    const assigned = next(s.agent, 'assign');
    s.coordinator.send({ type: 'assign', attempt: spec('b-1.p1') });
    await assigned;
    const files: OutputFile[] = Array.from({ length: 10_500 }, (_, i) => ({ path: `many/f${i}.txt`, size: String(i).length, sha256: sha(String(i)), mode: 0o644 }));
    const wants: Extract<CoordinatorMessage, { type: 'want' }>[] = [];
    s.agent.onMessage((message) => void (message.type === 'want' && wants.push(message)));
    const parts = [files.slice(0, 4000), files.slice(4000, 8000), files.slice(8000)];
    parts.forEach((part, index) => s.agent.send({ type: 'outputs', attempt: 'b-1.p1', files: part, ...(index < 2 ? { more: true } : {}) }));
    await expect.poll(() => wants.at(-1)?.more, { timeout: 10_000 }).toBe(undefined);
    await expect.poll(() => wants.length).toBe(2);
    expect(wants.map((want) => [want.blobs.length, want.more])).toEqual([[10_000, true], [500, undefined]]);
    const index = new Map(files.map((file, i) => [file.sha256, String(i)]));
    for (const want of wants) for (const blob of want.blobs) for (const chunk of blobChunks(blob, Buffer.from(index.get(blob)!))) s.agent.send(chunk);
    s.agent.send({ type: 'result', attempt: 'b-1.p1', outcome: { status: 'success', exitCode: 0 } });
    await expect.poll(() => s.received.length, { timeout: 20_000 }).toBe(1);
    expect(s.received[0]).toMatchObject({ type: 'result', outcome: { status: 'success' } });
    expect(readFileSync(join(base, 'project', 'many', 'f10499.txt'), 'utf8')).toBe('10499');
  }, 30_000);
});
