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

describe('placement input', () => {
  const agents = [
    { info: { id: 'id-left', name: 'left', pools: ['*'], labels: ['*'], slots: 2, executors: ['shell' as const] }, running: 1 },
    { info: { id: 'id-right', name: 'right', pools: ['*'], labels: ['*'], slots: 4, executors: ['shell' as const] }, running: 0 },
  ];
  const chainPlan = () => planOf(['p/a', 'p/b', 'p/c', 'p/join'], { 'p/b': { needs: ['p/a'] }, 'p/c': { needs: [] }, 'p/join': { needs: ['p/a', 'p/b', 'p/c'] } });

  it('hands a ready job the ids of the agents that ran its needs, most needs first, and the scheduler follows it', () => {
    const inputs = new SchedulerInputs();
    const run = new BuildRun('b-1', 1, '/project', chainPlan(), { noCache: false, only: [] }, 1000);
    inputs.build([run], agents, new Map(), 1000);
    run.jobs.get('p/a')!.agent = 'right';
    run.jobs.get('p/b')!.agent = 'left';
    run.jobs.get('p/c')!.agent = 'left';
    run.ready.add('p/join');
    const input = inputs.build([run], agents, new Map(), 2000);
    expect(run.jobs.get('p/join')!.scheduling?.inputsOn).toEqual(['id-left', 'id-right']);
    const output = schedule(input);
    expect(output.decisions).toEqual([{ type: 'start', agent: 'id-left', members: [{ build: 'b-1', job: 'p/join' }], acquire: [] }]);
  });

  it('leaves a job whose needs ran on no agent online without inputs (placed by free slots)', () => {
    const inputs = new SchedulerInputs();
    const run = new BuildRun('b-1', 1, '/project', chainPlan(), { noCache: false, only: [] }, 1000);
    inputs.build([run], agents, new Map(), 1000);
    run.jobs.get('p/a')!.agent = 'gone-away';
    run.ready.add('p/b');
    const output = schedule(inputs.build([run], agents, new Map(), 2000));
    expect(run.jobs.get('p/b')!.scheduling?.inputsOn).toBeUndefined();
    expect(output.decisions.map((decision) => decision.type === 'start' && decision.agent)).toEqual(['id-right']);
  });
});
