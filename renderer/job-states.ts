// How each job state looks in the window: label and colour. Shared by every view of the renderer.
import type { JobState } from '../core/protocol/types';

export const jobStateLooks: Record<JobState, { label: string; colour: string }> = {
  queued: { label: 'queued', colour: '#8a8f98' },
  waiting: { label: 'waiting', colour: '#a35bd6' },
  running: { label: 'running', colour: '#d9a400' },
  success: { label: 'success', colour: '#2f9e44' },
  failed: { label: 'failed', colour: '#e03131' },
  canceled: { label: 'canceled', colour: '#5c636a' },
  skipped: { label: 'skipped', colour: '#adb5bd' },
  cached: { label: 'cached', colour: '#1c7ed6' },
  lost: { label: 'lost', colour: '#c2255c' },
};
