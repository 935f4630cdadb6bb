// The messages of liveness and resume: the coordinator's heartbeat and welcome `acked`, an agent
// message's `n`, a hello's `running`, and `leaving`; bad ones are one-line errors.
import { describe, expect, it } from 'vitest';
import { validateAgentMessage, validateCoordinatorMessage } from '../../../core/protocol/validate';

describe('resume messages', () => {
  it('accepts the coordinator heartbeat and a welcome with acked; refuses a bad acked', () => {
    expect(validateCoordinatorMessage({ type: 'heartbeat', acked: 12 })).toEqual({ message: { type: 'heartbeat', acked: 12 } });
    expect(validateCoordinatorMessage({ type: 'welcome', protocol: 1, coordinator: 'c', acked: 0 })).toHaveProperty('message');
    expect(validateCoordinatorMessage({ type: 'heartbeat' })).toEqual({ error: 'heartbeat needs acked (a count)' });
    expect(validateCoordinatorMessage({ type: 'welcome', protocol: 1, coordinator: 'c', acked: -1 })).toHaveProperty('error');
  });

  it('accepts numbered agent messages, a hello with running and leaving; refuses an n that is not a positive count', () => {
    expect(validateAgentMessage({ type: 'log', attempt: 'a', seq: 1, stream: 'stdout', data: 'x', n: 3 })).toHaveProperty('message');
    expect(validateAgentMessage({ type: 'leaving' })).toEqual({ message: { type: 'leaving' } });
    const agent = { id: 'a', name: 'a', pools: [], labels: [], slots: 1, executors: [] };
    expect(validateAgentMessage({ type: 'hello', protocol: 1, agent, running: ['b-1.a1'] })).toHaveProperty('message');
    expect(validateAgentMessage({ type: 'hello', protocol: 1, agent, running: [3] })).toHaveProperty('error');
    expect(validateAgentMessage({ type: 'result', attempt: 'a', outcome: { status: 'success' }, n: 0 })).toEqual({ error: 'result has an n that is not a positive count' });
    expect(validateAgentMessage({ type: 'started', attempt: 'a', at: 1, n: 1.5 })).toHaveProperty('error');
  });
});
