// The window's one store: a vanilla zustand store made of slices (builds, dag, logs, agents, groups, ui).
// Only the bridge writes to it from the outside; components select from it.
import { createStore } from 'zustand/vanilla';
import type { FarmEvent } from '../../core/protocol/types';
import { createAgentsSlice, type AgentEvent, type AgentsSlice } from './agents-slice';
import { createBuildsSlice, type BuildEvent, type BuildsSlice } from './builds-slice';
import { createDagSlice, type DagSlice, type JobEvent } from './dag-slice';
import { createGroupsSlice, type GroupsSlice } from './groups-slice';
import { createLogsSlice, type LogEvent, type LogsSlice } from './logs-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

export type FarmState = BuildsSlice & DagSlice & LogsSlice & AgentsSlice & GroupsSlice & UiSlice & {
  /** Applies one coalesced message of events: each slice sees its events once, in order. */
  applyEvents(events: FarmEvent[]): void;
};

export type FarmStore = ReturnType<typeof createFarmStore>;

/** A fresh store with every slice empty. */
export function createFarmStore() {
  return createStore<FarmState>()((...args) => ({
    ...createBuildsSlice(...args),
    ...createDagSlice(...args),
    ...createLogsSlice(...args),
    ...createAgentsSlice(...args),
    ...createGroupsSlice(...args),
    ...createUiSlice(...args),
    applyEvents(events) {
      const [, get] = args;
      const builds: BuildEvent[] = [];
      const jobs: JobEvent[] = [];
      const logs: LogEvent[] = [];
      const agents: AgentEvent[] = [];
      for (const event of events) {
        if (event.type === 'build') builds.push(event);
        else if (event.type === 'job') jobs.push(event);
        else if (event.type === 'log') logs.push(event);
        else if (event.type === 'agent') agents.push(event);
      }
      const state = get();
      if (builds.length) state.applyBuildEvents(builds);
      if (jobs.length) state.applyJobEvents(jobs);
      if (logs.length) state.applyLogEvents(logs);
      if (agents.length) state.applyAgentEvents(agents);
    },
  }));
}
