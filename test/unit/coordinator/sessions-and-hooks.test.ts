// The coordinator's loose ends: hooks run in order around a pipeline's jobs, an agent saying hello
// again on a new channel keeps its attempts, a stale channel's close leaves the live session, one that
// sends heartbeats and then goes silent is lost, and
// finished() of an unknown build rejects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCoordinator, type Coordinator, type HookRequest } from '../../../core/coordinator/coordinator';
import { createChannelPair } from '../../../core/protocol/channel';
import type { AgentMessage, Channel, CoordinatorMessage } from '../../../core/protocol/types';
import { openState, type State } from '../../../core/store/state-dir';
import { makePlan } from '../../helpers/plans';

let dir: string;
let state: State;
let coordinator: Coordinator;
let timeline: string[];
let releaseHook: (() => void) | undefined;

const clock = { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
const info = { id: 'remote-1', name: 'remote', pools: ['*'], labels: ['*'], slots: 2, executors: ['shell' as const] };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-sessions-'));
  state = openState(join(dir, 'state'));
  timeline = [];
  releaseHook = undefined;
  const runHook = async (hook: HookRequest) => {
    timeline.push(`hook ${hook.commands[0]} begins`);
    if (hook.commands[0] === 'slow-start') await new Promise<void>((resolve) => (releaseHook = resolve));
    timeline.push(`hook ${hook.commands[0]} ends`);
  };
  coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock, runHook });
});

afterEach(async () => {
  await coordinator.close();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A hand-driven agent: records assignments, answers when told. */
function connect(): { channel: Channel<CoordinatorMessage, AgentMessage>; assigned: string[]; close(): void } {
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinator.attachAgent(coordinatorEnd);
  const assigned: string[] = [];
  agentEnd.onMessage((message) => {
    if (message.type === 'assign') {
      assigned.push(message.attempt.id);
      timeline.push(`assign ${message.attempt.job}`);
    }
  });
  agentEnd.send({ type: 'hello', protocol: 1, agent: info });
  return { channel: agentEnd, assigned, close: () => coordinatorEnd.close() };
}

const settle = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
const waitFor = async (condition: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await settle(5);
  }
};

describe('hooks', () => {
  it('on_start finishes before the pipeline\'s first job reaches an agent, and on_success comes after it', async () => {
    const agent = connect();
    const plan = makePlan({ 'p/a': {} });
    plan.pipelines[0]!.onStart = ['slow-start'];
    plan.pipelines[0]!.onSuccess = ['after'];
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: true, only: [] } });
    await waitFor(() => releaseHook !== undefined);
    await settle(50);
    expect(agent.assigned).toEqual([]);
    releaseHook!();
    await waitFor(() => agent.assigned.length === 1);
    agent.channel.send({ type: 'result', attempt: agent.assigned[0]!, outcome: { status: 'success', exitCode: 0 } });
    expect(await coordinator.finished(build)).toBe('success');
    expect(timeline).toEqual(['hook slow-start begins', 'hook slow-start ends', 'assign p/a', 'hook after begins', 'hook after ends']);
  });

  it('a job canceled while on_start runs never reaches the agent', async () => {
    const agent = connect();
    const plan = makePlan({ 'p/a': {} });
    plan.pipelines[0]!.onStart = ['slow-start'];
    const build = coordinator.startBuild({ root: dir, plan, options: { noCache: true, only: [] } });
    await waitFor(() => releaseHook !== undefined);
    coordinator.cancelBuild(build);
    releaseHook!();
    expect(await coordinator.finished(build)).toBe('canceled');
    expect(agent.assigned).toEqual([]);
    expect(state.store.listAttempts(build).map((attempt) => attempt.status)).toEqual(['canceled']);
  });
});

/** A job with its own retry rule that leaves agent_lost out: a lost attempt ends it (no automatic retry). */
const ownRetry = { retry: { max: 1, when: ['failure' as const] } };

