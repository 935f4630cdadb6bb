// What the coordinator does with what agent sessions (agent-sessions.ts) tell: an agent online (its
// re-opened attempts adopted, the agent recorded, a scheduling round asked for), lost or silent (its
// attempts end as `agent_lost`), an attempt dropped or never received (ended, or sent again), a late
// result of an attempt already lost (recorded on that attempt's own rows only), and an attempt's log
// lines, start and result (those of attempts a stopped coordinator assigned go to resume.ts's orphans).
import type { AttemptOutcome, FarmEvent } from '../protocol/types';
import { attemptRowId, type Store } from '../store/types';
import type { AgentSession, Attempt, SessionHandlers } from './agent-sessions';
import { attemptSpecOf } from './attempts';
import type { RemoteOrphans } from './resume';

/** What the handlers reach of the coordinator. */
export interface SessionEventsHost {
  store: Store;
  orphans: RemoteOrphans;
  now(): number;
  warn(message: string): void;
  publish(event: FarmEvent): void;
  requestRound(): void;
  /** The agent started this attempt (start times come from the coordinator's clock). */
  running(attempt: Attempt): void;
  /** Ends an attempt with this outcome, as its agent's result would. */
  result(session: AgentSession, attempt: string, outcome: AttemptOutcome): void;
}

/** How an attempt ends when its agent is gone (`why`: what happened to agent `name`). */
export function agentLost(name: string, why: string): AttemptOutcome {
  return { status: 'failed', reason: 'agent_lost', message: `agent ${name} ${why}` };
}

export function sessionHandlers(host: SessionEventsHost): SessionHandlers {
  const lost = (session: AgentSession, attempt: string, why: string) => host.result(session, attempt, agentLost(session.info.name, why));
  return {
    online: (session) => {
      host.orphans.adopt(session);
      host.store.upsertAgent(session.info, host.now());
      host.publish({ type: 'agent', agent: session.info, state: 'online', at: host.now() });
      host.requestRound();
    },
    message: (session, message) => {
      if (message.type === 'log') {
        const attempt = session.attempts.get(message.attempt);
        if (!attempt) return void host.orphans.message(session, message);
        if (message.seq <= attempt.lastSeq) return; // late or repeated: already recorded
        attempt.lastSeq = message.seq;
        const { build } = attempt;
        const job = attempt.members[0]!.plan.id;
        const at = host.now();
        const seq = host.store.appendLog({ build: build.id, job, attempt: attempt.id, stream: message.stream, data: message.data, at });
        host.publish({ type: 'log', build: build.id, job, seq, stream: message.stream, data: message.data, at });
      } else if (message.type === 'started') {
        const attempt = session.attempts.get(message.attempt);
        if (attempt) host.running(attempt);
      } else if (message.type === 'result') {
        if (!session.attempts.has(message.attempt)) return void host.orphans.message(session, message);
        host.result(session, message.attempt, message.outcome);
      }
    },
    lost: (session, why) => {
      host.publish({ type: 'agent', agent: session.info, state: 'offline', at: host.now() });
      for (const attempt of [...session.attempts.values()]) lost(session, attempt.id, why);
    },
    dropped: (session, attempt) => lost(session, attempt.id, 'no longer runs it'),
    resend: (session, attempt) => {
      host.warn(`agent ${session.info.name} never got ${attempt.id}; sending it again`);
      if (attempt.members.some((job) => job.cancelReason !== undefined)) return host.result(session, attempt.id, { status: 'canceled', reason: 'canceled' });
      session.channel.send({ type: 'assign', attempt: attemptSpecOf(attempt.id, attempt.build, attempt.members, attempt.batch) });
    },
    unreachable: (session) => host.publish({ type: 'agent', agent: session.info, state: 'unreachable', at: host.now() }),
    late: (session, attempt, outcome) => {
      // Recorded on the lost attempt's own rows; the job has moved on to a newer attempt.
      host.warn(`agent ${session.info.name} came back with the result of ${attempt.id} (${outcome.status}), already lost and rerun`);
      host.store.forgetRemoteAttempt(attempt.id);
      attempt.members.forEach((_job, index) => {
        host.store.finishAttempt(attemptRowId(attempt.id, index), { finishedAt: host.now(), status: outcome.status, reason: outcome.reason ?? 'agent_lost', exitCode: outcome.exitCode });
      });
    },
  };
}
