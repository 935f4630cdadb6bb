// The resource groups slice: capacity, holders and waiters in queue order, as the coordinator reports them.
import type { StateCreator } from 'zustand/vanilla';
import type { ResourceGroupRow } from './api-types';
import type { FarmState } from './store';

export interface GroupsSlice {
  groups: ResourceGroupRow[];
  groupsLoaded: boolean;
  setGroups(groups: ResourceGroupRow[]): void;
}

/** Groups sorted by name, waiters by their place in the queue. */
export const createGroupsSlice: StateCreator<FarmState, [], [], GroupsSlice> = (set) => ({
  groups: [],
  groupsLoaded: false,
  setGroups(groups) {
    const sorted = [...groups]
      .map((group) => ({ ...group, waiters: [...group.waiters].sort((a, b) => a.position - b.position) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    set({ groups: sorted, groupsLoaded: true });
  },
});