describe('agent sessions', () => {
  it('an agent that says hello again on a new channel keeps its attempts; the stale channel closing changes nothing', async () => {
    const first = connect();
    const build = coordinator.startBuild({ root: dir, plan: makePlan({ 'p/a': {} }), options: { noCache: true, only: [] } });
    await waitFor(() => first.assigned.length === 1);
    const second = connect();
    await settle();
    first.close();
    await settle();
    expect(state.store.getJob(build, 'p/a')!.state).toBe('running');
    second.channel.send({ type: 'log', attempt: first.assigned[0]!, seq: 1, stream: 'stdout', data: 'from the new channel\n' });
    second.channel.send({ type: 'result', attempt: first.assigned[0]!, outcome: { status: 'success', exitCode: 0 } });
    expect(await coordinator.finished(build)).toBe('success');
    expect(state.store.readLog(build, 'p/a').map((chunk) => chunk.data)).toEqual(['from the new channel\n']);
    expect(state.store.listAttempts(build).map((attempt) => attempt.status)).toEqual(['success']);
  });

  it('liveAgents() lists a connected agent with the slots it fills, and drops it when its channel closes', async () => {
    expect(coordinator.liveAgents()).toEqual([]);
    const agent = connect();
    await waitFor(() => coordinator.liveAgents().length === 1);
    expect(coordinator.liveAgents()[0]).toMatchObject({ info: { id: 'remote-1', slots: 2 }, running: 0 });
    const build = coordinator.startBuild({ root: dir, plan: makePlan({ 'p/a': ownRetry }), options: { noCache: true, only: [] } });
    await waitFor(() => agent.assigned.length === 1);
    expect(coordinator.liveAgents()[0]!.running).toBe(1);
    agent.close();
    await waitFor(() => coordinator.liveAgents().length === 0);
    expect(await coordinator.finished(build)).toBe('failed');
  });

  it('the live channel closing loses its attempts', async () => {
    const agent = connect();
    const build = coordinator.startBuild({ root: dir, plan: makePlan({ 'p/a': ownRetry }), options: { noCache: true, only: [] } });
    await waitFor(() => agent.assigned.length === 1);
    agent.close();
    expect(await coordinator.finished(build)).toBe('failed');
    expect(state.store.getJob(build, 'p/a')!.state).toBe('lost');
  });

  it('an agent that sent heartbeats and then goes silent loses its attempt', async () => {
    await coordinator.close();
    coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock, agentSilenceMs: 100 });
    const agent = connect();
    const build = coordinator.startBuild({ root: dir, plan: makePlan({ 'p/a': ownRetry }), options: { noCache: true, only: [] } });
    await waitFor(() => agent.assigned.length === 1);
    agent.channel.send({ type: 'heartbeat', running: agent.assigned });
    expect(await coordinator.finished(build)).toBe('failed');
    expect(state.store.getJob(build, 'p/a')).toMatchObject({ state: 'lost', reason: expect.stringMatching(/^agent remote went silent for \d+\.\d s$/) });
  });

  it('an attempt that two heartbeats in a row do not list (the agent restarted) is lost', async () => {
    const agent = connect();
    const build = coordinator.startBuild({ root: dir, plan: makePlan({ 'p/a': ownRetry }), options: { noCache: true, only: [] } });
    await waitFor(() => agent.assigned.length === 1);
    agent.channel.send({ type: 'heartbeat', running: [] });
    await settle();
    // A second one right behind it (a burst after a cut) counts as the same miss.
    agent.channel.send({ type: 'heartbeat', running: [] });
    await settle(900);
    expect(state.store.getJob(build, 'p/a')!.state).toBe('running');
    agent.channel.send({ type: 'heartbeat', running: [] });
    expect(await coordinator.finished(build)).toBe('failed');
    expect(state.store.getJob(build, 'p/a')).toMatchObject({ state: 'lost', reason: 'agent remote no longer runs it' });
  });

  it('finished() of a build it never ran rejects', async () => {
    await expect(coordinator.finished('b-9999')).rejects.toThrow(/no build b-9999/);
  });
});
