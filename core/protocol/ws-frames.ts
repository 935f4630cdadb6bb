// A WebSocket (the `ws` package's, seen through the few members used here, so this stays free of
// the driver) as the FrameSocket of lan-channel, with a heartbeat: a ping every second, and a peer
// silent for 3 s is cut (close 1006), since a crashed or cut-off machine sends nothing. One adapter
// for both ends: the agent and the coordinator's dialer.
import type { FrameSocket } from './lan-channel';

/** The members of a `ws` WebSocket this adapter uses. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly OPEN: number;
  readonly bufferedAmount: number;
  on(event: 'pong' | 'ping', listener: () => void): unknown;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[]) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  ping(): void;
  send(text: string): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
}

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
}

export const defaultHeartbeat: HeartbeatOptions = { intervalMs: 1000, timeoutMs: 3000 };

/** Adapts an open WebSocket; text frames only (binary frames are read as UTF-8). */
export function frameSocketOf(ws: WebSocketLike, heartbeat: HeartbeatOptions | null = defaultHeartbeat): FrameSocket {
  let heard = Date.now();
  const alive = () => void (heard = Date.now());
  ws.on('pong', alive);
  ws.on('ping', alive);
  ws.on('message', alive);
  // Errors (a reset, an oversized frame) end in 'close'; without a listener 'error' would throw.
  ws.on('error', () => {});
  const timer = heartbeat
    ? setInterval(() => {
        if (Date.now() - heard > heartbeat.timeoutMs) return void ws.terminate();
        if (ws.readyState === ws.OPEN) ws.ping();
      }, heartbeat.intervalMs)
    : undefined;
  ws.on('close', () => clearInterval(timer));
  return {
    send: (text) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
    },
    onFrame: (handler) =>
      void ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        handler(buffer.toString('utf8'), buffer.length);
      }),
    onClose: (handler) => void ws.on('close', (code: number, reason: Buffer) => handler(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`)),
    close: (code, reason) => ws.close(code, reason),
    bufferedBytes: () => ws.bufferedAmount,
  };
}
