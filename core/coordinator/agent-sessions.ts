// Agent sessions: each agent's channel, hello and welcome, the attempts it runs, a reconnect with the
// same id (it keeps its attempts; the stale channel's close does not end the live session), and
// silence: an agent that sends heartbeats and then goes quiet past the limit is lost, as if its
// channel had closed; an attempt its heartbeats stop listing (it restarted) is lost too. A remote
// agent is only another kind of channel here.
import { protocolVersion } from '../protocol/types';
import type { AgentInfo, AgentMessage, Channel, CoordinatorMessage } from '../protocol/types';
import { validateAgentMessage } from '../protocol/validate';
import type { Holder } from '../schedule/types';
import type { BuildRun, JobRun } from './build-run';
import type { Clock } from './types';

/** One attempt an agent runs: one job, or a batch led by the first member. */
export interface Attempt {
  id: string;
  build: BuildRun;
  members: JobRun[];
  batch?: string;
  acquired: { group: string; holder: Holder }[];
  /** The last log chunk recorded, so late or repeated chunks are dropped. */
  lastSeq: number;
  /** Heartbeats in a row that did not list it (an agent that restarted no longer runs it). */
  missed?: number;
}

export interface AgentSession {
  info: AgentInfo;
  channel: Channel<AgentMessage, CoordinatorMessage>;
  attempts: Map<string, Attempt>;
  /** When it was last heard from; watched once it has sent a heartbeat. */
  heardAt: number;
  sendsHeartbeats: boolean;
}

export interface SessionHandlers {
  /** An agent said hello (first time or again). */
  online(session: AgentSession): void;
  /** Any other message of an introduced agent. */
  message(session: AgentSession, message: Exclude<AgentMessage, { type: 'hello' | 'heartbeat' }>): void;
  /** The live session ended (its channel closed, or it went silent): its attempts are lost. */
  lost(session: AgentSession, why: string): void;
  /** Two heartbeats in a row did not list this attempt: the agent no longer runs it. */
  dropped(session: AgentSession, attempt: Attempt): void;
}

export interface SessionOptions {
  clock: Clock;
  name: string;
  warn: (message: string) => void;
  /** How long an agent that sends heartbeats may stay silent before it counts as lost. */
  silenceMs: number;
}

export class AgentSessions {
  /** Live sessions by agent id: the ones that get work. */
  readonly live = new Map<string, AgentSession>();
  private watch: unknown;

  constructor(
    private readonly options: SessionOptions,
    private readonly handlers: SessionHandlers,
  ) {}

  attach(channel: Channel<AgentMessage, CoordinatorMessage>): void {
    let session: AgentSession | undefined;
    channel.onMessage((raw) => {
      const checked = validateAgentMessage(raw);
      if ('error' in checked) {
        this.options.warn(`ignored a message from agent ${session?.info.name ?? '(not introduced)'}: ${checked.error}`);
        return;
      }
      const message = checked.message;
      if (message.type === 'hello') {
        session = this.hello(channel, message);
        return;
      }
      if (!session) return;
      session.heardAt = this.options.clock.now();
      if (message.type === 'heartbeat') {
        session.sendsHeartbeats = true;
        this.watchSilence();
        this.reconcile(session, message.running);
      } else this.handlers.message(session, message);
    });
    channel.onClose((reason) => {
      // A stale channel of an agent that has said hello again since must not end the live session.
      if (session && this.live.get(session.info.id)?.channel === channel) this.end(session, `went away: ${reason}`);
    });
  }

  /** The live session running this attempt, if any. */
  holding(attempt: string): AgentSession | undefined {
    for (const session of this.live.values()) if (session.attempts.has(attempt)) return session;
    return undefined;
  }

  close(): void {
    if (this.watch !== undefined) this.options.clock.clearTimeout(this.watch);
    this.watch = undefined;
  }

  private hello(channel: Channel<AgentMessage, CoordinatorMessage>, message: Extract<AgentMessage, { type: 'hello' }>): AgentSession {
    if (message.protocol !== protocolVersion) {
      this.options.warn(`agent ${message.agent.name} speaks protocol ${message.protocol}, this coordinator ${protocolVersion}: it gets no work`);
    }
    // The same agent on a new channel (a reconnect) keeps the attempts it runs.
    const previous = this.live.get(message.agent.id);
    const session: AgentSession = {
      info: message.agent, channel, attempts: previous?.attempts ?? new Map(), heardAt: this.options.clock.now(), sendsHeartbeats: previous?.sendsHeartbeats ?? false,
    };
    if (message.protocol === protocolVersion) this.live.set(message.agent.id, session);
    channel.send({ type: 'welcome', protocol: protocolVersion, coordinator: this.options.name });
    this.handlers.online(session);
    return session;
  }

  private end(session: AgentSession, why: string): void {
    this.live.delete(session.info.id);
    this.handlers.lost(session, why);
  }

  /**
   * Attempts the agent should run but does not list: two heartbeats in a row, so an assign still on
   * its way when the first was sent is not taken for lost.
   */
  private reconcile(session: AgentSession, running: string[]): void {
    const listed = new Set(running);
    for (const attempt of [...session.attempts.values()]) {
      attempt.missed = listed.has(attempt.id) ? 0 : (attempt.missed ?? 0) + 1;
      if (attempt.missed >= 2) this.handlers.dropped(session, attempt);
    }
  }

  /** Checks now and then for agents that went quiet; runs only while some agent sends heartbeats. */
  private watchSilence(): void {
    if (this.watch !== undefined) return;
    const { clock, silenceMs } = this.options;
    this.watch = clock.setTimeout(() => {
      this.watch = undefined;
      const now = clock.now();
      for (const session of [...this.live.values()]) {
        if (!session.sendsHeartbeats || now - session.heardAt <= silenceMs) continue;
        this.end(session, `went silent for ${((now - session.heardAt) / 1000).toFixed(1)} s`);
        session.channel.close();
      }
      if ([...this.live.values()].some((session) => session.sendsHeartbeats)) this.watchSilence();
    }, Math.max(1, Math.floor(silenceMs / 2)));
  }
}
