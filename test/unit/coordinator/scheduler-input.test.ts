// The scheduler's queues follow each build's ready set (a ReadySet) from round to round.
import { describe, expect, it } from 'vitest';
import { BuildRun } from '../../../core/coordinator/build-run';
import { ReadySet, SchedulerInputs } from '../../../core/coordinator/scheduler-input';
import { schedule } from '../../../core/schedule/schedule';
import { planOf } from '../store/store-fixtures';

const agent = { info: { id: 'local', name: 'local', pools: ['*'], labels: ['*'], slots: 8, executors: ['shell' as const] }, running: 0 };
const started = (output: ReturnType<typeof schedule>): string[] =>
  output.decisions.flatMap((decision) => (decision.type === 'start' ? decision.members.map((member) => `${member.build} ${member.job}`) : []));

function buildRun(id: string, order: number, ids: string[]): BuildRun {
  return new BuildRun(id, order, '/project', planOf(ids), { noCache: false, only: [] }, 1000);
}

describe('SchedulerInputs', () => {
  it('hands the scheduler what is in the ready sets now, as they change between rounds', () => {
    const inputs = new SchedulerInputs();
    const first = buildRun('b-1', 1, ['p/a', 'p/b', 'p/c']);
    expect(first.ready).toBeInstanceOf(ReadySet);
    first.ready.add('p/a');
    first.ready.add('p/b');
    const round = () => schedule(inputs.build([first], [agent], new Map(), 2000));
    expect(started(round())).toEqual(['b-1 p/a', 'b-1 p/b']);
    first.ready.delete('p/a');
    first.ready.add('p/c');
    expect(started(round())).toEqual(['b-1 p/b', 'b-1 p/c']);
    first.ready.clear();
    expect(started(round())).toEqual([]);
  });

  it('forgets the ready jobs of a build that is gone', () => {
    const inputs = new SchedulerInputs();
    const gone = buildRun('b-1', 1, ['p/a']);
    const staying = buildRun('b-2', 2, ['p/x']);
    gone.ready.add('p/a');
    staying.ready.add('p/x');
    expect(started(schedule(inputs.build([gone, staying], [agent], new Map(), 2000)))).toEqual(['b-1 p/a', 'b-2 p/x']);
    expect(started(schedule(inputs.build([staying], [agent], new Map(), 2000)))).toEqual(['b-2 p/x']);
    // A job made ready after the build was dropped no longer reaches the queues.
    gone.ready.add('p/a');
    expect(started(schedule(inputs.build([staying], [agent], new Map(), 2000)))).toEqual(['b-2 p/x']);
  });
});
