// The soak test's invariant check (soak-invariants.ts) finds what it is meant to find: a gap, a
// duplicate, a second attempt after a successful first one, a failure nothing explains.
import { describe, expect, it } from 'vitest';
import { checkSoakInvariants, type StoredBuild, type StoredJob } from './soak-invariants';

const numbered = (count: number) => Array.from({ length: count }, (_, index) => `line ${index + 1}`);
const job = (patch: Partial<StoredJob>): StoredJob => ({ id: 'soak/part', state: 'success', attempts: [{ number: 1, agent: 'a1', status: 'success' }], lines: new Map([[1, numbered(3)]]), ...patch });
const build = (...jobs: StoredJob[]): StoredBuild => ({ id: 'b-0001', status: jobs.every((one) => one.state === 'success') ? 'success' : 'failed', jobs });

describe('soak invariants', () => {
  it('accepts a clean build and a rerun after a lost attempt whose log stopped early', () => {
    const rerun = job({ attempts: [{ number: 1, agent: 'a1', status: 'lost', reason: 'agent_lost' }, { number: 2, agent: 'a2', status: 'success' }], lines: new Map([[1, numbered(2)], [2, numbered(3)]]) });
    expect(checkSoakInvariants([build(job({})), build(rerun)], { part: 3 })).toEqual([]);
  });

  it('accepts a build failed because a job was lost with its agent every time, and what needed it canceled', () => {
    const lost = job({ state: 'lost', reason: 'agent_lost', attempts: [1, 2, 3].map((number) => ({ number, agent: 'a1', status: 'lost', reason: 'agent_lost' })), lines: new Map() });
    expect(checkSoakInvariants([build(lost, job({ id: 'soak/join', state: 'canceled', attempts: [], lines: new Map() }))], { part: 3 })).toEqual([]);
  });

  it('finds a gap, a duplicate and a missing tail', () => {
    const problems = checkSoakInvariants([
      build(job({ lines: new Map([[1, ['line 1', 'line 3']]]) })),
      build(job({ lines: new Map([[1, ['line 1', 'line 1', 'line 2', 'line 3']]]) })),
      build(job({ lines: new Map([[1, numbered(2)]]) })),
    ], { part: 3 });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/attempt 1 \(success\): log line 2 is "line 3", expected "line 2"/);
  });

  it('finds a second attempt after a successful one, and a failure no lost agent explains', () => {
    const twice = job({ attempts: [{ number: 1, agent: 'a1', status: 'success' }, { number: 2, agent: 'a2', status: 'success' }], lines: new Map([[1, numbered(3)], [2, numbered(3)]]) });
    const failed = job({ state: 'failed', reason: 'exit', attempts: [{ number: 1, agent: 'a1', status: 'failed', reason: 'exit' }], lines: new Map([[1, numbered(1)]]) });
    const problems = checkSoakInvariants([build(twice), build(failed)], { part: 3 });
    expect(problems).toEqual([
      expect.stringMatching(/attempt 1 ended success, yet another attempt followed/),
      expect.stringMatching(/failed \(exit\) after 1 attempt\(s\).*not explained by a lost agent/),
    ]);
  });
});
