// The agents slice: agents seen or paired, with their state kept current by agent events.
import type { StateCreator } from 'zustand/vanilla';
import type { FarmEvent } from '../../core/protocol/types';
import type { AgentRow } from './api-types';
import type { FarmState } from './store';

export type AgentEvent = Extract<FarmEvent, { type: 'agent' }>;

/** What the panel shows for an agent: discovered (not paired), online, or unreachable (paired but gone). */
export type AgentStatus = 'discovered' | 'online' | 'unreachable';

export interface AgentsSlice {
  agents: AgentRow[];
  agentsLoaded: boolean;
  setAgents(agents: AgentRow[]): void;
  applyAgentEvents(events: AgentEvent[]): void;
}

/** Agent list; an agent event (the agent connected or left) moves it online or unreachable. */
export const createAgentsSlice: StateCreator<FarmState, [], [], AgentsSlice> = (set) => ({
  agents: [],
  agentsLoaded: false,
  setAgents(agents) {
    set({ agents: agents.map(normalizeAgent).sort((a, b) => a.name.localeCompare(b.name)), agentsLoaded: true });
  },
  applyAgentEvents(events) {
    if (events.length === 0) return;
    set((state) => {
      const agents = [...state.agents];
      for (const event of events) {
        const index = agents.findIndex((agent) => agent.id === event.agent.id);
        const online = event.state === 'online';
        const base: AgentRow = index >= 0 ? agents[index]! : { id: event.agent.id, name: event.agent.name, pools: [], labels: [], slots: 0, busy: 0, paired: true, online };
        const next: AgentRow = { ...base, name: event.agent.name, pools: event.agent.pools, labels: event.agent.labels,
          slots: event.agent.slots, online, paired: base.paired || online, last_seen: event.at };
        if (index >= 0) agents[index] = next;
        else agents.push(next);
      }
      agents.sort((a, b) => a.name.localeCompare(b.name));
      return { agents };
    });
  },
});

/**
 * An agent row with every field the panel reads. A coordinator that lists only the agents in its store
 * (they have worked for it, so they are paired) leaves out paired/online/busy; the embedded `local`
 * agent runs inside the coordinator, so it is online whenever the coordinator answers.
 */
export function normalizeAgent(row: AgentRow): AgentRow {
  const loose = row as Partial<AgentRow> & { id: string; lastSeen?: number };
  return { ...row, name: loose.name ?? loose.id, pools: loose.pools ?? [], labels: loose.labels ?? [], slots: loose.slots ?? 0, busy: loose.busy ?? 0,
    paired: loose.paired ?? true, online: loose.online ?? loose.id === 'local', last_seen: loose.last_seen ?? loose.lastSeen };
}

/** The one status word the agents panel shows. */
export function agentStatus(agent: AgentRow): AgentStatus {
  if (agent.online) return 'online';
  return agent.paired ? 'unreachable' : 'discovered';
}
