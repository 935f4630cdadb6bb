// The job lifecycle reducer with a manual clock: retries, timeouts, fail_fast, allow_failure, skip
// propagation, resource-group hand-over and batch windows, without a store, a wire or a timer. The
// scheduler (pure as well) picks what starts, as in the coordinator.
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../../core/plan/types';
import type { AttemptOutcome, JobState } from '../../../core/protocol/types';
import { schedule } from '../../../core/schedule/schedule';
import type { Holder, SchedulerOutput } from '../../../core/schedule/types';
import { BuildRun } from '../../../core/coordinator/build-run';
import { reduceJobs, type LifecycleEffect, type LifecycleEvent } from '../../../core/coordinator/job-lifecycle';
import { SchedulerInputs } from '../../../core/coordinator/scheduler-input';
import { scopedGroup, splitGroup } from '../../../core/coordinator/resource-holds';
import { makePlan } from '../../helpers/plans';

const agent = { id: 'agent-1', name: 'local', pools: ['*'], labels: ['*'], slots: 4, executors: ['shell' as const] };
const failure: AttemptOutcome = { status: 'failed', reason: 'exit', exitCode: 2 };
const timedOut: AttemptOutcome = { status: 'failed', reason: 'timeout' };
const success: AttemptOutcome = { status: 'success', exitCode: 0 };

/** One build driven by hand: `clock` is the only time there is. */
function drive(plan: Plan) {
  const clock = { now: 0 };
  const build = new BuildRun('b-1', 0, '/nowhere', plan, { noCache: true, only: [] }, 0);
  const effects: LifecycleEffect[] = [];
  const holders = new Map<string, Holder[]>();
  const inputs = new SchedulerInputs();
  /** Attempt id of each running job, and the batch it runs in. */
  const attempts = new Map<string, { id: string; batch?: string; acquired: { group: string; holder: Holder }[] }>();
  let counter = 0;

  const release = (group: string, holder: Holder) => {
    const rest = (holders.get(group) ?? []).filter((h) => h.job !== holder.job || h.build !== holder.build);
    if (rest.length > 0) holders.set(group, rest);
    else holders.delete(group);
  };
  const send = (event: LifecycleEvent): LifecycleEffect[] => {
    const out = reduceJobs(build, event, clock.now);
    effects.push(...out);
    // What the coordinator does with a pipeline's end: its resource group goes to the next one.
    // (The scheduler keys groups per project, resource-holds.ts.)
    for (const effect of out) if (effect.type === 'pipeline_done' && effect.resourceGroup) release(scopedGroup(build.root, effect.resourceGroup), { build: build.id, job: `pipeline:${effect.pipeline}` });
    return out;
  };
  /** One scheduling round at the clock's time: starts what the scheduler picks. */
  const round = (): SchedulerOutput => {
    const output = schedule(inputs.build([build], [{ info: agent, running: attempts.size }], holders, clock.now));
    for (const decision of output.decisions) {
      if (decision.type === 'start') {
        const id = `b-1.a${++counter}`;
        const batch = decision.members.length > 1 ? `b-1.batch${counter}` : undefined;
        for (const { group, holder } of decision.acquire) holders.set(group, [...(holders.get(group) ?? []), holder]);
        for (const member of decision.members) attempts.set(member.job, { id, batch, acquired: decision.acquire });
        send({ type: 'attempt_started', attempt: id, agent: agent.name, jobs: decision.members.map((member) => member.job), batch });
      } else if (decision.type === 'wait') send({ type: 'wait', job: decision.job, waiting: { ...decision.waiting, group: splitGroup(decision.waiting.group).group } });
      else if (decision.type === 'skip') send({ type: 'skip', job: decision.job, reason: decision.reason });
    }
    return output;
  };
  /** The attempt running `job` comes back. */
  const finish = (job: string, outcome: AttemptOutcome): LifecycleEffect[] => {
    const attempt = attempts.get(job);
    if (!attempt) throw new Error(`${job} is not running`);
    attempts.delete(job);
    for (const { group, holder } of attempt.acquired) if (!holder.job.startsWith('pipeline:')) release(group, holder);
    return send({ type: 'attempt_finished', job, outcome, batch: attempt.batch });
  };
  const state = (job: string): JobState => build.jobs.get(job)!.state;
  const reason = (job: string): string | undefined => build.jobs.get(job)!.reason;
  const running = () => [...build.jobs.values()].filter((job) => job.state === 'running').map((job) => job.plan.id).sort();
  send({ type: 'build_started' });
  return { clock, build, effects, holders, send, round, finish, state, reason, running, attempts };
}

