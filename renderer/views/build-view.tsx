// One build: its header (status, duration, cancel), tabs for the DAG, the timeline, a job's log and
// outputs, and the panel of the job in focus.
import { useCallback, useEffect } from 'react';
import type { BuildTab, Route } from '../state/routes';
import { buildDuration } from '../state/builds-slice';
import { DagView } from '../dag/dag-view';
import { LogViewer } from '../log/log-viewer';
import { TimelineView } from '../timeline/timeline-view';
import { go, useApi, useFarm, useNow } from './farm-context';
import { formatDuration, formatTime, projectName } from './format';
import { JobPanel } from './job-panel';
import { OutputsView } from './outputs-view';
import { StatusBadge } from './status-badge';

type BuildRoute = Extract<Route, { view: 'build' }>;

const tabs: { tab: BuildTab; label: string; needsJob: boolean }[] = [
  { tab: 'dag', label: 'DAG', needsJob: false },
  { tab: 'timeline', label: 'Timeline', needsJob: false },
  { tab: 'log', label: 'Log', needsJob: true },
  { tab: 'outputs', label: 'Outputs', needsJob: true },
];

/** The build page for a route like `#/builds/b-0001/dag?job=p/j`. */
export function BuildView({ route }: { route: BuildRoute }) {
  const api = useApi();
  const build = useFarm((state) => state.builds[route.build]);
  const shown = useFarm((state) => state.dag.build);
  const jobCount = useFarm((state) => state.dag.order.length);
  const active = build?.status === 'running' || build?.status === 'queued';
  const now = useNow(active);

  useEffect(() => {
    api.openBuild(route.build).catch(api.report);
  }, [api, route.build]);

  const select = useCallback((job: string | undefined, tab: BuildTab = route.tab) => {
    const next: BuildRoute = { view: 'build', build: route.build, tab };
    if (job) next.job = job;
    go(next, tab === route.tab);
  }, [route.build, route.tab]);
  // Stable callbacks, so the once-a-second clock tick does not re-render every job box.
  const selectJob = useCallback((job: string) => select(job), [select]);
  const openJob = useCallback((job: string) => select(job, 'log'), [select]);

  return (
    <section className="page build-page">
      <div className="build-header">
        <h2>{route.build}</h2>
        {build && <StatusBadge state={build.status} />}
        {build && <span className="muted">{formatTime(build.started_at)} · {formatDuration(buildDuration(build, now))}{build.project ? ` · ${projectName(build.project)}` : ''}{build.origin ? ` · started by ${build.origin}` : ''}</span>}
        {active && <button type="button" className="danger" onClick={() => api.cancelBuild(route.build).catch(api.report)}>Cancel build</button>}
      </div>
      <div className="tabs" role="tablist">
        {tabs.map((entry) => (
          <button key={entry.tab} type="button" role="tab" aria-selected={route.tab === entry.tab} disabled={entry.needsJob && !route.job}
            title={entry.needsJob && !route.job ? 'Select a job first' : undefined} onClick={() => select(route.job, entry.tab)}>
            {entry.label}
          </button>
        ))}
      </div>
      <div className="build-body">
        <div className="build-main">
          {shown === route.build && jobCount === 0 && <p className="empty">This build has no jobs yet.</p>}
          {route.tab === 'dag' && <DagView selected={route.job} onSelect={selectJob} onOpen={openJob} />}
          {route.tab === 'timeline' && <TimelineView onSelect={selectJob} />}
          {route.tab === 'log' && route.job && <LogViewer build={route.build} job={route.job} line={route.line} />}
          {route.tab === 'outputs' && route.job && <OutputsView build={route.build} job={route.job} />}
        </div>
        {route.job && <JobPanel build={route.build} job={route.job} onTab={(tab) => select(route.job, tab)} onClose={() => select(undefined)} />}
      </div>
    </section>
  );
}
