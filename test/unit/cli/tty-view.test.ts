// The terminal view as pure text: a frame never taller than the terminal, jobs in natural order.
import { describe, expect, it } from 'vitest';
import { agentListingEvents, createTtyView } from '../../../cli/views/tty-view';
import { slotWaitReason } from '../../../core/protocol/types';

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

function frameOf(jobs: number, rows: number, columns = 80): string[] {
  let written = '';
  const view = createTtyView({ write: (text) => (written = text), now: () => 5000, columns: () => columns, rows: () => rows, total: jobs });
  // Started in plan (string) order, as the coordinator's events come: j1, j10, j11, ..., j2, ...
  const names = Array.from({ length: jobs }, (_, i) => `p/j${i + 1}`).sort();
  for (const job of names) view.onEvent({ type: 'job', build: 'b-0001', job, state: 'running', at: 1000 });
  view.render();
  return plain(written).split('\n').slice(0, -1);
}

describe('tty view', () => {
  it('lists running jobs in natural order (j2 before j10)', () => {
    const lines = frameOf(12, 40);
    expect(lines[0]).toMatch(/^farmhand {2}0\/12 done {3}running 12$/);
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/)[1])).toEqual(Array.from({ length: 12 }, (_, i) => `p/j${i + 1}`));
    expect(lines[1]).toContain('4.0s');
  });

  it.each([3, 5, 8, 24])('never draws a frame taller than a terminal of %i lines (one line kept for the cursor)', (rows) => {
    const lines = frameOf(30, rows);
    expect(lines.length).toBeLessThanOrEqual(rows - 1);
    expect(lines.at(-1)).toMatch(/\.\.\. and \d+ more$/);
    const shown = lines.length - 2;
    expect(lines.at(-1)).toContain(`and ${30 - shown} more`);
  });

  it('shows a job in a queue place as queued, and times it from its start', () => {
    let written = '';
    let now = 2000;
    const view = createTtyView({ write: (text) => (written = text), now: () => now, columns: () => 80, rows: () => 24, total: 2 });
    view.onEvent({ type: 'job', build: 'b-0001', job: 'p/a', state: 'running', at: 1000, agent: 'here' });
    view.onEvent({ type: 'job', build: 'b-0001', job: 'p/b', state: 'running', at: 1000, agent: 'here', reason: slotWaitReason('here') });
    view.render();
    expect(plain(written).split('\n').slice(0, -1)).toEqual(['farmhand  0/2 done   queued 1  running 1', '  running  p/a  1.0s']);
    now = 4000;
    view.onEvent({ type: 'job', build: 'b-0001', job: 'p/b', state: 'running', at: 3500, agent: 'here' });
    view.render();
    expect(plain(written).split('\n').slice(0, -1)).toEqual(['farmhand  0/2 done   running 2', '  running  p/a  3.0s', '  running  p/b  0.5s']);
  });

  it('cuts every line to the terminal width, the header included', () => {
    const lines = frameOf(3, 24, 20);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(20);
  });
});

describe('tty view with LAN agents', () => {
  const info = (id: string, name: string, slots: number) => ({ id, name, pools: ['*'], labels: ['*'], slots, executors: ['shell' as const] });

  function viewWith(agents: { id: string; name: string; slots: number; online?: boolean }[]) {
    let written = '';
    const view = createTtyView({ write: (text) => (written = text), now: () => 5000, columns: () => 100, rows: () => 24, total: 4 });
    for (const agent of agents) view.onEvent({ type: 'agent', agent: info(agent.id, agent.name, agent.slots), state: agent.online === false ? 'offline' : 'online', at: 0 });
    const frame = () => {
      view.render();
      return plain(written).split('\n').slice(0, -1);
    };
    const job = (job: string, state: 'running' | 'success', agent?: string) => view.onEvent({ type: 'job', build: 'b-0001', job, state, at: 1000, agent });
    return { view, frame, job };
  }

  it('shows no agents line while only the local agent runs jobs', () => {
    const { frame, job } = viewWith([{ id: 'local', name: 'vm', slots: 4 }]);
    job('p/a', 'running', 'vm');
    const lines = frame();
    expect(lines.some((line) => line.startsWith('agents'))).toBe(false);
    expect(lines[1]).not.toContain(' on ');
  });

  it('lists each agent with its busy slots, and the agent of each running job', () => {
    const { frame, job } = viewWith([{ id: 'local', name: 'vm', slots: 4 }, { id: 'f00d', name: 'left', slots: 2 }, { id: 'beef', name: 'right', slots: 2 }]);
    job('p/a', 'running', 'left');
    job('p/b', 'running', 'left');
    job('p/c', 'running', 'right');
    let lines = frame();
    expect(lines[1]).toBe('agents  vm 0/4 busy   left 2/2 busy   right 1/2 busy');
    expect(lines.slice(2).map((line) => line.trim())).toEqual(['running  p/a  4.0s  on left', 'running  p/b  4.0s  on left', 'running  p/c  4.0s  on right']);
    job('p/a', 'success', 'left');
    lines = frame();
    expect(lines[1]).toBe('agents  vm 0/4 busy   left 1/2 busy   right 1/2 busy');
  });

  it('marks an agent that went offline, keeping its place', () => {
    const { view, frame } = viewWith([{ id: 'f00d', name: 'left', slots: 2 }, { id: 'beef', name: 'right', slots: 3 }]);
    view.onEvent({ type: 'agent', agent: info('f00d', 'left', 2), state: 'offline', at: 10 });
    expect(frame()[1]).toBe('agents  left offline   right 0/3 busy');
  });

  it('keeps the frame within the terminal with the agents line', () => {
    let written = '';
    const view = createTtyView({ write: (text) => (written = text), now: () => 5000, columns: () => 30, rows: () => 6, total: 10 });
    view.onEvent({ type: 'agent', agent: info('f00d', 'a-very-long-agent-name', 8), state: 'online', at: 0 });
    for (let i = 1; i <= 10; i++) view.onEvent({ type: 'job', build: 'b-0001', job: `p/j${i}`, state: 'running', at: 1000, agent: 'a-very-long-agent-name' });
    view.render();
    const lines = plain(written).split('\n').slice(0, -1);
    expect(lines.length).toBeLessThanOrEqual(5);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
    expect(lines[1]).toMatch(/^agents {2}a-very-long-agent-name/);
    expect(lines.at(-1)).toMatch(/and \d+ more$/);
  });
});

describe('agentListingEvents', () => {
  it('makes online events of the online rows of GET /api/agents and leaves out the rest', () => {
    const rows = [
      { id: 'local', name: 'vm', slots: 4, online: true, embedded: true },
      { id: 'f00d', name: 'left', slots: 2, online: true, busy: 1 },
      { id: 'beef', name: 'right', slots: 2, online: false },
      { id: 'dead', name: 'broken', slots: '2', online: true },
      null,
      7,
    ];
    const events = agentListingEvents(rows, 42);
    expect(events.map((event) => (event.type === 'agent' ? [event.agent.id, event.agent.name, event.agent.slots, event.state, event.at] : []))).toEqual([
      ['local', 'vm', 4, 'online', 42],
      ['f00d', 'left', 2, 'online', 42],
    ]);
    expect(agentListingEvents({ error: 'not found' }, 1)).toEqual([]);
  });
});
