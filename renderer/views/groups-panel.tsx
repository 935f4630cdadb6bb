// The resource groups panel: each group's capacity, who holds it, and who waits, in queue order.
import { useEffect } from 'react';
import { useApi, useFarm } from './farm-context';

/** Every resource group of the farm. */
export function GroupsPanel() {
  const api = useApi();
  const groups = useFarm((state) => state.groups);
  const loaded = useFarm((state) => state.groupsLoaded);
  useEffect(() => {
    api.loadGroups().catch(api.report);
  }, [api]);
  const manyProjects = new Set(groups.map((group) => group.project)).size > 1;
  const link = (entry: { build: string; job: string }) => (
    <a href={`#/builds/${encodeURIComponent(entry.build)}/dag?job=${encodeURIComponent(entry.job)}`}>{entry.build} {entry.job}</a>
  );
  return (
    <section className="page">
      <h2>Resource groups</h2>
      {loaded && groups.length === 0 && <p className="empty">No resource group is in use. Jobs that must not overlap name one with <code>resource_group: NAME</code> in the spec.</p>}
      {groups.length > 0 && (
        <table className="list groups">
          <thead><tr><th>Group</th><th>Capacity</th><th>Held by</th><th>Waiting, in order</th></tr></thead>
          <tbody>
            {groups.map((group) => (
              <tr key={`${group.project}/${group.name}`} data-group={group.name}>
                <td><strong>{group.name}</strong>{manyProjects && <div className="muted">{group.project}</div>}</td>
                <td>{group.holders.length}/{group.capacity}</td>
                <td>{group.holders.length === 0 ? <span className="muted">free</span> : <ul>{group.holders.map((holder) => <li key={`${holder.build}/${holder.job}`}>{link(holder)}</li>)}</ul>}</td>
                <td>{group.waiters.length === 0 ? <span className="muted">nobody</span> : <ol>{group.waiters.map((waiter) => <li key={`${waiter.build}/${waiter.job}`} data-position={waiter.position}>{link(waiter)}</li>)}</ol>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