const doneStatus = (effects: LifecycleEffect[]) => effects.filter((effect) => effect.type === 'build_done').map((effect) => effect.status);

describe('job lifecycle', () => {
  it('retries a failed job until retry.max, then fails it and skips its dependents', () => {
    const run = drive(makePlan({ 'p/a': { retry: { max: 1, when: ['failure'] } }, 'p/b': { needs: ['p/a'] }, 'p/c': { needs: ['p/b'] } }));
    run.round();
    expect(run.running()).toEqual(['p/a']);
    run.clock.now = 1000;
    const retried = run.finish('p/a', failure);
    expect(run.state('p/a')).toBe('queued');
    expect(run.reason('p/a')).toBe('retry 1/1 after exit code 2');
    expect(retried).toContainEqual({ type: 'schedule' });
    run.round();
    expect(run.running()).toEqual(['p/a']);
    expect(run.build.jobs.get('p/a')!.attempts).toBe(2);
    run.clock.now = 2500;
    run.finish('p/a', failure);
    expect([run.state('p/a'), run.state('p/b'), run.state('p/c')]).toEqual(['failed', 'skipped', 'skipped']);
    expect(run.reason('p/b')).toBe('needs p/a, which failed');
    expect(run.reason('p/c')).toBe('needs p/b, which was skipped');
    expect(run.build.jobs.get('p/a')!.finishedAt).toBe(2500);
    expect(doneStatus(run.effects)).toEqual(['failed']);
  });

  it('retries a timed-out attempt only when retry.when names timeout', () => {
    const run = drive(makePlan({ 'p/a': { retry: { max: 2, when: ['timeout'] } }, 'p/b': { retry: { max: 2, when: ['timeout'] } } }));
    run.round();
    run.clock.now = 30_000;
    run.finish('p/a', timedOut);
    run.finish('p/b', failure);
    expect(run.state('p/a')).toBe('queued');
    expect(run.reason('p/a')).toBe('retry 1/2 after timed out');
    expect(run.state('p/b')).toBe('failed');
    run.round();
    run.finish('p/a', timedOut);
    run.round();
    run.clock.now = 90_000;
    run.finish('p/a', timedOut);
    expect(run.state('p/a')).toBe('failed');
    expect(run.reason('p/a')).toBe('timed out');
    expect(run.build.jobs.get('p/a')!.attempts).toBe(3);
    expect(doneStatus(run.effects)).toEqual(['failed']);
  });

  it('fail_fast cancels the running jobs of the pipeline and the queued ones, but not other pipelines', () => {
    const plan = makePlan({ 'p/a': {}, 'p/b': {}, 'p/c': { needs: ['p/b'] }, 'q/x': {} });
    plan.pipelines.find((pipeline) => pipeline.name === 'p')!.failFast = true;
    const run = drive(plan);
    run.round();
    expect(run.running()).toEqual(['p/a', 'p/b', 'q/x']);
    const effects = run.finish('p/a', failure);
    const bAttempt = run.attempts.get('p/b')!.id;
    expect(effects).toContainEqual({ type: 'cancel_attempt', attempt: bAttempt });
    expect(run.state('p/c')).toBe('canceled');
    expect(run.reason('p/c')).toBe('fail_fast: p/a failed');
    expect(run.state('q/x')).toBe('running');
    run.finish('p/b', { status: 'canceled', reason: 'canceled' });
    expect(run.state('p/b')).toBe('canceled');
    expect(run.reason('p/b')).toBe('fail_fast: p/a failed');
    expect(doneStatus(run.effects)).toEqual([]);
    run.finish('q/x', success);
    expect(doneStatus(run.effects)).toEqual(['failed']);
  });

  it('allow_failure: a failure neither trips fail_fast nor skips dependents, and the build succeeds', () => {
    const plan = makePlan({ 'p/a': { allowFailure: true }, 'p/b': {}, 'p/c': { needs: ['p/a'] } });
    plan.pipelines[0]!.failFast = true;
    const run = drive(plan);
    run.round();
    const effects = run.finish('p/a', failure);
    expect(effects.some((effect) => effect.type === 'cancel_attempt')).toBe(false);
    expect(run.state('p/a')).toBe('failed');
    expect(run.build.ready.has('p/c')).toBe(true);
    run.round();
    run.finish('p/b', success);
    run.finish('p/c', success);
    expect(doneStatus(run.effects)).toEqual(['success']);
  });

  it('hands a pipeline resource group over when the holding pipeline ends', () => {
    const plan = makePlan({ 'one/a': {}, 'one/b': { needs: ['one/a'] }, 'two/a': {} });
    for (const pipeline of plan.pipelines) pipeline.resourceGroup = 'deploy';
    const run = drive(plan);
    run.round();
    expect(run.running()).toEqual(['one/a']);
    expect(run.state('two/a')).toBe('waiting');
    expect(run.build.jobs.get('two/a')!.waiting).toMatchObject({ group: 'deploy', holders: [{ build: 'b-1', job: 'pipeline:one' }], position: 1 });
    run.clock.now = 100;
    run.finish('one/a', success);
    run.round();
    // one/b belongs to the holding pipeline: the group stays with it.
    expect(run.running()).toEqual(['one/b']);
    expect(run.state('two/a')).toBe('waiting');
    run.clock.now = 200;
    const effects = run.finish('one/b', success);
    expect(effects).toContainEqual(expect.objectContaining({ type: 'pipeline_done', pipeline: 'one', resourceGroup: 'deploy', failed: false }));
    expect(run.holders.get(scopedGroup('/nowhere', 'deploy'))).toBeUndefined();
    run.round();
    expect(run.running()).toEqual(['two/a']);
    expect(run.holders.get(scopedGroup('/nowhere', 'deploy'))).toEqual([{ build: 'b-1', job: 'pipeline:two' }]);
  });

  it('batch windows: jobs ready within the window of the first start together when it closes', () => {
    const batch = { key: 'k', windowMs: 100, max: 5 };
    const run = drive(makePlan({ 'p/x': {}, 'p/y': {}, 'p/a': { needs: ['p/x'], batch }, 'p/b': { needs: ['p/y'], batch } }));
    run.round();
    run.clock.now = 20;
    run.finish('p/x', success);
    expect(run.build.jobs.get('p/a')!.readyAt).toBe(20);
    expect(run.round().wakeAt).toBe(120);
    run.clock.now = 60;
    run.finish('p/y', success);
    expect(run.round().wakeAt).toBe(120);
    expect(run.running()).toEqual([]);
    run.clock.now = 120;
    run.round();
    expect(run.running()).toEqual(['p/a', 'p/b']);
    expect(run.reason('p/a')).toBe('in batch b-1.batch3 of 2');
    run.finish('p/a', success);
    run.finish('p/b', success);
    expect(run.reason('p/b')).toBe('in batch b-1.batch3');
    expect(doneStatus(run.effects)).toEqual(['success']);
  });

  it('a cache look-up comes back as an event; a canceled build cancels what is left once', () => {
    const plan = makePlan({ 'p/a': { cache: true }, 'p/b': { needs: ['p/a'] }, 'p/c': {} });
    const build = new BuildRun('b-2', 0, '/nowhere', plan, { noCache: false, only: [] }, 0);
    expect(reduceJobs(build, { type: 'build_started' }, 0)).toEqual([{ type: 'check_cache', job: 'p/a' }]);
    const hit = reduceJobs(build, { type: 'cache_checked', job: 'p/a', hit: 'same key as b-1 p/a' }, 5);
    expect(hit[0]).toMatchObject({ type: 'job_changed', snapshot: { job: 'p/a', state: 'cached', finishedAt: 5 } });
    expect(build.ready.has('p/b')).toBe(true);
    const canceled = reduceJobs(build, { type: 'cancel', reason: 'build canceled' }, 9);
    expect(canceled.filter((effect) => effect.type === 'job_changed').map((effect) => effect.type === 'job_changed' && effect.snapshot.job)).toEqual(['p/b', 'p/c']);
    expect(canceled.at(-1)).toEqual({ type: 'build_done', status: 'canceled' });
    expect(reduceJobs(build, { type: 'cancel', reason: 'again' }, 10)).toEqual([]);
  });

  it('a wait is recorded once per place in the queue; on_busy cancel stops the holder', () => {
    const build = new BuildRun('b-2', 0, '/nowhere', makePlan({ 'p/a': {}, 'p/b': {} }), { noCache: true, only: [] }, 0);
    reduceJobs(build, { type: 'build_started' }, 0);
    const waiting = { group: 'g', holders: [{ build: 'b-1', job: 'x/y' }], position: 2 };
    const first = reduceJobs(build, { type: 'wait', job: 'p/a', waiting }, 10);
    expect(first).toMatchObject([{ type: 'job_changed', snapshot: { job: 'p/a', state: 'waiting', waiting } }]);
    expect(reduceJobs(build, { type: 'wait', job: 'p/a', waiting: { ...waiting } }, 20)).toEqual([]);
    const moved = reduceJobs(build, { type: 'wait', job: 'p/a', waiting: { ...waiting, position: 1 } }, 30);
    expect(moved).toMatchObject([{ type: 'job_changed', snapshot: { state: 'waiting', waiting: { position: 1 } } }]);
    reduceJobs(build, { type: 'attempt_started', attempt: 'b-2.a1', agent: 'local', jobs: ['p/b'] }, 40);
    const cancel = reduceJobs(build, { type: 'cancel_holder', holder: { build: 'b-2', job: 'p/b' }, reason: 'on_busy: cancel for b-3' }, 50);
    expect(cancel).toEqual([{ type: 'cancel_attempt', attempt: 'b-2.a1' }]);
    reduceJobs(build, { type: 'attempt_finished', job: 'p/b', outcome: { status: 'canceled', reason: 'canceled' } }, 60);
    expect(build.jobs.get('p/b')!.reason).toBe('on_busy: cancel for b-3');
  });
});

