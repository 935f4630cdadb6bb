// The live view on a terminal: counts per state, running jobs with elapsed time, jobs waiting for a
// resource group with the holder and their place. Redrawn in place a few times a second, never
// taller than the terminal (a taller frame cannot be redrawn in place and piles up in scrollback),
// jobs in natural order (`j2` before `j10`). With LAN agents in the farm, a line of agents with their
// busy slots (this build's running jobs on each) and the agent each running job is on.
import { isSlotWait, type FarmEvent, type JobState, type WaitingInfo } from '../../core/protocol/types';
import { seconds } from './line-view';

export interface TtyViewOptions {
  write: (text: string) => void;
  now: () => number;
  columns: () => number;
  /** The terminal's height in lines (0 or unknown: 24). */
  rows: () => number;
  total: number;
}

interface Row {
  state: JobState;
  at: number;
  waiting?: WaitingInfo;
  agent?: string;
}

interface AgentRow {
  slots: number;
  online: boolean;
  /** The embedded agent of this machine (id `local`). */
  local: boolean;
}

const order: JobState[] = ['queued', 'waiting', 'running', 'success', 'cached', 'failed', 'skipped', 'canceled', 'lost'];
const colour: Partial<Record<JobState, string>> = { success: '32', cached: '36', failed: '31', running: '33', waiting: '35', lost: '31', canceled: '90', skipped: '90' };
const paint = (state: JobState, text: string) => (colour[state] ? `\u001b[${colour[state]}m${text}\u001b[0m` : text);
/** Running jobs are listed first, then waiting ones; at most this many whatever the terminal's height. */
const maxListed = 20;
const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Agent events for the agents online in a `GET /api/agents` listing (a joining `farmhand run` hears
 * only of agents that attach later). Rows of any other shape are left out.
 */
export function agentListingEvents(rows: unknown, at: number): FarmEvent[] {
  if (!Array.isArray(rows)) return [];
  return rows.flatMap((row: Record<string, unknown>): FarmEvent[] => {
    const { id, name, slots, online } = row ?? {};
    if (typeof id !== 'string' || typeof name !== 'string' || typeof slots !== 'number' || online !== true) return [];
    return [{ type: 'agent', agent: { id, name, slots, pools: [], labels: [], executors: [] }, state: 'online', at }];
  });
}

/** A live view; call render() on a timer and stop() at the end (leaves the last frame on screen). */
export function createTtyView(options: TtyViewOptions) {
  const rows = new Map<string, Row>();
  /** Agents by name, in the order they were first heard of. */
  const agents = new Map<string, AgentRow>();
  let drawn = 0;

  const onEvent = (event: FarmEvent) => {
    if (event.type === 'agent') {
      agents.set(event.agent.name, { slots: event.agent.slots, online: event.state === 'online', local: event.agent.id === 'local' });
      return;
    }
    if (event.type !== 'job') return;
    // A job handed to an agent's queue place shows as queued until it starts, a moment later.
    const state = event.state === 'running' && isSlotWait(event.reason) ? 'queued' : event.state;
    rows.set(event.job, { state, at: state === 'running' ? event.at : rows.get(event.job)?.at ?? event.at, waiting: event.waiting, agent: event.agent });
  };

  /** `agents  left 2/2 busy  right 0/2 busy  vm 1/4 busy`, or nothing while only this machine runs jobs. */
  const agentLine = (width: number): string | undefined => {
    if (![...agents.values()].some((agent) => !agent.local)) return undefined;
    const busy = new Map<string, number>();
    for (const row of rows.values()) if (row.state === 'running' && row.agent !== undefined) busy.set(row.agent, (busy.get(row.agent) ?? 0) + 1);
    const parts = [...agents].map(([name, agent]) => `${name} ${agent.online ? `${busy.get(name) ?? 0}/${agent.slots} busy` : 'offline'}`);
    return `agents  ${parts.join('   ')}`.slice(0, width);
  };

  const frame = (): string[] => {
    const width = Math.max(20, options.columns() || 80);
    const counts = new Map<JobState, number>();
    for (const row of rows.values()) counts.set(row.state, (counts.get(row.state) ?? 0) + 1);
    const done = [...rows.values()].filter((row) => !['queued', 'waiting', 'running'].includes(row.state)).length;
    const parts = order.filter((state) => counts.get(state)).map((state) => ({ state, text: `${state} ${counts.get(state)}` }));
    const plainHeader = `farmhand  ${done}/${options.total} done   ${parts.map((part) => part.text).join('  ')}`;
    // A line wider than the terminal wraps and breaks the redraw: cut it, colours then do not fit, so drop them.
    const lines = [plainHeader.length > width ? plainHeader.slice(0, width) : `farmhand  ${done}/${options.total} done   ${parts.map((part) => paint(part.state, part.text)).join('  ')}`];
    const agentsLine = agentLine(width);
    if (agentsLine !== undefined) lines.push(agentsLine);
    const now = options.now();
    const rank = (state: JobState) => (state === 'running' ? 0 : 1);
    const active = [...rows]
      .filter(([, row]) => row.state === 'running' || row.state === 'waiting')
      .sort(([a, rowA], [b, rowB]) => rank(rowA.state) - rank(rowB.state) || naturalOrder(a, b));
    // One line stays free below the frame for the cursor, so the frame's top never scrolls away.
    const room = Math.min(maxListed, Math.max(0, (options.rows() || 24) - 1 - lines.length));
    const listed = active.length > room ? active.slice(0, Math.max(0, room - 1)) : active;
    for (const [job, row] of listed) {
      const detail = row.state === 'running'
        ? `${seconds(now - row.at)}${agentsLine !== undefined && row.agent !== undefined ? `  on ${row.agent}` : ''}`
        : row.waiting ? `${row.waiting.group}: held by ${row.waiting.holders.map((h) => `${h.build} ${h.job}`).join(', ') || '-'}, place ${row.waiting.position}` : '';
      // Cut to the terminal's width by visible characters, then colour the state word.
      const text = `  ${row.state.padEnd(8)} ${job}  ${detail}`.slice(0, width);
      lines.push(`  ${paint(row.state, row.state.padEnd(8))}${text.slice(10)}`);
    }
    if (listed.length < active.length && room > 0) lines.push(`  ... and ${active.length - listed.length} more`.slice(0, width));
    return lines;
  };

  const render = () => {
    const lines = frame();
    let text = drawn > 0 ? `\u001b[${drawn}A` : '';
    text += lines.map((line) => `\u001b[2K${line}\n`).join('');
    if (drawn > lines.length) text += '\u001b[J';
    drawn = lines.length;
    options.write(text);
  };

  return { onEvent, render };
}
