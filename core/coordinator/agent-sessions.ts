// Agent sessions: each agent's channel, hello and welcome, the attempts it runs, a reconnect with the
// same id (it keeps its attempts; the stale channel's close does not end the live session), and
// silence: an agent that sends heartbeats is `unreachable` after 3 s without a word (it gets no new
// work) and lost past its limit (`agent_lost_after` of its attempts' builds), as if its channel had
// closed; an attempt its hello or heartbeats stop listing (it restarted) is lost too. A result that
// comes back for an attempt already lost is handed on as late. A remote agent is only another kind
// of channel here. An agent with a queue gets queue places only while its attempts run quickly.
import { protocolVersion } from '../protocol/types';
import type { AgentInfo, AgentMessage, Channel, CoordinatorMessage } from '../protocol/types';
import { validateAgentMessage } from '../protocol/validate';
import { queueJobMaxMs } from '../schedule/queue-places';
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
  /** When the last of those misses was counted (misses arriving in one burst count once). */
  missedAt?: number;
  /** When the agent said it started it (it got the assignment), by the coordinator's clock. */
  startedAt?: number;
  /** Handed to a queue place: it started when a slot freed, after its assignment. */
  queued?: boolean;
}

export interface AgentSession {
  info: AgentInfo;
  channel: Channel<AgentMessage, CoordinatorMessage>;
  attempts: Map<string, Attempt>;
  /** When it was last heard from; watched once it has sent a heartbeat. */
  heardAt: number;
  sendsHeartbeats: boolean;
  /** `unreachable`: silent for a while; it keeps its attempts but gets no new work. */
  state: 'online' | 'unreachable';
  /** It said it shuts down: no new work. */
  leaving?: boolean;
  /** The attempts its hello said it holds (a LAN agent). */
  listed?: string[];
  /** Its last attempts in a row that ran within queueJobMaxMs (queue places go only to such an agent). */
  quickRun?: number;
}

export interface SessionHandlers {
  /** An agent said hello (first time or again). */
  online(session: AgentSession): void;
  /** Any other message of an introduced agent. */
  message(session: AgentSession, message: Exclude<AgentMessage, { type: 'hello' | 'heartbeat' | 'leaving' }>): void;
  /** The live session ended (its channel closed, or it went silent): its attempts are lost. */
  lost(session: AgentSession, why: string): void;
  /** Two heartbeats in a row (or a hello) did not list this attempt: the agent no longer runs it. */
  dropped(session: AgentSession, attempt: Attempt): void;
  /** The agent went silent (3 missed heartbeats); `online` tells when it is heard again. */
  unreachable?(session: AgentSession): void;
  /** An attempt the agent never got (assigned into a connection that died): send it again. */
  resend?(session: AgentSession, attempt: Attempt): void;
  /** A result for an attempt that was lost with its agent (and may run again elsewhere). */
  late?(session: AgentSession, attempt: Attempt, outcome: Extract<AgentMessage, { type: 'result' }>['outcome']): void;
}

export interface SessionOptions {
  clock: Clock;
  name: string;
  warn: (message: string) => void;
  /** How long an agent that sends heartbeats may stay silent before it counts as lost, unless its attempts' builds say (agent_lost_after). */
  silenceMs: number;
  /** Silence after which an agent is unreachable (default 3 s: three missed heartbeats). */
  unreachableMs?: number;
}

/** Quick attempts in a row after which an agent with a queue is handed queue places. */
const quickStreak = 4;

/**
 * Queue places (AgentInfo.queue) the agent may be handed now: none until its last attempts ran
 * quickly, where the round trip a queue place saves is worth having; then what its queue has free.
 */
export function queuePlaces(session: AgentSession): number {
  const queue = session.info.queue ?? 0;
  if (queue === 0 || (session.quickRun ?? 0) < quickStreak) return 0;
  return Math.max(0, Math.min(queue, session.info.slots + queue - session.attempts.size));
}

/** Counts an ended attempt towards the agent's run of quick attempts, or ends the run. */
export function countRun(session: AgentSession, attempt: Attempt, now: number): void {
  const ran = attempt.startedAt === undefined ? undefined : now - attempt.startedAt;
  session.quickRun = ran !== undefined && ran <= queueJobMaxMs ? (session.quickRun ?? 0) + 1 : 0;
}

/** Lost attempts remembered for their late results. */
const lostKept = 1000;

/** Heartbeats that do not list an attempt count as one miss when they arrive closer than this. */
const missSpacingMs = 800;

