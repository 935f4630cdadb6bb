// Resuming after a cut, without a network: the agent's outbox (numbering, acknowledgement, reload
// from disk after a restart, bounds) and its coordinator link joined to the coordinator's agent link
// over in-memory channels: a connection dropped mid-job loses nothing, a reconnect resends what was
// not acknowledged, the coordinator drops what it already applied, and only a restarted agent's
// hello or `gone` ends the coordinator's session.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCoordinatorLink } from '../../../agent/lan/coordinator-link';
import { openOutbox } from '../../../agent/lan/outbox';
import { createAgentLink } from '../../../core/lan/agent-link';
import { createChannelPair } from '../../../core/protocol/channel';
import type { AgentMessage, Channel, CoordinatorMessage } from '../../../core/protocol/types';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'farmhand-resume-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fingerprint = 'ab'.repeat(32);
const log = (attempt: string, seq: number): AgentMessage => ({ type: 'log', attempt, seq, stream: 'stdout', data: `line ${seq}\n` });

describe('agent outbox', () => {
  it('numbers messages, drops what is acknowledged, and keeps the rest (and the numbering) across a restart', () => {
    const lines: string[] = [];
    const outbox = openOutbox({ dir, fingerprint, now: () => 0, log: (line) => lines.push(line) });
    expect([1, 2, 3].map((seq) => (outbox.add(log('a1', seq)) as { n: number }).n)).toEqual([1, 2, 3]);
    outbox.ack(2);
    expect(outbox.pending().map((entry) => entry.n)).toEqual([3]);
    const again = openOutbox({ dir, fingerprint, now: () => 0, log: (line) => lines.push(line) });
    expect(again.pending().map((entry) => [entry.n, entry.message])).toEqual([[3, { ...log('a1', 3), n: 3 }]]);
    expect((again.add(log('a1', 4)) as { n: number }).n).toBe(4);
    again.ack(4);
    const third = openOutbox({ dir, fingerprint, now: () => 0, log: (line) => lines.push(line) });
    expect(third.pending()).toEqual([]);
    expect((third.add(log('a2', 1)) as { n: number }).n).toBe(5);
    expect(lines).toEqual([]);
  });

  it('a coordinator that applied more than this outbox numbered: pending entries are renumbered after it', () => {
    const outbox = openOutbox({ dir, fingerprint, now: () => 0, log: () => {} });
    outbox.add(log('a1', 1));
    outbox.renumberAfter(40);
    expect(outbox.pending().map((entry) => [entry.n, (entry.message as { n: number }).n])).toEqual([[41, 41]]);
    expect((outbox.add(log('a1', 2)) as { n: number }).n).toBe(42);
  });

  it('drops the oldest undelivered messages past its byte or age bound, and says so', () => {
    let now = 0;
    const lines: string[] = [];
    const outbox = openOutbox({ dir, fingerprint, now: () => now, log: (line) => lines.push(line), maxBytes: 400, maxAgeMs: 10_000 });
    for (let seq = 1; seq <= 6; seq++) outbox.add(log('a1', seq));
    expect(outbox.pending().length).toBeLessThan(6);
    expect(outbox.pending().at(-1)!.n).toBe(6);
    now = 20_000;
    outbox.add(log('a1', 7));
    expect(outbox.pending().map((entry) => entry.n)).toEqual([7]);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(/^outbox of coordinator abab.*: dropped \d+ undelivered messages/);
    expect(readFileSync(join(dir, `${fingerprint}.jsonl`), 'utf8')).toContain('"n":7');
  });
});

