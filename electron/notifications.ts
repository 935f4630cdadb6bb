// When the desktop app speaks up: a build finished or failed (click opens it), a job has waited on a
// resource group for over a minute, an agent was lost, a pairing code to hand a teammate. Rules only:
// events and a clock in, notifications out; main.ts shows them with Electron's Notification.
import type { FarmEvent } from '../core/protocol/types';

/** Events the desktop shell makes itself (the lent agent's pairing code), next to FarmEvents. */
export type DesktopEvent = { type: 'pairing'; agent: string; code: string; at: number };

export type NotificationTarget = { kind: 'build'; build: string; job?: string } | { kind: 'agents' };

export interface DesktopNotification {
  /** Same key, same notification: each is raised once. */
  key: string;
  title: string;
  body: string;
  /** What a click opens. */
  target: NotificationTarget;
}

export interface NotificationRulesOptions {
  now(): number;
  /** How long a job waits on a resource group before it is worth a notification (default 60 s). */
  waitingAfterMs?: number;
  /** Events older than this (a replay of history on connect) update state but raise nothing. */
  quietBefore?: number;
}

export interface NotificationRules {
  observe(events: readonly (FarmEvent | DesktopEvent)[]): DesktopNotification[];
  /** Call every few seconds: raises waits that crossed the threshold since the last events. */
  tick(): DesktopNotification[];
}

interface Waiting {
  build: string;
  job: string;
  group: string;
  since: number;
}

export function createNotificationRules(options: NotificationRulesOptions): NotificationRules {
  const waitingAfterMs = options.waitingAfterMs ?? 60_000;
  const quietBefore = options.quietBefore ?? Number.NEGATIVE_INFINITY;
  const raised = new Set<string>();
  const waiting = new Map<string, Waiting>();
  const failedJobs = new Map<string, string[]>();
  const onlineAgents = new Set<string>();

  const raise = (out: DesktopNotification[], notification: DesktopNotification) => {
    if (raised.has(notification.key)) return;
    raised.add(notification.key);
    out.push(notification);
  };

  const observeOne = (event: FarmEvent | DesktopEvent, out: DesktopNotification[]) => {
    const fresh = event.at >= quietBefore;
    switch (event.type) {
      case 'job': {
        const key = `${event.build}\0${event.job}`;
        if (event.state === 'waiting' && event.waiting) {
          const known = waiting.get(key);
          waiting.set(key, { build: event.build, job: event.job, group: event.waiting.group, since: known?.since ?? event.at });
        } else {
          waiting.delete(key);
        }
        if (event.state === 'failed') failedJobs.set(event.build, [...(failedJobs.get(event.build) ?? []), event.job]);
        return;
      }
      case 'build': {
        if (event.state === 'success' || event.state === 'failed') {
          const failed = failedJobs.get(event.build) ?? [];
          if (fresh) raise(out, buildNotification(event.build, event.state, failed));
        }
        if (event.state !== 'queued' && event.state !== 'running') {
          failedJobs.delete(event.build);
          for (const [key, wait] of waiting) if (wait.build === event.build) waiting.delete(key);
        }
        return;
      }
      case 'agent': {
        const id = event.agent.id;
        if (event.state === 'online') onlineAgents.add(id);
        else if (onlineAgents.delete(id) && id !== 'local' && fresh) {
          raise(out, { key: `agent-lost:${id}:${event.at}`, title: `Agent ${event.agent.name} lost`, body: `${event.agent.name} went offline.`, target: { kind: 'agents' } });
        }
        return;
      }
      case 'pairing':
        if (fresh) raise(out, { key: `pairing:${event.agent}:${event.code}`, title: 'Pairing code for this machine', body: `A teammate's coordinator pairs with ${event.agent} using the code ${event.code} (valid 15 minutes).`, target: { kind: 'agents' } });
        return;
      default:
        return;
    }
  };

  const tick = (): DesktopNotification[] => {
    const out: DesktopNotification[] = [];
    const now = options.now();
    for (const wait of waiting.values()) {
      if (now - wait.since < waitingAfterMs) continue;
      const waited = now - wait.since;
      const duration = waited >= 60_000 ? `${Math.floor(waited / 60_000)} min` : `${Math.floor(waited / 1000)} s`;
      raise(out, {
        key: `waiting:${wait.build}:${wait.job}:${wait.since}`,
        title: `${wait.job} is waiting`,
        body: `Build ${wait.build} has waited ${duration} for resource group ${wait.group}.`,
        target: { kind: 'build', build: wait.build, job: wait.job },
      });
    }
    return out;
  };

  return {
    observe(events) {
      const out: DesktopNotification[] = [];
      for (const event of events) observeOne(event, out);
      return [...out, ...tick()];
    },
    tick,
  };
}

function buildNotification(build: string, state: 'success' | 'failed', failed: string[]): DesktopNotification {
  if (state === 'success') return { key: `build:${build}:success`, title: `Build ${build} succeeded`, body: 'Every job finished.', target: { kind: 'build', build } };
  const named = failed.slice(0, 3).join(', ');
  const more = failed.length > 3 ? ` and ${failed.length - 3} more` : '';
  const body = failed.length === 0 ? 'The build did not finish.' : `${failed.length === 1 ? 'Job' : `${failed.length} jobs`} failed: ${named}${more}.`;
  return { key: `build:${build}:failed`, title: `Build ${build} failed`, body, target: { kind: 'build', build, ...(failed[0] ? { job: failed[0] } : {}) } };
}
