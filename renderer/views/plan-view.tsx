// Plan preview: the DAG a build would run, what is cached, and any spec errors, before anything runs.
import { useEffect, useMemo } from 'react';
import { DagView } from '../dag/dag-view';
import { go, useApi, useFarm } from './farm-context';
import { OpenProject } from './open-project';
import { SpecErrors } from './spec-errors';

/** The plan of a project (the first one when none is named). */
export function PlanView({ project }: { project: string | undefined }) {
  const api = useApi();
  const projects = useFarm((state) => state.projects);
  const plan = useFarm((state) => state.plan);
  const dag = useFarm((state) => state.dag);
  const chosen = project ?? projects?.[0]?.id;

  useEffect(() => {
    if (chosen) void api.loadPlan(chosen);
  }, [api, chosen]);

  const counts = useMemo(() => {
    const jobs = Object.values(dag.jobs);
    return { total: jobs.length, cached: jobs.filter((job) => job.state === 'cached').length };
  }, [dag.jobs]);

  if (projects !== null && projects.length === 0) return <OpenProject />;
  const ready = dag.build === null && plan.project === chosen && !plan.loading;
  return (
    <section className="page plan-page">
      <div className="build-header">
        <h2>Plan</h2>
        {projects && projects.length > 1 && (
          <select value={chosen} onChange={(event) => go({ view: 'plan', project: event.target.value })} aria-label="Project">
            {projects.map((entry) => <option key={entry.id} value={entry.id}>{entry.name ?? entry.dir}</option>)}
          </select>
        )}
        {ready && !plan.error && <span className="muted">{counts.total} jobs: {counts.total - counts.cached} would run, {counts.cached} cached</span>}
        <button type="button" onClick={() => chosen && api.loadPlan(chosen)}>Reload plan</button>
      </div>
      <SpecErrors />
      {plan.loading && <p className="muted loading">Planning…</p>}
      {ready && !plan.error && counts.total === 0 && <OpenProject message="The project has no jobs." />}
      {ready && !plan.error && counts.total > 0 && <DagView selected={undefined} onSelect={() => undefined} onOpen={() => undefined} />}
    </section>
  );
}
