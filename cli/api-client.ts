// A client of a running coordinator's local API: what a second `farmhand run`, `farmhand cancel`
// and the desktop app use to submit, follow and steer builds of the process that owns a state dir.
import WebSocket from 'ws';
import type { FarmEvent } from '../core/protocol/types';
import type { EventBatch } from '../core/server/event-stream';
import type { OwnerAddress } from './coordinator-host';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** Opens the event stream; resolves once it is connected, so nothing after that is missed. */
  follow(onEvents: (events: FarmEvent[]) => void, onClose: (reason: string) => void): Promise<{ close(): void }>;
  /** Gives up every request still under way. */
  abort(): void;
}

/** A client for the coordinator at `address`. */
export function createApiClient(address: OwnerAddress): ApiClient {
  const inFlight = new Set<AbortController>();
  const headers = { authorization: `Bearer ${address.token}`, 'content-type': 'application/json' };
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    let text: string;
    // A timer that keeps the process alive and bounds the wait: a coordinator that dies mid-request
    // must not leave a promise that nothing will ever settle.
    const abort = new AbortController();
    inFlight.add(abort);
    const timer = setTimeout(() => abort.abort(), 30_000);
    try {
      response = await fetch(`${address.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: abort.signal });
      text = await response.text();
    } catch (error) {
      throw new ApiError(`cannot reach the coordinator at ${address.url} (pid ${address.pid}): ${error instanceof Error ? error.message : String(error)}`, 0);
    } finally {
      clearTimeout(timer);
      inFlight.delete(abort);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(`the coordinator at ${address.url} answered ${response.status} with something that is not JSON`, response.status);
    }
    if (!response.ok) throw new ApiError((parsed as { error?: string }).error ?? `HTTP ${response.status}`, response.status);
    return parsed as T;
  };
  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    abort: () => inFlight.forEach((controller) => controller.abort()),
    follow(onEvents, onClose) {
      const url = `${address.url.replace(/^http/, 'ws')}/api/events`;
      const socket = new WebSocket(url, { headers: { authorization: headers.authorization } });
      let open = false;
      let ended = false;
      return new Promise((resolve, reject) => {
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as Partial<EventBatch> & { hello?: boolean };
          if (message.hello) {
            open = true;
            resolve({ close: () => ((ended = true), socket.close()) });
          } else if (message.events) onEvents(message.events);
        });
        socket.on('error', (error) => {
          if (!open) reject(new ApiError(`cannot follow the coordinator's events at ${url}: ${error.message}`, 0));
        });
        socket.on('close', () => {
          // Closed before it said hello (the owner is stopping): the caller may try the next owner.
          if (!open) reject(new ApiError(`the coordinator at ${url} closed the event stream before it opened`, 0));
          else if (!ended) onClose(`the coordinator (pid ${address.pid}) closed the connection`);
        });
      });
    },
  };
}
