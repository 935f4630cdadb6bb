// The coordinator keeps the outputs its agent reported in the result, never walking the workspace for
// them: an unreported file that matches the globs is not stored; a batch's report is split per member;
// a bad or missing report fails the job; a file changed after it was described is not cached; bytes
// sent with the report are stored without a second read, if they match it. Start
// times come from the coordinator's clock, not from the agent's `started.at`.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCoordinator, type Coordinator } from '../../../core/coordinator/coordinator';
import { createChannelPair } from '../../../core/protocol/channel';
import { protocolVersion, type AgentMessage, type AttemptSpec, type CoordinatorMessage, type OutputFile } from '../../../core/protocol/types';
import { openState, type State } from '../../../core/store/state-dir';
import { makePlan } from '../../helpers/plans';

const sha = (data: string) => createHash('sha256').update(data).digest('hex');
const file = (path: string, text: string): OutputFile => ({ path, size: Buffer.byteLength(text), sha256: sha(text), mode: 0o644 });

let dir: string;
let state: State;
let coordinator: Coordinator;
let warnings: string[];
/** What the scripted agent reports for an attempt: it answers every assign with `report(spec)`. */
let report: (spec: AttemptSpec) => OutputFile[] | undefined;
let assigned: AttemptSpec[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'farmhand-reported-'));
  state = openState(join(dir, 'state'));
  warnings = [];
  assigned = [];
  const clock = { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  coordinator = createCoordinator({ store: state.store, artifacts: state.artifacts, clock, warn: (line) => warnings.push(line) });
  const [coordinatorEnd, agentEnd] = createChannelPair<CoordinatorMessage, AgentMessage>();
  coordinator.attachAgent(coordinatorEnd);
  agentEnd.onMessage((message) => {
    if (message.type !== 'assign') return;
    assigned.push(message.attempt);
    // An agent whose clock is far behind: its `at` must not become the job's start time.
    agentEnd.send({ type: 'started', attempt: message.attempt.id, at: 5 });
    setTimeout(() => agentEnd.send({ type: 'result', attempt: message.attempt.id, outcome: { status: 'success', exitCode: 0, outputs: report(message.attempt) } }), 5);
  });
  agentEnd.send({ type: 'hello', protocol: protocolVersion, agent: { id: 'scripted', name: 'scripted', pools: ['*'], labels: ['*'], slots: 2, executors: ['shell'] } });
});

afterEach(async () => {
  await coordinator.close();
  state.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(path: string, text: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
}

const start = (plan: ReturnType<typeof makePlan>) => coordinator.startBuild({ root: dir, plan, options: { noCache: false, only: [] } });

describe('outputs reported by the agent', () => {
  it('stores exactly the reported files (an unreported match stays out) and starts on the coordinator clock', async () => {
    write('out/a.txt', 'a\n');
    write('out/unreported.txt', 'not told\n');
    report = () => [file('out/a.txt', 'a\n')];
    const before = Date.now();
    const build = start(makePlan({ 'p/gen': { cache: true, outputs: ['out/**'], key: 'k-gen' } }));
    expect(await coordinator.finished(build)).toBe('success');
    expect(state.store.getCacheEntry('k-gen')?.outputs).toEqual([{ path: 'out/a.txt', size: 2, sha256: sha('a\n'), mode: 0o644 }]);
    expect(state.artifacts.has(sha('a\n'))).toBe(true);
    expect(state.artifacts.has(sha('not told\n'))).toBe(false);
    const job = state.store.listJobs(build).find((row) => row.id === 'p/gen')!;
    expect(job.startedAt).toBeGreaterThanOrEqual(before);
  });

  it('splits a batch report per member and keeps a reported link as a link', async () => {
    write('a/x.txt', 'x\n');
    write('b/y.txt', 'y\n');
    report = () => [file('a/x.txt', 'x\n'), { path: 'b/link', size: 5, sha256: sha('y.txt'), mode: 0o777, link: 'y.txt' }, file('b/y.txt', 'y\n')];
    const batch = { key: 'b', windowMs: 30, max: 10 };
    const build = start(makePlan({ 'p/a': { batch, cache: true, outputs: ['a/**'], key: 'k-a' }, 'p/b': { batch, cache: true, outputs: ['b/*'], key: 'k-b' } }));
    expect(await coordinator.finished(build)).toBe('success');
    expect(assigned).toHaveLength(1);
    expect(state.store.getCacheEntry('k-a')?.outputs.map((output) => output.path)).toEqual(['a/x.txt']);
    const b = state.store.getCacheEntry('k-b')?.outputs;
    expect(b?.map((output) => output.path)).toEqual(['b/link', 'b/y.txt']);
    expect(b?.[0]!.mode).toBe(0o120777);
    expect(state.artifacts.read(sha('y.txt'))?.toString()).toBe('y.txt');
  });

  it('fails the job when the report names a path out of the workspace, or is missing', async () => {
    report = () => [file('../evil.txt', 'evil\n')];
    const outside = start(makePlan({ 'p/gen': { outputs: ['../evil.txt'] } }));
    expect(await coordinator.finished(outside)).toBe('failed');
    expect(state.store.listJobs(outside)[0]!.reason).toContain('could not read outputs: path');
    report = () => undefined;
    const missing = start(makePlan({ 'p/gen': { outputs: ['out/**'] } }));
    expect(await coordinator.finished(missing)).toBe('failed');
    expect(state.store.listJobs(missing)[0]!.reason).toBe('could not read outputs: agent scripted did not report them');
  });

  it('makes no cache entry for a file whose content changed after it was described', async () => {
    write('out/a.txt', 'changed since\n');
    report = () => [file('out/a.txt', 'as described\n')];
    const build = start(makePlan({ 'p/gen': { cache: true, outputs: ['out/**'], key: 'k-changed' } }));
    expect(await coordinator.finished(build)).toBe('success');
    expect(state.store.getCacheEntry('k-changed')).toBeUndefined();
    expect(warnings).toContain('outputs of p/gen changed before they were stored; not cached');
  });

  it('stores the bytes that came with the report without reading the file again, and checks them against its sha256', async () => {
    // Not on disk at all: only the report's bytes can fill the store.
    report = () => [{ ...file('out/sent.txt', 'sent along\n'), content: Buffer.from('sent along\n') }];
    const sent = start(makePlan({ 'p/gen': { cache: true, outputs: ['out/**'], key: 'k-sent' } }));
    expect(await coordinator.finished(sent)).toBe('success');
    expect(state.store.getCacheEntry('k-sent')?.outputs).toEqual([{ path: 'out/sent.txt', size: 11, sha256: sha('sent along\n'), mode: 0o644 }]);
    expect(state.artifacts.read(sha('sent along\n'))?.toString()).toBe('sent along\n');
    // Bytes that are not what the description says (of its size: others are refused as malformed) are
    // not stored, whatever is on disk.
    write('out/wrong.txt', 'described\n');
    report = () => [{ ...file('out/wrong.txt', 'described\n'), content: Buffer.from('different\n') }];
    const wrong = start(makePlan({ 'p/gen': { cache: true, outputs: ['out/**'], key: 'k-wrong' } }));
    expect(await coordinator.finished(wrong)).toBe('success');
    expect(state.store.getCacheEntry('k-wrong')).toBeUndefined();
    expect(state.artifacts.has(sha('different\n'))).toBe(false);
    expect(warnings).toContain('outputs of p/gen changed before they were stored; not cached');
  });
});
