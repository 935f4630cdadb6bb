// The Gantt's model: slot lanes per agent, lost attempts kept, and the critical path through needs.
import { describe, expect, it } from 'vitest';
import { buildTimeline, criticalPath } from '../../../renderer/timeline/timeline-model';
import type { JobView } from '../../../renderer/state/dag-slice';

function job(id: string, needs: string[], attempts: JobView['attempts']): JobView {
  const last = attempts[attempts.length - 1];
  const view: JobView = { id, pipeline: id.split('/')[0]!, name: id.split('/')[1]!, state: last?.state ?? 'queued', needs, attempts };
  if (last?.end !== undefined) view.finishedAt = last.end;
  return view;
}

const jobs: Record<string, JobView> = {
  'p/a': job('p/a', [], [{ number: 1, agent: 'local', start: 0, end: 10, state: 'success' }]),
  'p/b': job('p/b', ['p/a'], [{ number: 1, agent: 'local', start: 10, end: 15, state: 'success' }]),
  'p/c': job('p/c', ['p/a'], [{ number: 1, agent: 'mini', start: 10, end: 12, state: 'lost' }, { number: 2, agent: 'local', start: 12, end: 40, state: 'success' }]),
  'p/d': job('p/d', ['p/b', 'p/c'], [{ number: 1, agent: 'mini', start: 40, end: 50, state: 'success' }]),
  'p/e': job('p/e', [], [{ number: 1, agent: 'local', start: 11, state: 'running' }]),
};

describe('timeline model', () => {
  it('follows the need that finished last back from the job that finished last', () => {
    expect(criticalPath(jobs)).toEqual(['p/a', 'p/c', 'p/d']);
  });

  it('puts overlapping attempts of one agent on separate slot lanes and keeps the lost attempt', () => {
    const model = buildTimeline(jobs, 60);
    const lanes = model.lanes.map((lane) => `${lane.agent}#${lane.slot}: ${lane.bars.map((bar) => `${bar.job}.${bar.attempt}`).join(' ')}`);
    expect(lanes).toEqual(['local#1: p/a.1 p/b.1', 'local#2: p/e.1', 'local#3: p/c.2', 'mini#1: p/c.1 p/d.1']);
    const lost = model.lanes.flatMap((lane) => lane.bars).find((bar) => bar.state === 'lost')!;
    expect(lost).toMatchObject({ job: 'p/c', critical: false });
    const running = model.lanes.flatMap((lane) => lane.bars).find((bar) => bar.open)!;
    expect(running).toMatchObject({ job: 'p/e', end: 60 });
    expect([model.start, model.end]).toEqual([0, 60]);
  });
});
