// The plain view (not a TTY): one line per job state change, and with --logs each output line
// prefixed by its job.
import { isSlotWait, type FarmEvent } from '../../core/protocol/types';

export interface LineViewOptions {
  write: (text: string) => void;
  logs: boolean;
}

/** Returns an event listener that prints plain lines, and a flush for partial log lines. */
export function createLineView(options: LineViewOptions): { onEvent: (event: FarmEvent) => void; flush: () => void } {
  const partial = new Map<string, string>();
  const started = new Map<string, number>();

  const onEvent = (event: FarmEvent) => {
    if (event.type === 'job') {
      // Handed to an agent's queue place: its line comes when it starts, a moment later.
      if ((event.state === 'queued' && !event.reason) || (event.state === 'running' && isSlotWait(event.reason))) return;
      if (event.state === 'running') started.set(event.job, event.at);
      const extras: string[] = [];
      if (event.state === 'running' && event.agent) extras.push(`on ${event.agent}`);
      if (event.waiting) extras.push(`held by ${event.waiting.holders.map((h) => `${h.build} ${h.job}`).join(', ') || 'nobody'}, place ${event.waiting.position}`);
      const since = started.get(event.job);
      if (since !== undefined && event.state !== 'running' && event.state !== 'waiting') extras.push(seconds(event.at - since));
      if (event.reason) extras.push(event.reason);
      options.write(`${event.job} ${event.state}${extras.length ? ` (${extras.join('; ')})` : ''}\n`);
    } else if (event.type === 'build') {
      options.write(`build ${event.build} ${event.state}\n`);
    } else if (event.type === 'log' && options.logs) {
      const key = `${event.job}\u0000${event.stream}`;
      const text = (partial.get(key) ?? '') + event.data;
      const lines = text.split('\n');
      partial.set(key, lines.pop() ?? '');
      for (const line of lines) options.write(`${event.job} | ${line}\n`);
    }
  };
  const flush = () => {
    for (const [key, rest] of partial) if (rest) options.write(`${key.split('\u0000')[0]} | ${rest}\n`);
    partial.clear();
  };
  return { onEvent, flush };
}

/** A duration in seconds with one decimal, e.g. `1.2s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
