// Agent sessions with a manual clock: an agent that sends heartbeats and then goes silent is lost
// (its channel closed, once), one that keeps sending them stays, one that never sent any is not
// watched, an attempt that heartbeats stop listing is dropped, and a reconnect with the same id
// keeps the attempts.
import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AgentSessions, type AgentSession, type Attempt } from '../../../core/coordinator/agent-sessions';
import { createChannelPair } from '../../../core/protocol/channel';
import type { AgentMessage, Channel, CoordinatorMessage } from '../../../core/protocol/types';

/** Timers that fire only when the test moves the time on. */
function manualClock() {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout: (callback: () => void, ms: number) => {
      timers.set(++next, { at: now + ms, callback });
      return next;
    },
    clearTimeout: (handle: unknown) => void timers.delete(handle as number),
    pending: () => timers.size,
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = end;
    },
  };
}

function setup(silenceMs = 10_000, options: { resend?: boolean } = {}) {
  const clock = manualClock();
  const log: string[] = [];
  const sessions = new AgentSessions(
    { clock, name: 'test', warn: (message) => log.push(`warn ${message}`), silenceMs },
    {
      online: (session) => log.push(`online ${session.info.name}`),
      message: (session, message) => log.push(`${message.type} from ${session.info.name}`),
      lost: (session, why) => log.push(`lost ${session.info.name}: ${why} (${session.attempts.size} attempts)`),
      dropped: (session, attempt) => {
        session.attempts.delete(attempt.id);
        log.push(`dropped ${attempt.id} of ${session.info.name}`);
      },
      unreachable: (session) => log.push(`unreachable ${session.info.name}`),
      late: (session, attempt, outcome) => log.push(`late ${attempt.id} from ${session.info.name}: ${outcome.status}`),
      ...(options.resend ? { resend: (session: AgentSession, attempt: Attempt) => log.push(`resend ${attempt.id} to ${session.info.name}`) } : {}),
    },
  );
  const connect = (id = 'agent-1', running?: string[]) => {
    const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
    sessions.attach(coordinatorEnd);
    const received: CoordinatorMessage[] = [];
    let closed = false;
    agentEnd.onMessage((message) => received.push(message));
    coordinatorEnd.onClose(() => (closed = true));
    agentEnd.send({ type: 'hello', protocol: 1, agent: { id, name: id, pools: ['*'], labels: ['*'], slots: 1, executors: ['shell'] }, ...(running ? { running } : {}) });
    return { agent: agentEnd as Channel<CoordinatorMessage, AgentMessage>, received, closed: () => closed, close: () => coordinatorEnd.close() };
  };
  return { clock, log, sessions, connect };
}

const heartbeat: AgentMessage = { type: 'heartbeat', running: ['b-1.a1'] };
const attempt = (id: string) => ({ id }) as Attempt;

