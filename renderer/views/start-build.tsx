// Start a build: pick the project and all or some of its pipelines (listed from the project's plan).
import { useEffect, useMemo, useState } from 'react';
import { useApi, useFarm, go } from './farm-context';
import { SpecErrors } from './spec-errors';

/** The start form: project, pipelines, no-cache, Start. */
export function StartBuild() {
  const api = useApi();
  const projects = useFarm((state) => state.projects) ?? [];
  const [project, setProject] = useState<string>('');
  const chosen = project || projects[0]?.id || '';
  const plan = useFarm((state) => state.plan);
  const dag = useFarm((state) => state.dag);
  const [skipped, setSkipped] = useState<Set<string>>(new Set());
  const [noCache, setNoCache] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (chosen && (plan.project !== chosen || dag.build !== null) && !plan.loading) void api.loadPlan(chosen);
  }, [chosen]);

  const pipelines = useMemo(() => (dag.build === null && plan.project === chosen ? [...new Set(dag.order.map((id) => dag.jobs[id]!.pipeline))] : []), [dag, plan.project, chosen]);
  const only = pipelines.filter((pipeline) => !skipped.has(pipeline));

  async function start() {
    setBusy(true);
    try {
      const build = await api.startBuild(chosen, only.length === pipelines.length ? [] : only, noCache);
      go({ view: 'build', build, tab: 'dag' });
    } catch (error) {
      api.report(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="start-build" onSubmit={(event) => { event.preventDefault(); void start(); }}>
      <h2>Start a build</h2>
      {projects.length > 1 && (
        <label>
          Project{' '}
          <select value={chosen} onChange={(event) => setProject(event.target.value)} aria-label="Project">
            {projects.map((entry) => <option key={entry.id} value={entry.id}>{entry.name ?? entry.dir}</option>)}
          </select>
        </label>
      )}
      {projects.length === 1 && <p className="muted">Project <code>{projects[0]!.dir}</code></p>}
      <SpecErrors />
      {pipelines.length > 0 && (
        <fieldset className="pipelines">
          <legend>Pipelines ({only.length === pipelines.length ? 'all' : `${only.length} of ${pipelines.length}`})</legend>
          {pipelines.map((pipeline) => (
            <label key={pipeline} className="check">
              <input type="checkbox" checked={!skipped.has(pipeline)} onChange={() => {
                const next = new Set(skipped);
                if (next.has(pipeline)) next.delete(pipeline);
                else next.add(pipeline);
                setSkipped(next);
              }} />
              {pipeline}
            </label>
          ))}
        </fieldset>
      )}
      <label className="check"><input type="checkbox" checked={noCache} onChange={() => setNoCache(!noCache)} /> ignore the cache</label>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !chosen || only.length === 0 || plan.error !== null}>Start build</button>
        <button type="button" onClick={() => api.loadPlan(chosen)} disabled={!chosen}>Reload plan</button>
        <a href={`#/plan/${encodeURIComponent(chosen)}`}>Preview the plan</a>
      </div>
    </form>
  );
}
