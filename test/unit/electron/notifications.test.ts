import { describe, expect, it } from 'vitest';
import { createNotificationRules } from '../../../electron/notifications';
import { targetUrl } from '../../../electron/routes';
import { agentEvent, buildEvent, jobEvent, waitingOn } from './events';

/** A clock the test moves by hand. */
function manualClock(start: number) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const start = 1_750_000_000_000;

describe('notification rules', () => {
  it('a finished build notifies once, and a click opens it', () => {
    const clock = manualClock(start);
    const rules = createNotificationRules({ now: clock.now });
    expect(rules.observe([buildEvent('b-0001', 'running', start)])).toEqual([]);
    const [done, ...rest] = rules.observe([buildEvent('b-0001', 'success', start + 10)]);
    expect(rest).toEqual([]);
    expect(done).toMatchObject({ title: 'Build b-0001 succeeded', target: { kind: 'build', build: 'b-0001' } });
    expect(rules.observe([buildEvent('b-0001', 'success', start + 11)])).toEqual([]);
    expect(done && targetUrl('http://127.0.0.1:5000', done.target)).toBe('http://127.0.0.1:5000/#/builds/b-0001');
  });

  it('a failed build names its failed jobs and opens the first', () => {
    const rules = createNotificationRules({ now: () => start });
    const events = [
      buildEvent('b-0002', 'running', start),
      jobEvent('b-0002', 'app/test[os=linux]', 'failed', start + 1),
      jobEvent('b-0002', 'app/lint', 'failed', start + 2),
      buildEvent('b-0002', 'failed', start + 3),
    ];
    const [failed] = rules.observe(events);
    expect(failed).toMatchObject({ title: 'Build b-0002 failed', body: '2 jobs failed: app/test[os=linux], app/lint.', target: { kind: 'build', build: 'b-0002', job: 'app/test[os=linux]' } });
    expect(failed && targetUrl('http://127.0.0.1:5000', failed.target)).toBe('http://127.0.0.1:5000/#/builds/b-0002/jobs/app%2Ftest%5Bos%3Dlinux%5D');
  });

  it('a canceled build raises nothing: the user did it', () => {
    const rules = createNotificationRules({ now: () => start });
    expect(rules.observe([buildEvent('b-0003', 'running', start), buildEvent('b-0003', 'canceled', start + 1)])).toEqual([]);
  });

  it('a job waiting on a resource group notifies after a minute, once', () => {
    const clock = manualClock(start);
    const rules = createNotificationRules({ now: clock.now });
    expect(rules.observe([jobEvent('b-0004', 'app/deploy', 'waiting', start, { waiting: waitingOn('staging', 2) })])).toEqual([]);
    clock.advance(59_000);
    expect(rules.tick()).toEqual([]);
    // A new queue position is the same wait: it does not restart the minute.
    expect(rules.observe([jobEvent('b-0004', 'app/deploy', 'waiting', start + 59_000, { waiting: waitingOn('staging', 1) })])).toEqual([]);
    clock.advance(1_000);
    const raised = rules.tick();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ title: 'app/deploy is waiting', body: 'Build b-0004 has waited 1 min for resource group staging.', target: { kind: 'build', build: 'b-0004', job: 'app/deploy' } });
    clock.advance(120_000);
    expect(rules.tick()).toEqual([]);
  });

  it('a wait that ends within the minute raises nothing', () => {
    const clock = manualClock(start);
    const rules = createNotificationRules({ now: clock.now });
    rules.observe([jobEvent('b-0005', 'app/deploy', 'waiting', start, { waiting: waitingOn('staging') })]);
    clock.advance(30_000);
    rules.observe([jobEvent('b-0005', 'app/deploy', 'running', start + 30_000)]);
    clock.advance(60_000);
    expect(rules.tick()).toEqual([]);
  });

  it('a finished build forgets its waiting jobs', () => {
    const clock = manualClock(start);
    const rules = createNotificationRules({ now: clock.now });
    rules.observe([jobEvent('b-0006', 'app/deploy', 'waiting', start, { waiting: waitingOn('staging') }), buildEvent('b-0006', 'canceled', start + 1)]);
    clock.advance(90_000);
    expect(rules.tick()).toEqual([]);
  });

  it('the waiting threshold can be set', () => {
    const clock = manualClock(start);
    const rules = createNotificationRules({ now: clock.now, waitingAfterMs: 5_000 });
    rules.observe([jobEvent('b-0007', 'app/deploy', 'waiting', start, { waiting: waitingOn('gpu') })]);
    clock.advance(5_000);
    expect(rules.tick()[0]?.body).toBe('Build b-0007 has waited 5 s for resource group gpu.');
  });

  it('an agent that was online and goes offline is lost; the local agent and unknown agents are not', () => {
    const rules = createNotificationRules({ now: () => start });
    expect(rules.observe([agentEvent('m-7', 'online', start, 'build-box'), agentEvent('local', 'online', start)])).toEqual([]);
    const lost = rules.observe([agentEvent('m-7', 'offline', start + 5, 'build-box'), agentEvent('local', 'offline', start + 5), agentEvent('m-9', 'offline', start + 5)]);
    expect(lost).toEqual([{ key: `agent-lost:m-7:${start + 5}`, title: 'Agent build-box lost', body: 'build-box went offline.', target: { kind: 'agents' } }]);
    expect(lost[0] && targetUrl('http://127.0.0.1:5000', lost[0].target)).toBe('http://127.0.0.1:5000/#/agents');
  });

  it('a pairing code of the lent machine is shown once', () => {
    const rules = createNotificationRules({ now: () => start });
    const pairing = { type: 'pairing', agent: 'this machine', code: '4821-0937', at: start } as const;
    expect(rules.observe([pairing])).toMatchObject([{ title: 'Pairing code for this machine', body: expect.stringContaining('4821-0937') }]);
    expect(rules.observe([pairing])).toEqual([]);
  });

  it('events replayed from before the app started update state but raise nothing', () => {
    const rules = createNotificationRules({ now: () => start, quietBefore: start });
    const replay = [
      buildEvent('b-0008', 'running', start - 9_000),
      jobEvent('b-0008', 'p/a', 'failed', start - 8_000),
      buildEvent('b-0008', 'failed', start - 7_000),
      agentEvent('m-1', 'online', start - 6_000),
      agentEvent('m-1', 'offline', start - 5_000),
    ];
    expect(rules.observe(replay)).toEqual([]);
    expect(rules.observe([agentEvent('m-1', 'online', start + 1), agentEvent('m-1', 'offline', start + 2)])).toHaveLength(1);
  });
});
