// The API's agent list asks the coordinator which agents are live each time, so an agent that said
// hello before the list was set up (the embedded agent at start-up) is still listed, with the slots it fills.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLanApi } from '../../../cli/lan-api';
import { createCoordinator, type Coordinator } from '../../../core/coordinator/coordinator';
import { createChannelPair } from '../../../core/protocol/channel';
import type { AgentMessage, CoordinatorMessage } from '../../../core/protocol/types';
import { openState, type State } from '../../../core/store/state-dir';
import { openCoordinatorIdentity } from '../../../core/lan/coordinator-identity';
import { makePlan } from '../../helpers/plans';
import { waitFor } from '../../helpers/cli';

let dir: string;
let state: State;
let coordinator: Coordinator;
const clock = { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-lan-api-'));
  state = openState(join(dir, 'state'));
  coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock, runHook: async () => {} });
});

afterEach(async () => {
  await coordinator.close();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

it('lists the embedded agent that connected before the list existed, online, with its busy slots', async () => {
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinator.attachAgent(coordinatorEnd);
  const assigned: string[] = [];
  agentEnd.onMessage((message) => { if (message.type === 'assign') assigned.push(message.attempt.id); });
  agentEnd.send({ type: 'hello', protocol: 1, agent: { id: 'local', name: 'this-machine', pools: ['*'], labels: ['*'], slots: 3, executors: ['shell'] } });
  await waitFor(() => coordinator.liveAgents().length === 1, 'the agent to be live');

  const lan = createLanApi(join(dir, 'state'), () => coordinator.liveAgents());
  expect(lan.agents()).toEqual([expect.objectContaining({ id: 'local', name: 'this-machine', online: true, embedded: true, slots: 3, busy: 0 })]);

  const build = coordinator.startBuild({ root: dir, plan: makePlan({ 'p/a': {} }), options: { noCache: true, only: [] } });
  await waitFor(() => assigned.length === 1, 'an assignment');
  expect(lan.agents()).toEqual([expect.objectContaining({ id: 'local', busy: 1 })]);
  agentEnd.send({ type: 'result', attempt: assigned[0]!, outcome: { status: 'success', exitCode: 0 } });
  expect(await coordinator.finished(build)).toBe('success');
  coordinatorEnd.close();
  await waitFor(() => lan.agents().length === 0, 'the agent to leave the list');
});

it('shows a paired agent that went silent for 3 s as unreachable (online: false), and online again when heard', async () => {
  const stateDir = join(dir, 'state');
  const identity = await openCoordinatorIdentity(stateDir, 'coordinator');
  identity.trustAgent({ id: 'agent-x', name: 'lefty', fingerprint: 'cd'.repeat(32), address: '10.0.0.9', port: 47100, pairedAt: 0 });
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinator.attachAgent(coordinatorEnd);
  // A LAN agent's hello lists what it runs: its silence is watched from then on.
  agentEnd.send({ type: 'hello', protocol: 1, agent: { id: 'agent-x', name: 'lefty', pools: ['*'], labels: [], slots: 1, executors: ['shell'] }, running: [] });
  const lan = createLanApi(stateDir, () => coordinator.liveAgents());
  await waitFor(() => coordinator.liveAgents().length === 1, 'the agent to be live');
  const row = () => lan.agents().find((agent) => (agent as { id: string }).id === 'agent-x');
  expect(row()).toMatchObject({ online: true, status: 'online', paired: true });
  await waitFor(() => (row() as { status: string }).status === 'unreachable', 'the agent to be unreachable', 6000);
  expect(row()).toMatchObject({ online: false, status: 'unreachable' });
  agentEnd.send({ type: 'heartbeat', running: [] });
  await waitFor(() => (row() as { status: string }).status === 'online', 'the agent to be online again');
  coordinatorEnd.close();
  await waitFor(() => (row() as { status: string }).status === 'offline', 'the agent to be offline');
  expect(row()).toMatchObject({ online: false, status: 'offline' });
}, 15_000);
