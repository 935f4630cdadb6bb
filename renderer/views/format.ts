// Small formatting helpers shared by views: durations, sizes, times.

/** `850ms`, `12.3s`, `4m 05s`, `1h 02m`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** `512 B`, `1.5 KB`, `3.2 MB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Local time of day for today, else date and time. */
export function formatTime(at: number | undefined): string {
  if (!at) return '–';
  const date = new Date(at);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

/** A project's short name: the last part of its folder. */
export function projectName(dir: string | undefined): string {
  if (!dir) return '–';
  return dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || dir;
}

/** `3s ago`, `5m ago`. */
export function formatAgo(at: number | undefined, now: number): string {
  if (!at) return 'never';
  return `${formatDuration(Math.max(0, now - at)).split(' ')[0]} ago`;
}
