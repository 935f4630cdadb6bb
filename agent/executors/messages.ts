// Text of results, as a user reads it next to a failed job: one line, no stack.
import { formatDuration } from '../../core/spec/durations';

/** The first non-empty line of an error's message. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown error';
}

/** "timed out after 30m": the limit in the units a pipeline's `timeout:` is written in. */
export function timeoutMessage(timeoutMs: number | undefined): string {
  return timeoutMs === undefined ? 'timed out' : `timed out after ${formatDuration(timeoutMs)}`;
}
