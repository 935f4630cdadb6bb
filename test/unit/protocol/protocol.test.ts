import { describe, expect, it } from 'vitest';
import { createAgent } from '../../../agent/agent';
import type { Executor } from '../../../agent/executors/types';
import { createChannelPair } from '../../../core/protocol/channel';
import { protocolVersion, type AgentMessage, type CoordinatorMessage } from '../../../core/protocol/types';
import { validateAgentMessage, validateCoordinatorMessage } from '../../../core/protocol/validate';

describe('message validation', () => {
  it.each([
    [null, 'message is not an object'],
    ['hello', 'message is not an object'],
    [{ type: 'nope' }, 'unknown message type "nope"'],
    [{ type: 'log', attempt: 'a', seq: 1.5, stream: 'stdout', data: '' }, 'log needs attempt, seq'],
    [{ type: 'log', attempt: 'a', seq: 1, stream: 'stdin', data: '' }, 'log needs attempt, seq, stream (stdout|stderr)'],
    [{ type: 'result', attempt: 'a', outcome: { status: 'maybe' } }, 'result needs attempt and outcome.status'],
    [{ type: 'hello', protocol: 1, agent: { id: 'x' } }, 'hello needs protocol and agent'],
  ])('refuses %j with a one-line reason', (message, reason) => {
    const checked = validateAgentMessage(message);
    expect('error' in checked && checked.error.startsWith(reason)).toBe(true);
  });

  it('takes output bytes only as bytes of the stated size: a peer over JSON cannot send them', () => {
    const output = { path: 'out/a.txt', size: 2, sha256: 'a'.repeat(64), mode: 0o644 };
    const result = (extra: object) => validateAgentMessage({ type: 'result', attempt: 'a', outcome: { status: 'success', outputs: [{ ...output, ...extra }] } });
    expect('message' in result({})).toBe(true);
    expect('message' in result({ content: new Uint8Array([97, 10]) })).toBe(true);
    // What JSON would make of a Buffer, a string, or bytes of another size.
    for (const content of [JSON.parse(JSON.stringify(Buffer.from('a\n'))), 'a\n', new Uint8Array(3)]) {
      const checked = result({ content });
      expect('error' in checked && checked.error.startsWith('result outcome.outputs needs')).toBe(true);
    }
  });

  it('takes a hello queue only as a count up to 1024', () => {
    const hello = (queue: unknown) => validateAgentMessage({ type: 'hello', protocol: 1, agent: { id: 'a', name: 'a', pools: [], labels: [], slots: 2, executors: ['shell'], queue } });
    expect('message' in hello(undefined)).toBe(true);
    expect('message' in hello(2)).toBe(true);
    for (const queue of [-1, 1.5, '2', 1025]) {
      const checked = hello(queue);
      expect('error' in checked && checked.error.includes('queue? (0-1024)')).toBe(true);
    }
  });

  it('accepts well-formed messages both ways', () => {
    expect(validateAgentMessage({ type: 'heartbeat', running: [] })).toEqual({ message: { type: 'heartbeat', running: [] } });
    expect('message' in validateCoordinatorMessage({ type: 'cancel', attempt: 'a', reason: 'canceled' })).toBe(true);
    expect('error' in validateCoordinatorMessage({ type: 'assign', attempt: { id: 'a' } })).toBe(true);
  });
});

describe('agent and protocol versions', () => {
  it('an agent told of another protocol version refuses new work, and ignores malformed messages', async () => {
    const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
    const received: AgentMessage[] = [];
    coordinatorEnd.onMessage((message) => received.push(message));
    const warnings: string[] = [];
    const never: Executor = { kind: 'shell', run: () => Promise.reject(new Error('must not run')), close: async () => {} };
    const agent = createAgent({
      info: { id: 'a', name: 'a', pools: ['default'], labels: [], slots: 1, executors: ['shell'] },
      channel: agentEnd, executors: { shell: never }, now: () => 0, warn: (m) => warnings.push(m),
    });
    coordinatorEnd.send({ type: 'welcome', protocol: protocolVersion + 1, coordinator: 'future' });
    coordinatorEnd.send({ garbage: true } as unknown as CoordinatorMessage);
    coordinatorEnd.send({ type: 'assign', attempt: { id: 'x', build: 'b', job: 'p/j', run: ['true'], env: {}, workingDirectory: '.', workspace: { kind: 'local', root: '/' }, outputs: [] } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received.map((m) => m.type)).toEqual(['hello', 'result']);
    expect(received[1]).toMatchObject({ type: 'result', attempt: 'x', outcome: { status: 'failed', reason: 'error' } });
    expect(warnings).toHaveLength(2);
    await agent.close();
  });
});
