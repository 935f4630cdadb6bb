// The logs slice: the one job log on screen. Its lines live in an append-only array that is shared,
// not copied, between states (copying a 1,000,000-line array per event would stall the window);
// `version` changes on every append so selectors notice.
import type { StateCreator } from 'zustand/vanilla';
import type { FarmEvent, LogStream } from '../../core/protocol/types';
import type { LogLinePage } from './api-types';
import type { FarmState } from './store';

export type LogEvent = Extract<FarmEvent, { type: 'log' }>;

export interface LogRow {
  text: string;
  stream: LogStream;
}

export interface LogData {
  build: string | null;
  job: string | null;
  lines: LogRow[];
  /** The last sequence number shown: the API is asked for lines after it, and events up to it are skipped. */
  next: number;
  version: number;
  loading: boolean;
  error: string | null;
  /** Live events that arrived while pages were loading; applied after the last page, in order. */
  pending: LogEvent[];
}

export interface LogsSlice {
  log: LogData;
  openLog(build: string, job: string): void;
  closeLog(): void;
  appendLogPage(build: string, job: string, page: LogLinePage): void;
  applyLogEvents(events: LogEvent[]): void;
  /** The last page is in: live events held back meanwhile are applied, and new ones go straight in. */
  finishLogLoad(error?: string | null): void;
}

function appendEvents(log: LogData, events: LogEvent[]): Partial<LogData> | null {
  let next = log.next;
  let appended = false;
  for (const event of events) {
    if (event.build !== log.build || event.job !== log.job || event.seq <= next) continue;
    for (const text of splitLines(event.data)) log.lines.push({ text, stream: event.stream });
    next = event.seq;
    appended = true;
  }
  return appended ? { next, version: log.version + 1 } : null;
}

function emptyLog(build: string | null, job: string | null): LogData {
  return { build, job, lines: [], next: 0, version: 0, loading: build !== null, error: null, pending: [] };
}

/** Lines of one chunk of output: a trailing newline ends the last line rather than starting an empty one. */
export function splitLines(data: string): string[] {
  const trimmed = data.endsWith('\n') ? data.slice(0, -1) : data;
  return trimmed.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** The log on screen: pages from the API first, then live log events past the last page. */
export const createLogsSlice: StateCreator<FarmState, [], [], LogsSlice> = (set) => ({
  log: emptyLog(null, null),
  openLog(build, job) {
    set({ log: emptyLog(build, job) });
  },
  closeLog() {
    set({ log: emptyLog(null, null) });
  },
  appendLogPage(build, job, page) {
    set((state) => {
      const log = state.log;
      if (log.build !== build || log.job !== job) return {};
      let next = log.next;
      for (const line of page.lines) {
        if (line.seq <= next) continue;
        for (const text of splitLines(line.text)) log.lines.push({ text, stream: line.stream });
        next = line.seq;
      }
      return { log: { ...log, next: Math.max(next, page.next), version: log.version + 1 } };
    });
  },
  applyLogEvents(events) {
    set((state) => {
      const log = state.log;
      if (log.loading) {
        // Appending now would move `next` past lines the pages still bring: hold events until they are in.
        const mine = events.filter((event) => event.build === log.build && event.job === log.job);
        return mine.length ? { log: { ...log, pending: [...log.pending, ...mine] } } : {};
      }
      const update = appendEvents(log, events);
      return update ? { log: { ...log, ...update } } : {};
    });
  },
  finishLogLoad(error = null) {
    set((state) => {
      const log = state.log;
      const update = appendEvents(log, log.pending) ?? {};
      return { log: { ...log, ...update, loading: false, error, pending: [] } };
    });
  },
});
