// Issue #11: transfer messages (fetch, want, blob) are not resent after a cut, so both ends ask
// again after a stall. Here on in-memory channels that drop messages for a while: the receiver starts
// a partial blob over and drops chunks past a gap or of a complete blob; the agent fetches a snapshot
// blob again and gives up after a bound naming itself; the coordinator wants an output again and the
// agent answers every want, also after its result went out (from its cache).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBlobCache } from '../../../agent/lan/blob-cache';
import { createWorkspaces } from '../../../agent/lan/workspace-folders';
import { withWorkspaces } from '../../../agent/lan/workspaces';
import { remoteSession } from '../../../core/lan/remote-session';
import { createSnapshotter } from '../../../core/lan/snapshot';
import { createChannelPair } from '../../../core/protocol/channel';
import { BlobReceiver, blobChunkBytes, blobChunks, memorySink } from '../../../core/protocol/transfer';
import type { AgentMessage, AttemptSpec, BlobChunk, Channel, CoordinatorMessage } from '../../../core/protocol/types';
import { openState, type State } from '../../../core/store/state-dir';

let base: string;
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** Three chunks of bytes that differ from chunk to chunk. */
const content = Buffer.from(Array.from({ length: blobChunkBytes * 2 + 1000 }, (_, i) => (i * 7 + Math.floor(i / blobChunkBytes)) & 0xff));
const contentSha = sha(content);

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'farmhand-transfer-retry-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('BlobReceiver asked again', () => {
  it('starts a partial blob over at offset 0, drops chunks past a gap, and drops a complete blob sent again with one line', async () => {
    const receiver = new BlobReceiver();
    const sinks = [memorySink()];
    const done = receiver.expect(contentSha, content.length, sinks[0]!, () => {
      sinks.push(memorySink());
      return sinks.at(-1)!;
    });
    const chunks = blobChunks(contentSha, content);
    expect(chunks).toHaveLength(3);
    expect(receiver.take(chunks[0]!)).toBeUndefined();
    // chunks[1] lost in a cut: the next one is past a gap, dropped without failing the blob.
    expect(receiver.take(chunks[2]!)).toBeUndefined();
    expect(receiver.isExpected(contentSha)).toBe(true);
    // Sent again from the beginning: the partial bytes go to a fresh sink.
    for (const chunk of chunks) expect(receiver.take(chunk)).toBeUndefined();
    expect(await done).toEqual({ ok: true });
    expect(sinks).toHaveLength(2);
    expect(sinks[0]!.bytes().length).toBe(0);
    expect(sha(sinks[1]!.bytes())).toBe(contentSha);
    // A third copy (a want answered twice): one line for the blob, nothing per chunk.
    const lines = chunks.map((chunk) => receiver.take(chunk)).filter((line) => line !== undefined);
    expect(lines).toEqual([`blob ${contentSha.slice(0, 16)} arrived again after it was complete: dropped`]);
    expect(receiver.take({ ...chunks[0]!, sha256: 'f'.repeat(64) })).toMatch(/was not asked for/);
  });
});

/** Transfer messages, which the lasting link drops while no connection is welcomed (numbered ones are resent). */
const transfer = new Set(['blob', 'fetch', 'want']);

/** A channel whose transfer messages are dropped while `cut` is true. */
function lossy<I, O extends { type: string }>(channel: Channel<I, O>): Channel<I, O> & { cut: boolean } {
  const wrapped = {
    cut: false,
    send: (message: O) => void ((!wrapped.cut || !transfer.has(message.type)) && channel.send(message)),
    onMessage: (handler: (message: I) => void) => channel.onMessage(handler),
    onClose: (handler: (reason: string) => void) => channel.onClose(handler),
    close: () => channel.close(),
  };
  return wrapped;
}

