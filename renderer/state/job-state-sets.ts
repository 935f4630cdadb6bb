// Job states grouped as the window needs them. Copied from core/protocol's finishedJobStates because the
// renderer may import core only as types; the dag slice test checks that the two lists agree.
import type { JobState } from '../../core/protocol/types';

/** States a job does not leave. */
export const finishedJobStates: ReadonlySet<JobState> = new Set<JobState>(['success', 'failed', 'canceled', 'skipped', 'cached', 'lost']);
