// The builds list and history: status, duration, what started it, the project; start and cancel.
import { useShallow } from 'zustand/react/shallow';
import { buildDuration } from '../state/builds-slice';
import { OpenProject } from './open-project';
import { StartBuild } from './start-build';
import { StatusBadge } from './status-badge';
import { useApi, useFarm, useNow } from './farm-context';
import { formatDuration, formatTime, projectName } from './format';

/** Every build, newest first, with the start form on top. */
export function BuildsView() {
  const api = useApi();
  const order = useFarm((state) => state.buildOrder);
  const builds = useFarm(useShallow((state) => state.buildOrder.map((id) => state.builds[id]!)));
  const loaded = useFarm((state) => state.buildsLoaded);
  const projects = useFarm((state) => state.projects);
  const running = builds.some((build) => build.status === 'running' || build.status === 'queued');
  const now = useNow(running);
  if (projects !== null && projects.length === 0) return <OpenProject />;
  return (
    <section className="page">
      <StartBuild />
      <h2>Builds</h2>
      {loaded && order.length === 0 && <p className="empty">No builds yet. Pick the pipelines above and press <strong>Start build</strong>, or run <code>farmhand run</code> on this state dir.</p>}
      {order.length > 0 && (
        <table className="list builds">
          <thead>
            <tr><th>Build</th><th>Status</th><th>Project</th><th>Started by</th><th>Started</th><th>Duration</th><th /></tr>
          </thead>
          <tbody>
            {builds.map((build) => (
              <tr key={build.build} data-build-id={build.build}>
                <td><a href={`#/builds/${encodeURIComponent(build.build)}/dag`}>{build.build}</a></td>
                <td><StatusBadge state={build.status} /></td>
                <td title={build.project}>{projectName(build.project)}</td>
                <td>{build.origin ?? '–'}</td>
                <td>{formatTime(build.started_at)}</td>
                <td>{formatDuration(buildDuration(build, now))}</td>
                <td>
                  {(build.status === 'running' || build.status === 'queued') && (
                    <button type="button" onClick={() => api.cancelBuild(build.build).catch(api.report)}>Cancel</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
