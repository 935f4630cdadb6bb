// The shell's one connection to the coordinator, as the renderer makes it: the event WebSocket
// (`/api/events?since=SEQ`, Bearer token, reconnect with replay of what was missed) and the few
// HTTP calls the tray and the launch arguments need (cancel a build, open a project folder).
import WebSocket from 'ws';
import type { FarmEvent } from '../core/protocol/types';

export interface FarmClientOptions {
  /** The coordinator's base URL, `http://127.0.0.1:PORT`. */
  url: string;
  token: string;
  onEvents(events: FarmEvent[]): void;
  /** Connection changes, with a one-line reason when it dropped. */
  onStatus?(status: 'connected' | 'disconnected', detail?: string): void;
  /** Delay before reconnecting; doubles up to 10 s (default 250 ms). */
  reconnectMs?: number;
}

export interface FarmClient {
  /** The sequence number of the last events received (0 before any). */
  readonly seq: number;
  cancelBuild(build: string): Promise<void>;
  /** Asks the coordinator to serve a project folder (`POST /api/projects`). */
  openProject(dir: string): Promise<void>;
  close(): Promise<void>;
}

const eventTypes = new Set(['build', 'job', 'log', 'agent']);

/**
 * One message of the event stream: `{ hello: true, seq }` on connecting (the coordinator's newest
 * sequence number), then batches `{ seq, events }`; `reset: true` marks a batch from a coordinator
 * that started over (its numbers restart, so an older seq is not a replay).
 */
export type EventsMessage = { hello: true; seq: number } | { seq: number; events: FarmEvent[]; reset: boolean };

/** Checks one WebSocket message; malformed events are dropped, not thrown. */
export function parseEventsMessage(text: string): EventsMessage | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { error: 'event message is not JSON' };
  }
  if (typeof data !== 'object' || data === null) return { error: 'event message is not an object' };
  const { seq, events, hello, reset } = data as { seq?: unknown; events?: unknown; hello?: unknown; reset?: unknown };
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) return { error: 'event message has no valid seq' };
  if (hello === true) return { hello: true, seq: seq as number };
  if (!Array.isArray(events)) return { error: 'event message has no events list' };
  const valid = events.filter(
    (event): event is FarmEvent =>
      typeof event === 'object' && event !== null && eventTypes.has((event as { type?: unknown }).type as string) && typeof (event as { at?: unknown }).at === 'number',
  );
  return { seq: seq as number, events: valid, reset: reset === true };
}

/** The WebSocket URL of the event stream, replaying from `since` when it is above 0. */
export function eventsUrl(base: string, since: number): string {
  const url = new URL('/api/events', base);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (since > 0) url.searchParams.set('since', String(since));
  return url.href;
}

/** Connects to the coordinator's events (reconnecting until closed) and offers its HTTP calls. */
export function connectFarm(options: FarmClientOptions): FarmClient {
  const baseDelay = options.reconnectMs ?? 250;
  let seq = 0;
  let delay = baseDelay;
  let closed = false;
  let socket: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;

  const connect = () => {
    const current = new WebSocket(eventsUrl(options.url, seq), { headers: { Authorization: `Bearer ${options.token}` } });
    socket = current;
    current.on('open', () => {
      delay = baseDelay;
      options.onStatus?.('connected');
    });
    current.on('message', (data) => {
      const parsed = parseEventsMessage(data.toString());
      if ('error' in parsed) return;
      if ('hello' in parsed) {
        // The first connection starts from now; a reconnection keeps its own place.
        if (seq === 0) seq = parsed.seq;
        return;
      }
      if (parsed.seq < seq && !parsed.reset) return; // a replay overlapping what we already have
      seq = parsed.seq;
      if (parsed.events.length > 0) options.onEvents(parsed.events);
    });
    current.on('error', () => {
      // 'close' follows and reports it
    });
    current.on('close', (code, reason) => {
      if (closed) return;
      options.onStatus?.('disconnected', reason.length > 0 ? reason.toString() : `connection closed (${code})`);
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    });
  };
  connect();

  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, options.url), {
      method,
      headers: { Authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) {
      const detail = (await response.json().catch(() => ({}))) as { error?: unknown };
      throw new Error(typeof detail.error === 'string' ? detail.error : `${method} ${path}: HTTP ${response.status}`);
    }
  };

  return {
    get seq() {
      return seq;
    },
    cancelBuild: (build) => request('POST', `/api/builds/${encodeURIComponent(build)}/cancel`),
    openProject: (dir) => request('POST', '/api/projects', { dir }),
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const current = socket;
      if (!current || current.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        current.once('close', () => resolve());
        if (current.readyState === WebSocket.CONNECTING) current.terminate();
        else current.close();
      });
    },
  };
}