describe('agent snapshot fetch after a cut', () => {
  function agentEnd(options: { giveUpMs?: number } = {}) {
    const [coordinator, agentSide] = createChannelPair<CoordinatorMessage, AgentMessage>();
    const link = lossy(agentSide);
    const logs: string[] = [];
    const agent = withWorkspaces({ channel: link, workspaces: createWorkspaces(join(base, 'workspaces')), cache: openBlobCache(join(base, 'cache')), log: (line) => logs.push(line), agentName: 'laptop', stallMs: 150, giveUpMs: options.giveUpMs ?? 60_000 });
    const delivered: CoordinatorMessage[] = [];
    agent.onMessage((message) => delivered.push(message));
    const fromAgent: AgentMessage[] = [];
    coordinator.onMessage((message) => fromAgent.push(message));
    const spec: AttemptSpec = { id: 'b-1.a1', build: 'b-1', job: 'p/j', run: ['true'], env: {}, workingDirectory: '.', workspace: { kind: 'snapshot', files: [{ path: 'big.bin', mode: 0o644, sha256: contentSha, size: content.length }] }, outputs: [] };
    return { coordinator, link, agent, logs, delivered, fromAgent, spec };
  }

  it('fetches again after no chunk arrived for the stall time; the blob restarts and the workspace is placed', async () => {
    const end = agentEnd();
    end.coordinator.send({ type: 'assign', attempt: end.spec });
    await expect.poll(() => end.fromAgent.filter((message) => message.type === 'fetch').length).toBe(1);
    // The first chunk arrives, then the link is cut: the rest of the answer is lost.
    const chunks = blobChunks(contentSha, content);
    end.coordinator.send(chunks[0]!);
    await new Promise((resolve) => setTimeout(resolve, 20));
    end.link.cut = true;
    await new Promise((resolve) => setTimeout(resolve, 400));
    end.link.cut = false;
    expect(end.delivered).toHaveLength(0);
    // A later chunk of the lost answer arrives past the gap: dropped, no failure.
    end.coordinator.send(chunks[2]!);
    await expect.poll(() => end.fromAgent.filter((message) => message.type === 'fetch').length, { timeout: 5000 }).toBeGreaterThan(1);
    const fetch = end.fromAgent.filter((message) => message.type === 'fetch').at(-1) as Extract<AgentMessage, { type: 'fetch' }>;
    expect(fetch.blobs).toEqual([contentSha]);
    for (const chunk of chunks) end.coordinator.send(chunk);
    await expect.poll(() => end.delivered.length, { timeout: 5000 }).toBe(1);
    const assign = end.delivered[0] as Extract<CoordinatorMessage, { type: 'assign' }>;
    expect(assign.attempt.workspace.kind).toBe('local');
    const root = (assign.attempt.workspace as { root: string }).root;
    expect(sha(readFileSync(join(root, 'big.bin')))).toBe(contentSha);
    expect(end.fromAgent.some((message) => message.type === 'result')).toBe(false);
    expect(end.logs.some((line) => line.includes('asked again for 1 snapshot blob(s) of b-1.a1'))).toBe(true);
    end.agent.close();
  });

  it('gives up after the bound without progress, with a failure naming the agent', async () => {
    const end = agentEnd({ giveUpMs: 600 });
    end.coordinator.send({ type: 'assign', attempt: end.spec });
    await expect.poll(() => end.fromAgent.find((message) => message.type === 'result'), { timeout: 5000 }).toBeDefined();
    const result = end.fromAgent.find((message) => message.type === 'result') as Extract<AgentMessage, { type: 'result' }>;
    expect(result.outcome).toMatchObject({ status: 'failed', reason: 'error' });
    expect((result.outcome as { message: string }).message).toMatch(/snapshot blobs stopped arriving at agent laptop for 1 s/);
    expect(end.fromAgent.filter((message) => message.type === 'fetch').length).toBeGreaterThan(1);
    expect(end.delivered).toHaveLength(0);
    end.agent.close();
  });
});

describe('output wants after a cut', () => {
  let state: State;
  beforeEach(() => {
    state = openState(join(base, 'state'));
    mkdirSync(join(base, 'project'));
  });
  afterEach(() => state.close());

  it('the coordinator wants again, the agent answers every want (also after its result, from its cache), and the output lands once', async () => {
    const [coordinatorSide, agentSide] = createChannelPair<CoordinatorMessage, AgentMessage>();
    const toCoordinator = lossy(agentSide);
    const logs: string[] = [];
    const agent = withWorkspaces({ channel: toCoordinator, workspaces: createWorkspaces(join(base, 'workspaces')), cache: openBlobCache(join(base, 'cache')), log: (line) => logs.push(`agent: ${line}`), stallMs: 150 });
    const wants: number[] = [];
    agentSide.onMessage((message) => message.type === 'want' && wants.push(message.blobs.length));
    const coordinator = remoteSession({ channel: coordinatorSide, snapshots: createSnapshotter(), artifacts: state.artifacts, count: () => {}, log: (line) => logs.push(`coordinator: ${line}`), stallMs: 150 });
    const results: AgentMessage[] = [];
    coordinator.onMessage((message) => message.type === 'result' && results.push(message));
    // The agent loop: on its assign, write the output and report success.
    agent.onMessage((message) => {
      if (message.type !== 'assign' || message.attempt.workspace.kind !== 'local') return;
      writeFileSync(join(message.attempt.workspace.root, 'out.bin'), content);
      // The link is cut as the blob leaves: the want's answer is lost after its first chunk.
      let chunksSent = 0;
      const send = toCoordinator.send;
      toCoordinator.send = (outgoing) => {
        if ((outgoing as BlobChunk).type === 'blob' && ++chunksSent === 2) toCoordinator.cut = true;
        send(outgoing);
      };
      setTimeout(() => (toCoordinator.cut = false), 400);
      agent.send({ type: 'result', attempt: message.attempt.id, outcome: { status: 'success', exitCode: 0, outputs: [{ path: 'out.bin', size: content.length, sha256: contentSha, mode: 0o644 }] } });
    });
    writeFileSync(join(base, 'project', 'source.txt'), 'source\n');
    const spec: AttemptSpec = { id: 'b-1.a1', build: 'b-1', job: 'p/j', run: ['true'], env: {}, workingDirectory: '.', workspace: { kind: 'local', root: join(base, 'project') }, outputs: ['**'] };
    coordinator.send({ type: 'assign', attempt: spec });
    // The agent's result went out (numbered: the lasting link resends it), its blob did not: wanted again.
    await expect.poll(() => results.length, { timeout: 10_000 }).toBe(1);
    expect(results[0]).toMatchObject({ type: 'result', outcome: { status: 'success' } });
    expect(wants.length).toBeGreaterThan(1);
    expect(sha(readFileSync(join(base, 'project', 'out.bin')))).toBe(contentSha);
    expect(state.artifacts.has(contentSha)).toBe(true);
    expect(logs.some((line) => line.startsWith('coordinator: asked b-1.a1 again for 1 output blob(s)'))).toBe(true);
    expect(logs.filter((line) => line.includes('ignored a want'))).toEqual([]);
    coordinator.close();
  });
});
