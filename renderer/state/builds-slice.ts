// The builds slice: every build the coordinator reported, newest first, kept current by build events.
import type { StateCreator } from 'zustand/vanilla';
import type { FarmEvent } from '../../core/protocol/types';
import type { BuildReport, Project } from './api-types';
import type { FarmState } from './store';

export type BuildEvent = Extract<FarmEvent, { type: 'build' }>;

export interface BuildsSlice {
  builds: Record<string, BuildReport>;
  /** Build ids, newest first. */
  buildOrder: string[];
  buildsLoaded: boolean;
  /** Projects (folders) this coordinator serves; null until loaded. */
  projects: Project[] | null;
  setProjects(projects: Project[]): void;
  setBuilds(list: BuildReport[]): void;
  applyBuildEvents(events: BuildEvent[]): void;
}

const finished = new Set(['success', 'failed', 'canceled']);

/** Builds list and history; build events add new builds at the top and move states on. */
export const createBuildsSlice: StateCreator<FarmState, [], [], BuildsSlice> = (set) => ({
  builds: {},
  buildOrder: [],
  buildsLoaded: false,
  projects: null,
  setProjects(projects) {
    set({ projects });
  },
  setBuilds(list) {
    const builds: Record<string, BuildReport> = {};
    for (const build of list) builds[build.build] = build;
    set({ builds, buildOrder: list.map((build) => build.build), buildsLoaded: true });
  },
  applyBuildEvents(events) {
    if (events.length === 0) return;
    set((state) => {
      const builds = { ...state.builds };
      let buildOrder = state.buildOrder;
      for (const event of events) {
        const known = builds[event.build];
        const next: BuildReport = known ? { ...known, status: event.state } : { build: event.build, status: event.state, started_at: event.at };
        if (finished.has(event.state)) next.finished_at = next.finished_at ?? event.at;
        if (next.started_at === undefined && event.state === 'running') next.started_at = event.at;
        if (!known) buildOrder = [event.build, ...buildOrder];
        builds[event.build] = next;
      }
      return { builds, buildOrder };
    });
  },
});

/** How long a build took (or has taken so far, given now), in milliseconds; undefined before it started. */
export function buildDuration(build: BuildReport, now: number): number | undefined {
  if (build.started_at === undefined) return undefined;
  return (build.finished_at ?? now) - build.started_at;
}