describe('job lifecycle: attempts lost with their agent', () => {
  const lost: AttemptOutcome = { status: 'failed', reason: 'agent_lost', message: 'agent left went silent for 60.0 s' };

  it('retries a job without retry up to 2 times when its agent is lost, then marks it lost', () => {
    const run = drive(makePlan({ 'p/a': {}, 'p/b': { needs: ['p/a'] } }));
    run.round();
    run.clock.now = 1000;
    expect(run.finish('p/a', lost)).toContainEqual({ type: 'schedule' });
    expect(run.state('p/a')).toBe('queued');
    expect(run.reason('p/a')).toBe('retry 1/2 after agent left went silent for 60.0 s');
    run.round();
    run.clock.now = 2000;
    run.finish('p/a', lost);
    expect(run.reason('p/a')).toBe('retry 2/2 after agent left went silent for 60.0 s');
    run.round();
    expect(run.build.jobs.get('p/a')!.attempts).toBe(3);
    run.clock.now = 3000;
    run.finish('p/a', lost);
    expect([run.state('p/a'), run.state('p/b')]).toEqual(['lost', 'skipped']);
    expect(run.build.jobs.get('p/a')!.finishedAt).toBe(3000);
    expect(doneStatus(run.effects)).toEqual(['failed']);
  });

  it('a lost attempt then a success: the job succeeds on its second attempt', () => {
    const run = drive(makePlan({ 'p/a': {} }));
    run.round();
    run.finish('p/a', lost);
    run.round();
    run.clock.now = 500;
    run.finish('p/a', success);
    expect(run.state('p/a')).toBe('success');
    expect(run.build.jobs.get('p/a')!.attempts).toBe(2);
    expect(doneStatus(run.effects)).toEqual(['success']);
  });

  it('a job with its own retry follows it: agent_lost left out of `when` is not retried, `max` caps the rest', () => {
    const run = drive(makePlan({ 'p/a': { retry: { max: 3, when: ['failure'] } }, 'p/b': { retry: { max: 1, when: ['agent_lost'] } } }));
    run.round();
    run.finish('p/a', lost);
    run.finish('p/b', lost);
    expect(run.state('p/a')).toBe('lost');
    expect(run.state('p/b')).toBe('queued');
    run.round();
    run.finish('p/b', lost);
    expect(run.state('p/b')).toBe('lost');
  });

  it('an attempt its agent canceled unasked (shutting down) is run again; one the build canceled is not', () => {
    const run = drive(makePlan({ 'p/a': {}, 'p/b': {} }));
    run.round();
    run.finish('p/a', { status: 'canceled', reason: 'canceled' });
    expect(run.state('p/a')).toBe('queued');
    expect(run.reason('p/a')).toBe('retry 1/2 after its agent canceled it (shutting down)');
    run.send({ type: 'cancel', reason: 'build canceled' });
    run.finish('p/b', { status: 'canceled', reason: 'canceled' });
    expect(run.state('p/b')).toBe('canceled');
    expect(run.state('p/a')).toBe('canceled');
  });

  it('shows an attempt in a queue place as running with why it waits, and running plainly from its start', () => {
    const run = drive(makePlan({ 'p/a': {}, 'p/b': {} }));
    run.clock.now = 10;
    const queued = run.send({ type: 'attempt_started', attempt: 'b-1.a1', agent: 'local', jobs: ['p/a'], queued: true });
    expect(run.state('p/a')).toBe('running');
    expect(run.reason('p/a')).toBe('next on local: starts when a slot frees');
    expect(queued).toContainEqual(expect.objectContaining({ type: 'job_changed', snapshot: expect.objectContaining({ job: 'p/a', state: 'running', reason: 'next on local: starts when a slot frees', startedAt: 10 }) }));
    run.clock.now = 25;
    const started = run.send({ type: 'attempt_running', jobs: ['p/a'] });
    expect(run.reason('p/a')).toBeUndefined();
    expect(started).toEqual([expect.objectContaining({ type: 'job_changed', at: 25, snapshot: expect.objectContaining({ job: 'p/a', state: 'running', startedAt: 25 }) })]);
    // A start straight into a slot changes nothing it has published: the time is kept for the finish.
    run.send({ type: 'attempt_started', attempt: 'b-1.a2', agent: 'local', jobs: ['p/b'] });
    run.clock.now = 30;
    expect(run.send({ type: 'attempt_running', jobs: ['p/b'] })).toEqual([]);
    expect(run.build.jobs.get('p/b')!.startedAt).toBe(30);
    // A canceled build stops an attempt that waits in a queue place like one that runs.
    run.send({ type: 'attempt_started', attempt: 'b-1.a3', agent: 'local', jobs: ['p/a'], queued: true });
    expect(run.send({ type: 'cancel', reason: 'stop' })).toContainEqual({ type: 'cancel_attempt', attempt: 'b-1.a3' });
  });
});
