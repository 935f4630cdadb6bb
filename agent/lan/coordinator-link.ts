// The agent's lasting link to one coordinator identity, across its connections: the agent loop talks
// to one channel that outlives a cut. Numbered messages go through the outbox (on disk) and out on
// the current connection once it is welcomed; a new connection says hello with the attempts held here
// and, on welcome, resends everything past the coordinator's `acked`. A heartbeat listing those
// attempts leaves every second. A dropped connection ends nothing: the jobs run on.
import type { AgentMessage, Channel, CoordinatorMessage } from '../../core/protocol/types';
import type { Outbox } from './outbox';

const numbered = new Set<AgentMessage['type']>(['started', 'log', 'outputs', 'result']);

export interface CoordinatorLink {
  /** The agent loop's channel: it closes only when the link does. */
  channel: Channel<CoordinatorMessage, AgentMessage>;
  /** A new connection from this coordinator (an older one is closed). */
  connect(connection: Channel<CoordinatorMessage, AgentMessage>): void;
}

export interface CoordinatorLinkOptions {
  outbox: Outbox;
  heartbeatMs?: number;
  log(line: string): void;
}

export function createCoordinatorLink(options: CoordinatorLinkOptions): CoordinatorLink {
  const { outbox } = options;
  const handlers: ((message: CoordinatorMessage) => void)[] = [];
  const closeHandlers: ((reason: string) => void)[] = [];
  let current: Channel<CoordinatorMessage, AgentMessage> | undefined;
  let welcomed = false;
  let hello: Extract<AgentMessage, { type: 'hello' }> | undefined;
  let closed = false;
  /** Attempts assigned here whose result the coordinator has not acknowledged. */
  const assigned = new Set<string>();

  const held = () => {
    const ids = new Set(assigned);
    for (const entry of outbox.pending()) if (entry.message.type === 'result') ids.add(entry.message.attempt);
    return [...ids];
  };
  const acknowledge = (acked: number) => {
    const results = outbox.pending().filter((entry) => entry.n <= acked && entry.message.type === 'result');
    outbox.ack(acked);
    for (const entry of results) assigned.delete((entry.message as { attempt: string }).attempt);
  };
  const sayHello = () => {
    if (hello && current) current.send({ ...hello, running: held() });
  };

  const timer = setInterval(() => {
    if (current && welcomed) current.send({ type: 'heartbeat', running: held() });
  }, options.heartbeatMs ?? 1000);

  function connect(connection: Channel<CoordinatorMessage, AgentMessage>): void {
    if (closed) return connection.close();
    const previous = current;
    current = connection;
    welcomed = false;
    previous?.close();
    connection.onMessage((message) => {
      if (current !== connection) return;
      if (message.type === 'heartbeat') return acknowledge(message.acked);
      if (message.type === 'welcome') {
        const acked = message.acked ?? 0;
        outbox.renumberAfter(acked);
        acknowledge(acked);
        welcomed = true;
        for (const entry of outbox.pending()) connection.send(entry.message);
      }
      if (message.type === 'assign') assigned.add(message.attempt.id);
      for (const handler of handlers) handler(message);
    });
    connection.onClose(() => {
      if (current !== connection) return;
      current = undefined;
      welcomed = false;
    });
    sayHello();
  }

  const channel: Channel<CoordinatorMessage, AgentMessage> = {
    send(message) {
      if (closed) return;
      if (message.type === 'hello') {
        hello = message;
        return sayHello();
      }
      if (numbered.has(message.type)) {
        const entry = outbox.add(message);
        if (current && welcomed) current.send(entry);
        return;
      }
      if (current && welcomed) current.send(message);
    },
    onMessage: (handler) => void handlers.push(handler),
    onClose: (handler) => void closeHandlers.push(handler),
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      current?.close('the agent is shutting down');
      current = undefined;
      for (const handler of closeHandlers) handler('the agent is closing');
    },
    // Blob senders wait on the connection of the moment (backpressure).
    drained: () => current?.drained?.() ?? Promise.resolve(),
  };
  return { channel, connect };
}
