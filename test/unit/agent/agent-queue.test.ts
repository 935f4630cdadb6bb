// An agent with a queue (AgentInfo.queue, the embedded agent's) runs at most its slots at once: an
// attempt assigned beyond them waits, in order, and starts the moment a job ends, before that job's
// outputs are described and its result sent. One canceled while it waits never starts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../../agent/agent';
import type { ExecutionResult, Executor } from '../../../agent/executors/types';
import { createChannelPair } from '../../../core/protocol/channel';
import type { AgentMessage, AttemptSpec, CoordinatorMessage } from '../../../core/protocol/types';

/** An executor whose jobs end when the test says (`finish(id)`), recording what happens in `trace`. */
function heldExecutor(trace: string[]) {
  const pending = new Map<string, (result: ExecutionResult) => void>();
  const executor: Executor = {
    kind: 'shell',
    run: (request, _log, signal) =>
      new Promise((resolve) => {
        trace.push(`run ${request.attempt}`);
        pending.set(request.attempt, resolve);
        signal.addEventListener('abort', () => resolve({ status: 'canceled', reason: 'canceled' }));
      }),
    close: async () => {},
  };
  return { executor, finish: (id: string) => pending.get(id)!({ status: 'success', exitCode: 0 }) };
}

const spec = (id: string, root: string, outputs: string[] = []): AttemptSpec => ({ id, build: 'b', job: `p/${id}`, run: ['true'], env: {}, workingDirectory: '.', workspace: { kind: 'local', root }, outputs });
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

let dir: string;
let agent: Agent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function start(queue: number | undefined, trace: string[]) {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-agent-queue-'));
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinatorEnd.onMessage((message) => {
    if (message.type === 'started' || message.type === 'result') trace.push(`${message.type} ${message.attempt}${message.type === 'result' ? ` ${message.outcome.status}` : ''}`);
  });
  const held = heldExecutor(trace);
  agent = createAgent({ info: { id: 'a', name: 'a', pools: ['*'], labels: ['*'], slots: 1, queue, executors: ['shell'] }, channel: agentEnd, executors: { shell: held.executor }, now: Date.now });
  return { send: (message: CoordinatorMessage) => coordinatorEnd.send(message), finish: held.finish };
}

describe('an agent with a queue', () => {
  it('starts a waiting attempt as soon as a job ends, before that job result goes out', async () => {
    const trace: string[] = [];
    const { send, finish } = start(1, trace);
    writeFileSync(join(dir, 'out.txt'), 'made');
    send({ type: 'assign', attempt: spec('x1', dir, ['out.txt']) });
    send({ type: 'assign', attempt: spec('x2', dir) });
    await settle();
    expect(trace).toEqual(['run x1', 'started x1']);
    finish('x1');
    await settle();
    // x1's output is described (on disk, asynchronously) after x2 has its slot.
    expect(trace.indexOf('run x2')).toBeGreaterThan(-1);
    expect(trace.indexOf('run x2')).toBeLessThan(trace.indexOf('result x1 success'));
    finish('x2');
    await settle();
    expect(trace.slice(-1)).toEqual(['result x2 success']);
  });

  it('ends an attempt canceled while it waits without starting it, and the line moves on', async () => {
    const trace: string[] = [];
    const { send, finish } = start(2, trace);
    for (const id of ['x1', 'x2', 'x3']) send({ type: 'assign', attempt: spec(id, dir) });
    await settle();
    send({ type: 'cancel', attempt: 'x2', reason: 'canceled' });
    await settle();
    expect(trace).toEqual(['run x1', 'started x1', 'result x2 canceled']);
    finish('x1');
    await settle();
    expect(trace.slice(3)).toEqual(['run x3', 'started x3', 'result x1 success']);
    finish('x3');
    await settle();
    expect(trace).not.toContain('run x2');
  });

  it('cancels what waits when it closes', async () => {
    const trace: string[] = [];
    const { send } = start(1, trace);
    send({ type: 'assign', attempt: spec('x1', dir) });
    send({ type: 'assign', attempt: spec('x2', dir) });
    await settle();
    await agent!.close();
    agent = undefined;
    expect(trace.filter((line) => line.startsWith('result')).sort()).toEqual(['result x1 canceled', 'result x2 canceled']);
    expect(trace).not.toContain('run x2');
  });

  it('without a queue (a LAN agent) runs what it is given, as before', async () => {
    const trace: string[] = [];
    const { send } = start(undefined, trace);
    send({ type: 'assign', attempt: spec('x1', dir) });
    send({ type: 'assign', attempt: spec('x2', dir) });
    await settle();
    expect(trace.filter((line) => line.startsWith('run')).sort()).toEqual(['run x1', 'run x2']);
  });
});
