// The job in focus: state, agent, attempts, wait, reason with what to do next, and retry.
import { go, useApi, useFarm } from './farm-context';
import type { BuildTab } from '../state/routes';
import { formatDuration } from './format';
import { hintFor } from './hints';
import { StatusBadge } from './status-badge';

const retryable = new Set(['failed', 'canceled', 'lost', 'skipped']);

/** Details of one job of the build on screen. */
export function JobPanel({ build, job, onTab, onClose }: { build: string; job: string; onTab: (tab: BuildTab) => void; onClose: () => void }) {
  const api = useApi();
  const view = useFarm((state) => (state.dag.build === build ? state.dag.jobs[job] : undefined));
  if (!view) return <aside className="job-panel"><p className="muted">Job {job} is not in this build.</p></aside>;
  const hint = hintFor(view.reason);
  return (
    <aside className="job-panel" aria-label={`Job ${job}`} data-panel-job={job}>
      <div className="panel-title">
        <h3>{view.name}</h3>
        <button type="button" onClick={onClose} aria-label="Close job panel">×</button>
      </div>
      <p className="muted">{view.pipeline}</p>
      <p><StatusBadge state={view.state} /> {view.agent && <span>on <strong>{view.agent}</strong></span>}</p>
      {view.waiting && (
        <p className="waiting" data-waiting-group={view.waiting.group}>
          Waiting for resource group <strong>{view.waiting.group}</strong>, place {view.waiting.position} in the queue; held by{' '}
          {view.waiting.holders.map((holder) => `${holder.build}/${holder.job}`).join(', ') || 'nobody yet'}.
        </p>
      )}
      {view.resourceGroup && !view.waiting && <p>Resource group <strong>{view.resourceGroup}</strong></p>}
      {view.batch && <p>Batch <code>{view.batch}</code></p>}
      {view.reason && <p className="reason">{view.reason}{view.exitCode !== undefined ? ` (exit ${view.exitCode})` : ''}</p>}
      {hint && <p className="hint">{hint}</p>}
      {view.attempts.length > 0 && (
        <ol className="attempts">
          {view.attempts.map((attempt) => (
            <li key={attempt.number}>attempt {attempt.number} on {attempt.agent}: {attempt.state}{attempt.end ? `, ${formatDuration(attempt.end - attempt.start)}` : ''}</li>
          ))}
        </ol>
      )}
      <div className="actions">
        <button type="button" onClick={() => onTab('log')}>Log</button>
        <button type="button" onClick={() => onTab('outputs')}>Outputs</button>
        {retryable.has(view.state) && <button type="button" onClick={() => api.retryJob(build, job).catch(api.report)}>Retry</button>}
        <button type="button" onClick={() => go({ view: 'build', build, tab: 'timeline', job })}>In timeline</button>
      </div>
    </aside>
  );
}
