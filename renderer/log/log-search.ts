// Searching and exporting a log's lines: plain functions over the logs slice's rows.
import type { LogRow } from '../state/logs-slice';

// eslint-disable-next-line no-control-regex
const ansiCodes = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Indexes of lines whose visible text (ANSI codes removed) contains the query, ignoring case. */
export function findLines(lines: readonly LogRow[], query: string): number[] {
  const needle = query.toLowerCase();
  if (!needle) return [];
  const found: number[] = [];
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index]!.text;
    const visible = text.includes('\u001b') ? text.replace(ansiCodes, '') : text;
    if (visible.toLowerCase().includes(needle)) found.push(index);
  }
  return found;
}

/** The raw log as the job printed it, one line per row. */
export function rawText(lines: readonly LogRow[]): string {
  return lines.map((line) => line.text).join('\n') + (lines.length ? '\n' : '');
}
