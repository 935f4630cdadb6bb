// Small FarmEvent builders shared by the desktop shell's tests.
import type { AgentInfo, BuildState, FarmEvent, JobState, WaitingInfo } from '../../../core/protocol/types';

export const buildEvent = (build: string, state: BuildState, at: number): FarmEvent => ({ type: 'build', build, state, at });

export const jobEvent = (build: string, job: string, state: JobState, at: number, extra: { waiting?: WaitingInfo; agent?: string } = {}): FarmEvent => ({
  type: 'job',
  build,
  job,
  state,
  at,
  ...extra,
});

export const agentInfo = (id: string, name = id): AgentInfo => ({ id, name, pools: ['default'], labels: [], slots: 4, executors: ['shell'] });

export const agentEvent = (id: string, state: 'online' | 'offline', at: number, name = id): FarmEvent => ({ type: 'agent', agent: agentInfo(id, name), state, at });

export const waitingOn = (group: string, position = 1): WaitingInfo => ({ group, holders: [{ build: 'b-0001', job: 'deploy/staging' }], position });