export class AgentSessions {
  /** Live sessions by agent id: the ones that get work. */
  readonly live = new Map<string, AgentSession>();
  /** Attempts lost with their agent, for a result that still comes back. */
  private readonly lost = new Map<string, Attempt>();
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
      if (session.state === 'unreachable' && this.live.get(session.info.id) === session) {
        session.state = 'online';
        this.handlers.online(session);
      }
      if (message.type === 'leaving') session.leaving = true;
      else if (message.type === 'heartbeat') {
        session.sendsHeartbeats = true;
        this.watchSilence();
        this.reconcile(session, message.running);
      } else if (message.type === 'result' && !session.attempts.has(message.attempt) && this.lost.has(message.attempt)) {
        const attempt = this.lost.get(message.attempt)!;
        this.lost.delete(message.attempt);
        this.handlers.late?.(session, attempt, message.outcome);
      } else {
        if (message.type === 'started') {
          const attempt = session.attempts.get(message.attempt);
          if (attempt) attempt.startedAt = session.heardAt;
        }
        this.handlers.message(session, message);
      }
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
      info: message.agent, channel, attempts: previous?.attempts ?? new Map(), heardAt: this.options.clock.now(), sendsHeartbeats: previous?.sendsHeartbeats ?? message.running !== undefined, state: 'online', listed: message.running,
    };
    if (message.protocol === protocolVersion) this.live.set(message.agent.id, session);
    channel.send({ type: 'welcome', protocol: protocolVersion, coordinator: this.options.name });
    this.handlers.online(session);
    if (message.running) {
      // A LAN agent: it sends heartbeats, so its silence is watched from now on.
      session.sendsHeartbeats = true;
      this.watchSilence();
      // An agent that came back without an attempt it ran (it restarted) will never finish it. One it
      // never said it started was assigned into a connection that died before it arrived: send it again.
      const listed = new Set(message.running);
      for (const attempt of [...session.attempts.values()]) {
        if (listed.has(attempt.id)) continue;
        if (attempt.startedAt === undefined && this.handlers.resend) {
          attempt.missed = 0;
          this.handlers.resend(session, attempt);
        } else this.drop(session, attempt);
      }
      // One it still runs that was lost meanwhile (rerun elsewhere): stop it there.
      for (const id of listed) if (this.lost.has(id) && !session.attempts.has(id)) channel.send({ type: 'cancel', attempt: id, reason: 'agent_lost' });
    }
    return session;
  }

  private end(session: AgentSession, why: string): void {
    this.live.delete(session.info.id);
    for (const attempt of session.attempts.values()) this.remember(attempt);
    this.handlers.lost(session, why);
  }

  private drop(session: AgentSession, attempt: Attempt): void {
    this.remember(attempt);
    this.handlers.dropped(session, attempt);
  }

  private remember(attempt: Attempt): void {
    this.lost.set(attempt.id, attempt);
    if (this.lost.size > lostKept) this.lost.delete(this.lost.keys().next().value!);
  }

  /** How long this agent may stay silent: the shortest `agent_lost_after` of the builds it runs for. */
  private lostAfter(session: AgentSession): number {
    let limit: number | undefined;
    for (const attempt of session.attempts.values()) {
      const own = (attempt.build as BuildRun | undefined)?.plan.agentLostAfterMs;
      if (own !== undefined) limit = Math.min(limit ?? own, own);
    }
    return limit ?? this.options.silenceMs;
  }

  /**
   * Attempts the agent should run but does not list: two heartbeats in a row, so an assign still on
   * its way when the first was sent is not taken for lost. Misses count once per `missSpacingMs` of
   * arrival: heartbeats held up by a short cut arrive in a burst, all written before the assign that
   * was held up with them reached the agent.
   */
  private reconcile(session: AgentSession, running: string[]): void {
    const listed = new Set(running);
    const now = this.options.clock.now();
    for (const attempt of [...session.attempts.values()]) {
      if (listed.has(attempt.id)) {
        attempt.missed = 0;
        continue;
      }
      if (attempt.missedAt !== undefined && attempt.missed && now - attempt.missedAt < missSpacingMs) continue;
      attempt.missed = (attempt.missed ?? 0) + 1;
      attempt.missedAt = now;
      if (attempt.missed >= 2) this.drop(session, attempt);
    }
  }

  /** Checks twice a second for agents that went quiet; runs only while some agent sends heartbeats. */
  private watchSilence(): void {
    if (this.watch !== undefined) return;
    const { clock } = this.options;
    const unreachableMs = this.options.unreachableMs ?? 3000;
    this.watch = clock.setTimeout(() => {
      this.watch = undefined;
      const now = clock.now();
      for (const session of [...this.live.values()]) {
        if (!session.sendsHeartbeats) continue;
        const silent = now - session.heardAt;
        if (silent > this.lostAfter(session)) {
          this.end(session, `went silent for ${(silent / 1000).toFixed(1)} s`);
          session.channel.close();
        } else if (silent > unreachableMs && session.state === 'online') {
          session.state = 'unreachable';
          this.handlers.unreachable?.(session);
        }
      }
      if ([...this.live.values()].some((session) => session.sendsHeartbeats)) this.watchSilence();
    }, 500);
  }
}
