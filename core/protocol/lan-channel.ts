// A Channel over a frame socket (a WebSocket on either side, adapted there): every received frame is
// size-checked, parsed and validated at the boundary. A bad frame gets an error reply and a log line
// and is dropped; it never reaches the agent or coordinator, and never crashes either side.
import { lanDefaults, parseFrame, type LanErrorMessage } from './lan';
import { highWaterBytes } from './transfer';
import type { Channel } from './types';

/** The least a transport must offer: text frames in and out, and a close. */
export interface FrameSocket {
  send(text: string): void;
  onFrame(handler: (text: string, bytes: number) => void): void;
  onClose(handler: (reason: string) => void): void;
  close(code: number, reason: string): void;
  /** Bytes queued for the socket and not yet sent (backpressure for blob transfers). */
  bufferedBytes?(): number;
}

/** A sender waiting in drained() resumes once the socket's buffer is below this. */
const lowWaterBytes = 1 << 20;

export interface FramedChannelOptions<In> {
  validate(value: unknown): { message: In } | { error: string };
  /** One line per problem (who sent what, and why it was refused). */
  log(line: string): void;
  limit?: number;
}

/** Wraps a frame socket as a Channel of validated messages. */
export function createFramedChannel<In, Out>(socket: FrameSocket, options: FramedChannelOptions<In>): Channel<In, Out> {
  const limit = options.limit ?? lanDefaults.messageLimitBytes;
  const handlers: ((message: In) => void)[] = [];
  const closeHandlers: ((reason: string) => void)[] = [];
  let closed = false;
  const reply = (error: string) => {
    options.log(`refused a message: ${error}`);
    socket.send(JSON.stringify({ type: 'error', error } satisfies LanErrorMessage));
  };

  socket.onFrame((text, bytes) => {
    if (closed) return;
    const parsed = parseFrame(text, bytes, limit);
    if ('error' in parsed) return reply(parsed.error);
    const value = parsed.value as { type?: unknown; error?: unknown };
    if (typeof value === 'object' && value !== null && value.type === 'error') {
      // The peer refused something we sent: log it, never answer (two sides would ping-pong errors).
      options.log(`the peer refused a message: ${String(value.error).slice(0, 300)}`);
      return;
    }
    const checked = options.validate(parsed.value);
    if ('error' in checked) return reply(checked.error);
    for (const handler of handlers) handler(checked.message);
  });
  socket.onClose((reason) => {
    if (closed) return;
    closed = true;
    for (const handler of closeHandlers) handler(reason);
  });

  return {
    send(message) {
      if (closed) return;
      const text = JSON.stringify(message);
      if (Buffer.byteLength(text) > limit) {
        options.log(`did not send a ${(message as { type?: string }).type ?? ''} message of ${Buffer.byteLength(text)} bytes: over the ${limit}-byte limit`);
        return;
      }
      socket.send(text);
    },
    onMessage: (handler) => void handlers.push(handler),
    onClose: (handler) => void closeHandlers.push(handler),
    close(goingAway) {
      if (closed) return;
      socket.close(goingAway === undefined ? 1000 : 1001, goingAway ?? 'closed');
    },
    drained() {
      const buffered = socket.bufferedBytes;
      if (!buffered || buffered() < highWaterBytes) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const check = () => (closed || buffered() < lowWaterBytes ? resolve() : void setTimeout(check, 2));
        check();
      });
    },
  };
}