describe('agent sessions', () => {
  it('welcomes an agent and passes its messages on', async () => {
    const { log, sessions, connect } = setup();
    const one = connect();
    await turn();
    one.agent.send({ type: 'started', attempt: 'b-1.a1', at: 0 });
    await turn();
    expect(one.received).toEqual([{ type: 'welcome', protocol: 1, coordinator: 'test' }]);
    expect(log).toEqual(['online agent-1', 'started from agent-1']);
    expect([...sessions.live.keys()]).toEqual(['agent-1']);
  });

  it('an agent that sent heartbeats and then goes silent past the limit is lost, once', async () => {
    const { clock, log, sessions, connect } = setup(10_000);
    const one = connect();
    await turn();
    sessions.live.get('agent-1')!.attempts.set('b-1.a1', attempt('b-1.a1'));
    one.agent.send(heartbeat);
    await turn();
    clock.advance(8_000);
    one.agent.send(heartbeat);
    await turn();
    clock.advance(8_000);
    expect(sessions.live.has('agent-1')).toBe(true);
    clock.advance(8_000);
    expect(sessions.live.has('agent-1')).toBe(false);
    expect(one.closed()).toBe(true);
    expect(log.filter((line) => line.startsWith('lost'))).toEqual(['lost agent-1: went silent for 10.5 s (1 attempts)']);
    expect(clock.pending()).toBe(0);
  });

  it('keeps an agent that goes on sending heartbeats, and does not watch one that never sent any', async () => {
    const { clock, log, sessions, connect } = setup(10_000);
    const beating = connect('beating');
    connect('quiet');
    await turn();
    for (let i = 0; i < 10; i++) {
      beating.agent.send(heartbeat);
      await turn();
      clock.advance(4_000);
    }
    expect([...sessions.live.keys()].sort()).toEqual(['beating', 'quiet']);
    expect(log.some((line) => line.startsWith('lost') || line.startsWith('dropped'))).toBe(false);
    sessions.close();
    expect(clock.pending()).toBe(0);
  });

  it('a reconnect with the same id keeps the attempts; the stale channel closing ends nothing, the live one does', async () => {
    const { log, sessions, connect } = setup();
    const first = connect();
    await turn();
    const attempts = sessions.live.get('agent-1')!.attempts;
    attempts.set('b-1.a1', attempt('b-1.a1'));
    const second = connect();
    await turn();
    const live: AgentSession = sessions.live.get('agent-1')!;
    expect(live.attempts).toBe(attempts);
    first.close();
    await turn();
    expect(sessions.live.get('agent-1')).toBe(live);
    second.close();
    await turn();
    expect(sessions.live.has('agent-1')).toBe(false);
    expect(log.filter((line) => line.startsWith('lost'))).toEqual(['lost agent-1: went away: closed (1 attempts)']);
  });

  it('an attempt missing from two heartbeats in a row is dropped; missing from one is not', async () => {
    const { clock, log, sessions, connect } = setup();
    const one = connect();
    await turn();
    const attempts = sessions.live.get('agent-1')!.attempts;
    attempts.set('b-1.a1', attempt('b-1.a1'));
    attempts.set('b-1.a2', attempt('b-1.a2'));
    const beat = async (running: string[]) => {
      clock.advance(1000);
      one.agent.send({ type: 'heartbeat', running });
      await turn();
    };
    await beat(['b-1.a1']);
    await beat(['b-1.a1', 'b-1.a2']);
    await beat(['b-1.a2']);
    expect(log.filter((line) => line.startsWith('dropped'))).toEqual([]);
    // Heartbeats held up by a short cut arrive together: written before the agent got the assign, they count once.
    one.agent.send({ type: 'heartbeat', running: ['b-1.a2'] });
    one.agent.send({ type: 'heartbeat', running: ['b-1.a2'] });
    await turn();
    expect(log.filter((line) => line.startsWith('dropped'))).toEqual([]);
    await beat(['b-1.a2']);
    expect(log.filter((line) => line.startsWith('dropped'))).toEqual(['dropped b-1.a1 of agent-1']);
    expect([...attempts.keys()]).toEqual(['b-1.a2']);
    sessions.close();
  });

  it('an agent silent for 3 s is unreachable (published once), and online again when heard', async () => {
    const { clock, log, sessions, connect } = setup(60_000);
    const one = connect('agent-1', []);
    await turn();
    clock.advance(2_900);
    expect(sessions.live.get('agent-1')!.state).toBe('online');
    clock.advance(1_000);
    expect(sessions.live.get('agent-1')!.state).toBe('unreachable');
    clock.advance(5_000);
    expect(log.filter((line) => line.startsWith('unreachable'))).toEqual(['unreachable agent-1']);
    one.agent.send({ type: 'heartbeat', running: [] });
    await turn();
    expect(sessions.live.get('agent-1')!.state).toBe('online');
    expect(log.filter((line) => line.startsWith('online'))).toEqual(['online agent-1', 'online agent-1']);
    one.close();
    sessions.close();
  });

  it('a LAN agent (hello with running) is watched from its hello; agent_lost_after of its attempt\'s build sets the limit', async () => {
    const { clock, log, sessions, connect } = setup(60_000);
    const one = connect('agent-1', []);
    await turn();
    sessions.live.get('agent-1')!.attempts.set('b-1.a1', { id: 'b-1.a1', build: { plan: { agentLostAfterMs: 5_000 } } } as unknown as Attempt);
    clock.advance(4_900);
    expect(sessions.live.has('agent-1')).toBe(true);
    clock.advance(1_000);
    expect(sessions.live.has('agent-1')).toBe(false);
    expect(one.closed()).toBe(true);
    expect(log.filter((line) => line.startsWith('lost'))).toEqual(['lost agent-1: went silent for 5.5 s (1 attempts)']);
    sessions.close();
  });

  it('a hello that no longer lists an attempt (the agent restarted) drops it at once; a late result of a lost attempt is handed on as late', async () => {
    const { log, sessions, connect } = setup(60_000);
    const one = connect('agent-1', []);
    await turn();
    sessions.live.get('agent-1')!.attempts.set('b-1.a1', attempt('b-1.a1'));
    sessions.live.get('agent-1')!.attempts.set('b-1.a2', attempt('b-1.a2'));
    const again = connect('agent-1', ['b-1.a2']);
    await turn();
    expect(log.filter((line) => line.startsWith('dropped'))).toEqual(['dropped b-1.a1 of agent-1']);
    expect([...sessions.live.get('agent-1')!.attempts.keys()]).toEqual(['b-1.a2']);
    again.agent.send({ type: 'result', attempt: 'b-1.a1', outcome: { status: 'success', exitCode: 0 } });
    again.agent.send({ type: 'result', attempt: 'b-1.a1', outcome: { status: 'success', exitCode: 0 } });
    await turn();
    expect(log.filter((line) => line.startsWith('late'))).toEqual(['late b-1.a1 from agent-1: success']);
    // The second copy is an unknown attempt's result: passed on, and ignored there.
    expect(log.filter((line) => line.startsWith('result'))).toEqual(['result from agent-1']);
    one.close();
    again.close();
    sessions.close();
  });

  it('a hello that does not list an attempt the agent never said it started sends it again instead of losing it', async () => {
    const { log, sessions, connect } = setup(60_000, { resend: true });
    const one = connect('agent-1', []);
    await turn();
    const attempts = sessions.live.get('agent-1')!.attempts;
    attempts.set('b-1.a1', attempt('b-1.a1'));
    attempts.set('b-1.a2', attempt('b-1.a2'));
    one.agent.send({ type: 'started', attempt: 'b-1.a2', at: 0 });
    await turn();
    const again = connect('agent-1', []);
    await turn();
    expect(log.filter((line) => line.startsWith('resend') || line.startsWith('dropped'))).toEqual(['resend b-1.a1 to agent-1', 'dropped b-1.a2 of agent-1']);
    expect([...sessions.live.get('agent-1')!.attempts.keys()]).toEqual(['b-1.a1']);
    one.close();
    again.close();
    sessions.close();
  });

  it('a returning agent still running an attempt that was lost meanwhile is told to cancel it', async () => {
    const { sessions, connect } = setup(60_000);
    const one = connect('agent-1', []);
    await turn();
    sessions.live.get('agent-1')!.attempts.set('b-1.a1', attempt('b-1.a1'));
    one.close();
    await turn();
    expect(sessions.live.has('agent-1')).toBe(false);
    const again = connect('agent-1', ['b-1.a1']);
    await turn();
    expect(again.received).toContainEqual({ type: 'cancel', attempt: 'b-1.a1', reason: 'agent_lost' });
    again.close();
    sessions.close();
  });

  it('an agent that says it is leaving gets the flag (no new work) until it says hello again', async () => {
    const { sessions, connect } = setup(60_000);
    const one = connect('agent-1', []);
    await turn();
    one.agent.send({ type: 'leaving' });
    await turn();
    expect(sessions.live.get('agent-1')!.leaving).toBe(true);
    const again = connect('agent-1', []);
    await turn();
    expect(sessions.live.get('agent-1')!.leaving).toBeUndefined();
    one.close();
    again.close();
    sessions.close();
  });
});
