// Text of results, as a user reads it next to a failed job: one line, no stack.

/** The first non-empty line of an error's message. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown error';
}

/** "timed out after 30m": the limit in the units a pipeline's `timeout:` is written in. */
export function timeoutMessage(timeoutMs: number | undefined): string {
  return timeoutMs === undefined ? 'timed out' : `timed out after ${formatDuration(timeoutMs)}`;
}

function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
