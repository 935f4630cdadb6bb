// One job in the DAG: a box in its state's colour, marked when cached, batched or waiting on a resource group.
import { memo } from 'react';
import { jobStateLooks } from '../job-states';
import { useFarm } from '../views/farm-context';
import type { Box } from './dag-layout';

export interface JobBoxProps {
  id: string;
  box: Box;
  selected: boolean;
  match: boolean;
  /** Zoomed far out: a plain coloured box, no text (2,000 of them must still repaint within a frame). */
  compact: boolean;
  onSelect: (id: string) => void;
  onOpen: (id: string) => void;
}

/** A job box; it selects only its own job, so an event re-renders only the boxes it changed. */
export const JobBox = memo(function JobBox({ id, box, selected, match, compact, onSelect, onOpen }: JobBoxProps) {
  const job = useFarm((state) => state.dag.jobs[id]);
  if (!job) return null;
  const look = jobStateLooks[job.state];
  if (compact) {
    return (
      <div className={`job compact state-${job.state}${selected ? ' selected' : ''}${match ? ' match' : ''}`} role="button" tabIndex={selected ? 0 : -1}
        data-job-id={id} data-state={job.state} aria-label={`${id}: ${look.label}`} title={`${id}: ${look.label}`}
        style={{ left: box.x, top: box.y, width: box.width, height: box.height, background: look.colour, borderColor: look.colour }}
        onClick={() => onSelect(id)} onDoubleClick={() => onOpen(id)} />
    );
  }
  const classes = ['job', `state-${job.state}`, selected ? 'selected' : '', match ? 'match' : '', job.batch ? 'batched' : ''].filter(Boolean).join(' ');
  return (
    <div
      className={classes}
      role="button"
      tabIndex={selected ? 0 : -1}
      data-job-id={id}
      data-state={job.state}
      aria-label={`${id}: ${look.label}`}
      aria-pressed={selected}
      style={{ left: box.x, top: box.y, width: box.width, height: box.height, borderColor: look.colour }}
      onClick={() => onSelect(id)}
      onDoubleClick={() => onOpen(id)}
    >
      <span className="job-dot" style={{ background: look.colour }} />
      <span className="job-name" title={id}>{job.name}</span>
      <span className="job-state">{job.state === 'cached' ? 'cached ⟲' : look.label}</span>
      {job.batch && <span className="job-batch" title={`batch ${job.batch}`}>batch</span>}
      {job.waiting && (
        <span className="job-waiting" data-waiting={job.waiting.group} title={`waiting for ${job.waiting.group}`}>
          wait {job.waiting.group} #{job.waiting.position}
          {job.waiting.holders[0] ? ` · held by ${job.waiting.holders[0].job}` : ''}
        </span>
      )}
    </div>
  );
});