/** The agent's coordinator link and the coordinator's agent link, with connections made by hand. */
function pair() {
  const outbox = openOutbox({ dir, fingerprint, now: () => 0, log: () => {} });
  const agentSide = createCoordinatorLink({ outbox, heartbeatMs: 60_000, log: () => {} });
  const toAgent: CoordinatorMessage[] = [];
  agentSide.channel.onMessage((message) => toAgent.push(message));
  const sessions: { channel: Channel<AgentMessage, CoordinatorMessage>; received: AgentMessage[]; closed?: string }[] = [];
  const coordinatorSide = createAgentLink({
    wrap: (channel) => channel,
    attach: (channel) => {
      const session = { channel, received: [] as AgentMessage[], closed: undefined as string | undefined };
      channel.onMessage((message) => {
        session.received.push(message);
        if (message.type === 'hello') channel.send({ type: 'welcome', protocol: 1, coordinator: 'test' });
      });
      channel.onClose((reason) => (session.closed = reason));
      sessions.push(session);
    },
    heartbeatMs: 60_000,
  });
  const connect = () => {
    const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
    coordinatorSide.connect(coordinatorEnd);
    agentSide.connect(agentEnd);
    return coordinatorEnd;
  };
  const close = () => {
    agentSide.channel.close();
    coordinatorSide.close();
  };
  return { outbox, agentSide, coordinatorSide, sessions, toAgent, connect, close };
}

const hello: AgentMessage = { type: 'hello', protocol: 1, agent: { id: 'a', name: 'a', pools: [], labels: [], slots: 1, executors: ['shell'] } };
const logsOf = (messages: AgentMessage[]) => messages.filter((message) => message.type === 'log').map((message) => (message as { seq: number }).seq);

describe('resuming a LAN agent after a cut', () => {
  it('a connection dropped mid-job: what was sent meanwhile is resent once, in order, to the same session', async () => {
    const link = pair();
    const first = link.connect();
    link.agentSide.channel.send(hello);
    await turn();
    expect(link.sessions.length).toBe(1);
    link.agentSide.channel.send(log('a1', 1));
    link.agentSide.channel.send(log('a1', 2));
    await turn();
    first.close(); // the cut: both ends see the close
    await turn();
    for (let seq = 3; seq <= 5; seq++) link.agentSide.channel.send(log('a1', seq));
    link.agentSide.channel.send({ type: 'result', attempt: 'a1', outcome: { status: 'success', exitCode: 0 } });
    expect(link.coordinatorSide.connected()).toBe(false);
    link.connect();
    await turn();
    await turn();
    const [session] = link.sessions;
    expect(link.sessions.length).toBe(1);
    expect(session!.closed).toBeUndefined();
    expect(logsOf(session!.received)).toEqual([1, 2, 3, 4, 5]);
    expect(session!.received.filter((message) => message.type === 'result').length).toBe(1);
    expect(session!.received.filter((message) => message.type === 'hello').length).toBe(2);
    link.close();
  });

  it('the coordinator drops a resent message it already applied (the acknowledgement was lost in the cut)', async () => {
    const link = pair();
    const first = link.connect();
    link.agentSide.channel.send(hello);
    await turn();
    link.agentSide.channel.send(log('a1', 1));
    link.agentSide.channel.send(log('a1', 2));
    await turn();
    first.close();
    await turn();
    // Nothing was acknowledged: the agent resends n 1 and 2, which the coordinator already applied.
    expect(link.outbox.pending().map((entry) => entry.n)).toEqual([1, 2]);
    const second = link.connect();
    await turn();
    await turn();
    expect(logsOf(link.sessions[0]!.received)).toEqual([1, 2]);
    // The welcome told the agent where to resume: it dropped what was applied.
    expect(link.outbox.pending()).toEqual([]);
    second.close();
    link.close();
  });

  it('`gone` ends the coordinator\'s session; the next hello starts a new one', async () => {
    const link = pair();
    link.connect();
    link.agentSide.channel.send(hello);
    await turn();
    link.coordinatorSide.gone('is gone (ECONNREFUSED)');
    await turn();
    expect(link.sessions[0]!.closed).toBe('is gone (ECONNREFUSED)');
    link.connect();
    await turn();
    expect(link.sessions.length).toBe(2);
    link.close();
  });
});
