// The coordinator's lasting link to one paired agent, across its connections. Below the remote
// session: numbered messages already applied are dropped (a resend after a reconnect), and every
// second a heartbeat tells the agent it is alive and what was applied (`acked`); the welcome says
// where to resume. Above it: the session the coordinator sees (one per life of the agent), which a
// cut does not end; it ends when the agent is gone (its machine refuses the connection, or it came
// back restarted) or when the coordinator declares it lost after its silence.
import type { AgentMessage, Channel, CoordinatorMessage } from '../protocol/types';

export interface AgentLink {
  /** A freshly dialed connection to the agent. */
  connect(connection: Channel<AgentMessage, CoordinatorMessage>): void;
  connected(): boolean;
  /** The agent is gone: the coordinator's session of it ends now (its attempts are lost). */
  gone(why: string): void;
  close(): void;
}

export interface AgentLinkOptions {
  /** Wraps the lasting channel once (the remote session: snapshots and outputs). */
  wrap(channel: Channel<AgentMessage, CoordinatorMessage>): Channel<AgentMessage, CoordinatorMessage>;
  /** Hands a new session channel to the coordinator (coordinator.attachAgent). */
  attach(channel: Channel<AgentMessage, CoordinatorMessage>): void;
  heartbeatMs?: number;
  /** The highest numbered message applied by an earlier coordinator of this state dir (the store's). */
  acked?: number;
  /** Called after a numbered message was applied (the store keeps it with the writes it caused). */
  applied?(n: number): void;
  /** Commits what was applied before a heartbeat tells the agent it may drop it. */
  commit?(): void;
}

interface Session {
  channel: Channel<AgentMessage, CoordinatorMessage>;
  deliver(message: AgentMessage): void;
  end(why: string): void;
}

export function createAgentLink(options: AgentLinkOptions): AgentLink {
  let current: Channel<AgentMessage, CoordinatorMessage> | undefined;
  let introduced = false;
  /** The highest numbered message applied. */
  let applied = options.acked ?? 0;
  const baseHandlers: ((message: AgentMessage) => void)[] = [];
  const baseCloseHandlers: ((reason: string) => void)[] = [];
  let session: Session | undefined;

  const base: Channel<AgentMessage, CoordinatorMessage> = {
    send(message) {
      if (!current) return;
      current.send(message.type === 'welcome' ? { ...message, acked: applied } : message);
    },
    onMessage: (handler) => void baseHandlers.push(handler),
    onClose: (handler) => void baseCloseHandlers.push(handler),
    close: () => current?.close(),
    // Blob senders wait on the connection of the moment (backpressure).
    drained: () => current?.drained?.() ?? Promise.resolve(),
  };
  const remote = options.wrap(base);

  function newSession(): Session {
    const handlers: ((message: AgentMessage) => void)[] = [];
    const closeHandlers: ((reason: string) => void)[] = [];
    let ended = false;
    const made: Session = {
      channel: {
        send: (message) => void (!ended && remote.send(message)),
        onMessage: (handler) => void handlers.push(handler),
        onClose: (handler) => void closeHandlers.push(handler),
        // The coordinator gave up on it (silence): a later connection starts a new session.
        close: () => {
          made.end('closed by the coordinator');
          current?.close();
        },
      },
      deliver: (message) => handlers.forEach((handler) => handler(message)),
      end(why) {
        if (ended) return;
        ended = true;
        if (session === made) session = undefined;
        for (const handler of closeHandlers) handler(why);
      },
    };
    return made;
  }

  remote.onMessage((message) => {
    if (message.type === 'hello' && !session) {
      session = newSession();
      options.attach(session.channel);
    }
    session?.deliver(message);
  });

  const timer = setInterval(() => {
    if (!current || !introduced) return;
    options.commit?.();
    current.send({ type: 'heartbeat', acked: applied });
  }, options.heartbeatMs ?? 1000);

  return {
    connect(connection) {
      const previous = current;
      current = connection;
      introduced = false;
      previous?.close();
      connection.onMessage((message) => {
        if (current !== connection) return;
        if (message.type === 'hello') introduced = true;
        const n = (message as { n?: number }).n;
        if (n !== undefined) {
          if (n <= applied) return; // applied before a reconnect
          applied = n;
        }
        for (const handler of baseHandlers) handler(message);
        if (n !== undefined) options.applied?.(n);
      });
      connection.onClose((reason) => {
        if (current !== connection) return;
        current = undefined;
        // Closed with 1001: the agent shut down cleanly (its jobs reported canceled); no use waiting for it.
        if (/\(1001\b/.test(reason)) session?.end(`shut down (${reason})`);
      });
    },
    connected: () => current !== undefined,
    gone(why) {
      session?.end(why);
      current?.close();
    },
    close() {
      clearInterval(timer);
      session?.end('the coordinator is closing');
      current?.close();
      for (const handler of baseCloseHandlers) handler('closed');
    },
  };
}
