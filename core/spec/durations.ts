// Durations as users write them: `500ms`, `30s`, `10m`, `2h`, `1h30m`, or a bare number of seconds.

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const partPattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const wholePattern = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const barePattern = /^\d+(?:\.\d+)?$/;

/** The remedy shown for any duration the parser refuses. */
export const durationRemedy = 'expected a duration like 30s, 10m or 1h';

/** Milliseconds in a duration (`1h30m` -> 5400000; a bare number is seconds), undefined when malformed. */
export function parseDuration(written: string | number): number | undefined {
  if (typeof written === 'number') {
    return Number.isFinite(written) && written >= 0 ? Math.round(written * 1000) : undefined;
  }
  const text = written.trim();
  if (barePattern.test(text)) return Math.round(Number(text) * 1000);
  if (!wholePattern.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(partPattern)) {
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? 0);
  }
  const ms = Math.round(total);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration in its shortest written form (`5400000` -> `1h30m`), for messages and round trips. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}
