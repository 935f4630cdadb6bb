import { describe, expect, it } from 'vitest';
import { createLineView } from '../../../cli/views/line-view';
import { slotWaitReason } from '../../../core/protocol/types';

describe('the plain view', () => {
  it('prints a job handed to a queue place once, when it starts, and times it from there', () => {
    const lines: string[] = [];
    const view = createLineView({ write: (text) => lines.push(text), logs: false });
    view.onEvent({ type: 'job', build: 'b-1', job: 'p/a', state: 'running', at: 1000, agent: 'here', reason: slotWaitReason('here') });
    view.onEvent({ type: 'job', build: 'b-1', job: 'p/a', state: 'running', at: 3000, agent: 'here' });
    view.onEvent({ type: 'job', build: 'b-1', job: 'p/a', state: 'success', at: 4500, agent: 'here' });
    expect(lines).toEqual(['p/a running (on here)\n', 'p/a success (1.5s)\n']);
  });
});
