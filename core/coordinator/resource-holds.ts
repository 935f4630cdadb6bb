// Resource-group holders: who holds each group now, kept in memory for the scheduler and in the
// store one row per holder (addHolder/removeHolder), so another build's holders are never rewritten.
import type { Holder } from '../schedule/types';
import type { Store } from '../store/types';

export class ResourceHolds {
  /** Holders by group, in the order they took it. */
  readonly byGroup = new Map<string, Holder[]>();

  constructor(private readonly store: Store) {
    for (const holder of store.listHolders()) this.byGroup.set(holder.group, [...(this.byGroup.get(holder.group) ?? []), { build: holder.build, job: holder.job }]);
  }

  add(group: string, holder: Holder, since: number): void {
    this.byGroup.set(group, [...(this.byGroup.get(group) ?? []), holder]);
    this.store.addHolder({ group, build: holder.build, job: holder.job, since });
  }

  remove(group: string, holder: Holder): void {
    const list = (this.byGroup.get(group) ?? []).filter((h) => !(h.build === holder.build && h.job === holder.job));
    if (list.length > 0) this.byGroup.set(group, list);
    else this.byGroup.delete(group);
    this.store.removeHolder(group, holder.build, holder.job);
  }
}
