// A coloured state word (job or build state), the same everywhere in the window.
import { jobStateLooks } from '../job-states';
import type { BuildState, JobState } from '../../core/protocol/types';

/** The state as a small pill in its colour. */
export function StatusBadge({ state }: { state: JobState | BuildState }) {
  const look = jobStateLooks[state as JobState] ?? { label: state, colour: '#8a8f98' };
  return (
    <span className="badge" data-status={state} style={{ background: look.colour }}>
      {look.label}
    </span>
  );
}
