// Resource groups: which waiter gets a free place next, and settings lookup by name or glob.
import type { ResourceGroupSettings } from '../spec/types';
import type { GroupSettings, Holder } from './types';

export const defaultGroupSettings: GroupSettings = { capacity: 1, processMode: 'unordered', onBusy: 'wait' };

/** Settings of a group: an exact entry first, then the first glob that matches, else the defaults. */
export function groupSettingsLookup(entries: readonly ResourceGroupSettings[]): (group: string) => GroupSettings {
  const exact = new Map(entries.filter((entry) => !entry.pattern.includes('*')).map((entry) => [entry.pattern, entry]));
  const globs = entries
    .filter((entry) => entry.pattern.includes('*'))
    .map((entry) => ({ entry, pattern: new RegExp(`^${entry.pattern.split('*').map(escapeRegExp).join('.*')}$`) }));
  return (group) => {
    const entry = exact.get(group) ?? globs.find(({ pattern }) => pattern.test(group))?.entry;
    return entry ? { capacity: entry.capacity, processMode: entry.processMode, onBusy: entry.onBusy } : defaultGroupSettings;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** A party that asks for a group: a job, or a pipeline for a pipeline-level hold. */
export interface Waiter {
  holder: Holder;
  /** Creation order of its build: lower is older. */
  buildOrder: number;
  readyAt: number;
}

export const sameHolder = (a: Holder, b: Holder): boolean => a.build === b.build && a.job === b.job;

/**
 * Orders waiters as GitLab's process modes do: `oldest_first` by build age, `newest_first` by
 * build age reversed, `newest_ready_first` by readiness reversed, `unordered` by readiness.
 * With `on_busy: cancel` the newest build goes next, since it is the one that canceled the holder.
 */
export function orderWaiters(waiters: readonly Waiter[], settings: GroupSettings): Waiter[] {
  // Upcoming waiters have readyAt Infinity: compare so that Infinity - Infinity (NaN) never decides.
  const byReady = (a: Waiter, b: Waiter) => (a.readyAt === b.readyAt ? 0 : a.readyAt < b.readyAt ? -1 : 1) || compareHolders(a.holder, b.holder);
  const compare: Record<string, (a: Waiter, b: Waiter) => number> = {
    unordered: byReady,
    oldest_first: (a, b) => a.buildOrder - b.buildOrder || byReady(a, b),
    newest_first: (a, b) => b.buildOrder - a.buildOrder || byReady(a, b),
    newest_ready_first: (a, b) => b.readyAt - a.readyAt || compareHolders(a.holder, b.holder),
  };
  const mode = settings.onBusy === 'cancel' ? 'newest_first' : settings.processMode;
  return [...waiters].sort(compare[mode]);
}

function compareHolders(a: Holder, b: Holder): number {
  const left = `${a.build}\u0000${a.job}`;
  const right = `${b.build}\u0000${b.job}`;
  return left < right ? -1 : left > right ? 1 : 0;
}
