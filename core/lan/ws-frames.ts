// A `ws` WebSocket as the FrameSocket of core/protocol/lan-channel, with a heartbeat: a ping every
// second, and a peer silent for 3 s is cut (close 1006), since a crashed or cut-off machine sends
// nothing. (The agent side has the same adapter in agent/lan/ws-frames.ts: layers do not share code.)
import type { WebSocket } from 'ws';
import type { FrameSocket } from '../protocol/lan-channel';

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
}

export const defaultHeartbeat: HeartbeatOptions = { intervalMs: 1000, timeoutMs: 3000 };

/** Adapts an open WebSocket; text frames only (binary frames are read as UTF-8). */
export function frameSocketOf(ws: WebSocket, heartbeat: HeartbeatOptions | null = defaultHeartbeat): FrameSocket {
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
  };
}
