// Resource-group holders: who holds each group now, kept in memory for the scheduler and in the
// store one row per holder (addHolder/removeHolder), so another build's holders are never rewritten.
// Groups belong to a project, as GitLab's resource_group does: the scheduler sees each group keyed by
// its project's folder (`scopedGroup`), so two projects' `deploy` groups never block each other and
// each keeps its own settings; users and the store see the plain group name.
import type { WaitingInfo } from '../protocol/types';
import type { Holder } from '../schedule/types';
import type { Store } from '../store/types';

/** A folder path never holds NUL: it separates a project from its group name in a scheduler key. */
const separator = '\u0000';

/** The scheduler's key for a project's resource group. */
export function scopedGroup(project: string, group: string): string {
  return `${project}${separator}${group}`;
}

/** The project and the group name of a scheduler key. */
export function splitGroup(scoped: string): { project: string; group: string } {
  const at = scoped.indexOf(separator);
  return at < 0 ? { project: '', group: scoped } : { project: scoped.slice(0, at), group: scoped.slice(at + 1) };
}

/** A scheduler message with `project`'s group keys shown as plain names. */
export function plainGroups(text: string, project: string): string {
  return text.split(`${project}${separator}`).join('');
}

/** Waiters at these places of a queue are shown exactly (holders and place); those behind, a bound. */
export const exactPlaces = 10;

/**
 * Whether a waiting job's new wait must be published (written and sent). When the head of a queue
 * leaves, every place behind it moves up by one: rewriting each waiter would cost O(waiters) per
 * hand-over, O(waiters²) for a queue to drain. So the first `exactPlaces` waiters are kept exact,
 * and a waiter further back is rewritten only when its place gets worse (someone went ahead of it) or
 * its group changes: its shown place is then a bound it is never behind, made exact once it comes near.
 */
export function mustPublishWait(shown: WaitingInfo | undefined, next: WaitingInfo): boolean {
  if (!shown || shown.group !== next.group || next.position > shown.position) return true;
  if (next.position > exactPlaces) return false;
  return next.position !== shown.position || JSON.stringify(shown.holders) !== JSON.stringify(next.holders);
}

export class ResourceHolds {
  /** Holders by scheduler key (scopedGroup), in the order they took the group. */
  readonly byGroup = new Map<string, Holder[]>();

  constructor(private readonly store: Store) {
    for (const holder of store.listHolders()) {
      const group = scopedGroup(store.getBuildInfo(holder.build)?.project ?? '', holder.group);
      this.byGroup.set(group, [...(this.byGroup.get(group) ?? []), { build: holder.build, job: holder.job }]);
    }
  }

  add(group: string, holder: Holder, since: number): void {
    this.byGroup.set(group, [...(this.byGroup.get(group) ?? []), holder]);
    this.store.addHolder({ group: splitGroup(group).group, build: holder.build, job: holder.job, since });
  }

  remove(group: string, holder: Holder): void {
    const list = (this.byGroup.get(group) ?? []).filter((h) => !(h.build === holder.build && h.job === holder.job));
    if (list.length > 0) this.byGroup.set(group, list);
    else this.byGroup.delete(group);
    this.store.removeHolder(splitGroup(group).group, holder.build, holder.job);
  }
}
