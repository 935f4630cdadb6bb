// An in-memory channel pair: the embedded agent of `farmhand run` talks to the coordinator through
// it exactly as a LAN agent will through a WebSocket. Messages are copied (as on a wire) and
// delivered asynchronously, in order.
import type { Channel } from './types';

/** Two connected ends: what one sends, the other receives. */
export function createChannelPair<A, B>(): [Channel<B, A>, Channel<A, B>] {
  const left = new Endpoint<B, A>();
  const right = new Endpoint<A, B>();
  left.peer = right;
  right.peer = left;
  return [left, right];
}

class Endpoint<In, Out> implements Channel<In, Out> {
  peer?: Endpoint<Out, In>;
  private handlers: ((message: In) => void)[] = [];
  private closeHandlers: ((reason: string) => void)[] = [];
  private closed = false;

  send(message: Out): void {
    if (this.closed) return;
    const copy = structuredClone(message);
    const peer = this.peer;
    queueMicrotask(() => peer?.deliver(copy));
  }

  deliver(message: In): void {
    if (this.closed) return;
    for (const handler of this.handlers) handler(message);
  }

  onMessage(handler: (message: In) => void): void {
    this.handlers.push(handler);
  }

  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.closeHandlers) handler(reason);
    this.peer?.close(reason);
  }
}
