// `npm run test:soak`: builds run on a namespace LAN farm (soak-farm.ts: `farmhand serve` and three
// paired agents) for FARMHAND_SOAK_SECONDS (default 180) while, at random from FARMHAND_SOAK_SEED
// (printed), agents are SIGKILLed and restarted, their links cut for 1-8 s, stopped with SIGSTOP for
// 1-8 s, and restarted with SIGTERM. Builds (a fan-out/fan-in pipeline of jobs printing numbered
// lines) are submitted through the HTTP API, two at a time. At the end every fault is undone, every
// build must end, and the store must satisfy soak-invariants.ts. Needs root (network namespaces).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../core/store/sqlite-store';
import { buildCli } from '../helpers/cli';
import { namespacesOrSkip } from '../helpers/netns-lan';
import { startSoakFarm, type FaultKind, type SoakFarm } from './soak-farm';
import { checkSoakInvariants, type LineCounts, type StoredBuild } from './soak-invariants';

const usable = namespacesOrSkip(__filename);
const seconds = Number(process.env.FARMHAND_SOAK_SECONDS ?? 180);
const seed = Number(process.env.FARMHAND_SOAK_SEED ?? Date.now() % 1_000_000);
const inFlight = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** mulberry32: a small seeded generator, so a run can be repeated with its seed. */
function seeded(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const counts: LineCounts = { prep: 15, part1: 30, part2: 25, part3: 35, join: 20 };
const counting = (count: number) => `i=1; while [ $i -le ${count} ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done`;
const pipeline = `version: 1
name: soak
labels: [farm]
jobs:
  prep:
    run: ${counting(counts.prep!)}
${[1, 2, 3].map((part) => `  part${part}:\n    needs: [prep]\n    run: ${counting(counts[`part${part}`]!)}`).join('\n')}
  join:
    needs: [part1, part2, part3]
    run: ${counting(counts.join!)}
`;

let base = '';
let farm: SoakFarm | undefined;

beforeAll(async () => {
  if (!usable) return;
  buildCli();
  base = mkdtempSync(join(tmpdir(), 'farmhand-soak-'));
  farm = await startSoakFarm(base);
  writeFileSync(join(base, 'project', 'farmhand.yml'), pipeline);
}, 120_000);

afterAll(async () => {
  if (!usable) return;
  await farm?.close();
  rmSync(base, { recursive: true, force: true });
}, 120_000);

/** What the store holds about these builds, read once `farmhand serve` has stopped. */
function readStore(state: string, builds: string[]): StoredBuild[] {
  const store = openStore(join(state, 'farmhand.db'));
  try {
    return builds.map((id) => ({
      id,
      status: store.getBuild(id)?.status ?? 'missing',
      jobs: store.listJobs(id).map((job) => {
        const rows = store.listAttempts(id, job.id);
        const numberOf = new Map(rows.map((row) => [row.id, row.number]));
        const text = new Map<number, string>();
        for (const chunk of store.readLog(id, job.id)) {
          const number = numberOf.get(chunk.attempt) ?? 0;
          if (chunk.stream === 'stdout') text.set(number, (text.get(number) ?? '') + chunk.data);
        }
        const lines = new Map([...text].map(([number, data]) => [number, data.split('\n').filter((line) => line !== '')]));
        const attempts = rows.map(({ number, agent, status, reason, startedAt, finishedAt }) => ({ number, agent: agent ?? null, status, reason, startedAt, finishedAt }));
        const retries = store.jobHistory(id, job.id).filter((entry) => entry.reason?.startsWith('retry')).map((entry) => entry.reason!);
        return { id: job.id, state: job.state, reason: job.reason, attempts, lines, retries };
      }),
    }));
  } finally {
    store.close();
  }
}

describe.skipIf(!usable)('LAN soak', () => {
  it(`builds ride through random agent faults for ${seconds} s (seed from FARMHAND_SOAK_SEED)`, async () => {
    console.log(`soak: seed ${seed} (FARMHAND_SOAK_SEED=${seed} repeats it), ${seconds} s`);
    const random = seeded(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const running = farm!;
    const submitted: string[] = [];
    const ended = new Map<string, string>();
    const faults: string[] = [];
    /** When each agent was killed or stopped with SIGTERM (its attempts may be lost then). */
    const ends: { name: string; at: number; back: number }[] = [];
    const stopAt = Date.now() + seconds * 1000;

    const submitter = (async () => {
      while (Date.now() < stopAt) {
        const open = submitted.filter((build) => !ended.has(build));
        for (const build of open) {
          const reply = await running.api<{ status: string }>('GET', `/api/builds/${build}`);
          if (reply.status === 200 && !['queued', 'running'].includes(reply.body.status)) ended.set(build, reply.body.status);
        }
        if (submitted.length - ended.size < inFlight) {
          const reply = await running.api<{ build?: string; error?: string }>('POST', '/api/builds', { dir: join(base, 'project'), no_cache: true });
          if (reply.status !== 201) throw new Error(`POST /api/builds: ${reply.status} ${JSON.stringify(reply.body)}`);
          submitted.push(reply.body.build!);
        }
        await sleep(500);
      }
    })();
    const faulter = (async () => {
      await sleep(3000);
      while (Date.now() < stopAt) {
        const kind = pick<FaultKind>(['kill', 'cut', 'cut', 'stop', 'term']);
        const name = pick(running.names);
        const holdMs = kind === 'kill' || kind === 'term' ? 300 + Math.floor(random() * 2700) : 1000 + Math.floor(random() * 7000);
        const at = ((Date.now() - stopAt) / 1000 + seconds).toFixed(1);
        faults.push(`${at}s ${kind} ${name} ${holdMs}ms`);
        const faultAt = Date.now();
        await running.fault(kind, name, holdMs);
        if (kind === 'kill' || kind === 'term') ends.push({ name, at: faultAt, back: Date.now() });
        await sleep(1000 + Math.floor(random() * 4000));
      }
    })();
    await Promise.all([submitter, faulter]);
    await running.heal();
    // Every build must end: within 150 s (past agent_lost_after, 60 s) of the last fault being undone.
    const deadline = Date.now() + 150_000;
    while (submitted.some((build) => !ended.has(build)) && Date.now() < deadline) {
      for (const build of submitted.filter((one) => !ended.has(one))) {
        const reply = await running.api<{ status: string }>('GET', `/api/builds/${build}`);
        if (reply.status === 200 && !['queued', 'running'].includes(reply.body.status)) ended.set(build, reply.body.status);
      }
      await sleep(1000);
    }
    const unfinished = submitted.filter((build) => !ended.has(build));
    await running.close();
    farm = undefined;
    const tally = (kind: string) => faults.filter((line) => line.split(' ')[1] === kind).length;
    console.log(`soak: ${submitted.length} builds (${[...ended.values()].filter((status) => status === 'success').length} success, ${[...ended.values()].filter((status) => status !== 'success').length} not), faults: ${faults.length} (kill ${tally('kill')}, cut ${tally('cut')}, stop ${tally('stop')}, term ${tally('term')})`);
    console.log(`soak: faults\n  ${faults.join('\n  ')}`);
    expect(unfinished, `builds that never ended (seed ${seed})`).toEqual([]);
    const stored = readStore(join(base, 'coordinator'), submitted);
    const attempts = stored.flatMap((build) => build.jobs.flatMap((job) => job.attempts));
    console.log(`soak: ${attempts.length} attempts: ${['success', 'lost', 'canceled', 'failed'].map((status) => `${attempts.filter((attempt) => attempt.status === status).length} ${status}`).join(', ')}; late results on lost attempts: ${attempts.filter((attempt) => attempt.reason === 'agent_lost' && attempt.status === 'success').length}`);
    // Each attempt that did not simply succeed, on the faults' clock, to be matched with the fault list above.
    const clock = (at?: number) => (at === undefined ? '-' : `${((at - (stopAt - seconds * 1000)) / 1000).toFixed(1)}s`);
    for (const build of stored) {
      for (const job of build.jobs) {
        for (const attempt of job.attempts.filter((one) => one.status !== 'success' || one.reason !== undefined)) {
          console.log(`soak:   ${build.id} ${job.id} attempt ${attempt.number} on ${attempt.agent}: ${attempt.status}/${attempt.reason ?? '-'}, ${clock(attempt.startedAt)} -> ${clock(attempt.finishedAt)}: ${job.retries?.[attempt.number - 1] ?? ''}`);
        }
      }
    }
    // The brief allows a rerun after any lost attempt; this counts the lost ones no kill or SIGTERM explains.
    const unexplained = stored.flatMap((build) => build.jobs.flatMap((job) => job.attempts.filter((attempt) => attempt.status === 'lost'
      && !ends.some((end) => end.name === attempt.agent && end.at <= (attempt.finishedAt ?? 0) + 500 && end.back + 1000 >= (attempt.startedAt ?? 0))).map((attempt) => `${build.id} ${job.id} attempt ${attempt.number} on ${attempt.agent}`)));
    console.log(`soak: ${unexplained.length} lost attempt(s) with no kill or SIGTERM of their agent around them: ${unexplained.join(', ') || '-'}`);
    // An attempt dropped as "no longer runs it" whose result came back later: the agent ran it after all,
    // alongside the rerun (reported, not asserted: the brief's invariant allows it; see the report).
    const ranAnyway = stored.flatMap((build) => build.jobs.flatMap((job) => job.attempts.filter((attempt) => attempt.status !== 'lost'
      && job.retries?.[attempt.number - 1]?.includes('no longer runs it')).map((attempt) => `${build.id} ${job.id} attempt ${attempt.number} on ${attempt.agent} (${attempt.status})`)));
    console.log(`soak: ${ranAnyway.length} attempt(s) dropped as no longer run that their agent ran anyway: ${ranAnyway.join(', ') || '-'}`);
    const said = running.serveOutput().split('\n').filter((line) => /lost|gone|silent|went away|dropped|late|shut down/i.test(line));
    console.log(`soak: farmhand serve said (${said.length} lines about agents going)\n  ${said.slice(-60).join('\n  ')}`);
    const problems = checkSoakInvariants(stored, counts);
    expect(problems, `seed ${seed}: ${problems.length} problem(s)`).toEqual([]);
    expect(submitted.length).toBeGreaterThan(0);
  });
});
