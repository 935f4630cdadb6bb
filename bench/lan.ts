// The LAN benchmark (`npm run bench:lan`, via bench/lan.mjs): a namespace LAN on this machine
// (test/helpers/netns-lan; needs root) with a coordinator host and two paired agents of 2 slots each,
// real `farmhand` processes throughout. Measures dispatch latency (ready -> running), the makespan of
// 8 x `sleep 1`, log throughput into the store, bytes moved by a second build after one file changed,
// how long a SIGKILLed agent takes to be noticed, and (bench/lan-faults.ts) how soon a cut link resumes
// and the log rate through a reconnect storm. Each remote number is set against the same jobs run by
// the local agent alone (or a steady link), in this same script: ratios, never timed assertions.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { reconnectStorm, resumeAfterCut, type FaultBench } from './lan-faults';
import { canUseNamespaces, createLan, runFarmhand, startAgentProcess, type AgentProcess, type Lan, type LanHost } from '../test/helpers/netns-lan';

interface ReportJob { id: string; status: string; reason: string | null; agent: string | null; queued_at: number | null; started_at: number | null; finished_at: number | null }
interface Report { build: string; status: string; jobs: ReportJob[]; transfer?: { to_agents_bytes: number; from_agents_bytes: number } }
interface Row { measure: string; remote: string; local: string; ratio: string; target: string }

const killRounds = Number(process.env.BENCH_KILL_ROUNDS ?? 3);
const chainLength = Number(process.env.BENCH_CHAIN ?? 30);

let base = '';
let lan: Lan;
const agents = new Map<string, AgentProcess>();
const coordinatorState = () => join(base, 'coordinator');
const localState = () => join(base, 'local');
const coordinatorHost = (): LanHost => lan.hosts[0]!;

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? NaN;
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function project(name: string, pipelines: string): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'farmhand.yml'), pipelines);
  return dir;
}

/** `farmhand run` on the coordinator host: on the paired agents only, or (`local`) on the local agent only. */
async function run(dir: string, name: string, where: 'remote' | 'local'): Promise<{ report: Report; code: number | null; wallMs: number }> {
  const reportFile = join(base, `${name}-${where}.json`);
  const args = where === 'remote'
    ? ['run', dir, '--no-local', '--no-cache', '--agent-wait', '30s', '--state-dir', coordinatorState(), '--report', reportFile]
    : ['run', dir, '--no-cache', '--jobs', '4', '--state-dir', localState(), '--report', reportFile];
  const started = performance.now();
  const result = await runFarmhand(args, coordinatorHost(), 180_000);
  const wallMs = performance.now() - started;
  if (!existsSync(reportFile)) throw new Error(`${name} (${where}) wrote no report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  return { report: JSON.parse(readFileSync(reportFile, 'utf8')) as Report, code: result.code, wallMs };
}

function expectSuccess(report: Report, what: string): void {
  const bad = report.jobs.filter((job) => job.status !== 'success').map((job) => `${job.id} ${job.status}${job.reason ? ` (${job.reason})` : ''}`);
  if (report.status !== 'success') throw new Error(`${what}: ${bad.join('; ') || `build ${report.status}`}`);
}

async function startAgent(name: string, host: LanHost, pairing: boolean): Promise<AgentProcess> {
  const agent = await startAgentProcess(['--state-dir', join(base, name), '--name', name, '--labels', name, '--slots', '2', '--no-mdns-probe', ...(pairing ? [] : ['--no-pairing'])], host);
  agents.set(name, agent);
  return agent;
}

async function dispatchLatency(): Promise<Row[]> {
  const chain = (pipeline: string) => [`version: 1\nname: ${pipeline}\njobs:`, ...Array.from({ length: chainLength }, (_, i) => `  c${i}:\n    run: "true"${i > 0 ? `\n    needs: [c${i - 1}]` : ''}`)].join('\n');
  const dir = project('latency', `${chain('p')}\n---\n${chain('q')}\n`);
  // The store's attempt rows carry the moment the coordinator assigned a job; the job row, the moment it ran.
  const samples = async (where: 'remote' | 'local') => {
    const { report } = await run(dir, 'latency', where);
    expectSuccess(report, `latency ${where}`);
    const assigned = assignTimes(where === 'remote' ? coordinatorState() : localState(), report.build);
    return {
      total: report.jobs.map((job) => job.started_at! - job.queued_at!),
      scheduling: report.jobs.map((job) => assigned.get(job.id)! - job.queued_at!),
      delivery: report.jobs.map((job) => job.started_at! - assigned.get(job.id)!),
    };
  };
  const remote = await samples('remote');
  const local = await samples('local');
  const row = (measure: string, r: number, l: number, target = ''): Row => ({ measure, remote: fixed(r, 0), local: fixed(l, 0), ratio: l > 0 ? fixed(r / l, 2) : '-', target });
  return [
    row(`dispatch ready->running p50 (ms, ${remote.total.length} jobs)`, percentile(remote.total, 0.5), percentile(local.total, 0.5), 'p50 < 5 ms'),
    row(`dispatch ready->running p99 (ms, ${remote.total.length} jobs)`, percentile(remote.total, 0.99), percentile(local.total, 0.99)),
    row('  of which ready->assigned p50 (ms)', percentile(remote.scheduling, 0.5), percentile(local.scheduling, 0.5)),
    row('  of which assigned->running p50 (ms)', percentile(remote.delivery, 0.5), percentile(local.delivery, 0.5)),
  ];
}

/** When the coordinator assigned each job of a build (its first attempt), from the store. */
function assignTimes(state: string, build: string): Map<string, number> {
  const db = new Database(join(state, 'farmhand.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT job, MIN(started_at) AS at FROM attempts WHERE build = ? GROUP BY job').all(build) as { job: string; at: number }[];
    return new Map(rows.map((row) => [row.job, row.at]));
  } finally {
    db.close();
  }
}

async function makespan(): Promise<Row[]> {
  const dir = project('makespan', `version: 1\nname: sleepers\njobs:\n${Array.from({ length: 8 }, (_, i) => `  s${i}:\n    run: sleep 1`).join('\n')}\n`);
  const span = async (where: 'remote' | 'local') => {
    const { report } = await run(dir, 'makespan', where);
    expectSuccess(report, `makespan ${where}`);
    const agentsUsed = new Set(report.jobs.map((job) => job.agent)).size;
    return { ms: Math.max(...report.jobs.map((job) => job.finished_at!)) - Math.min(...report.jobs.map((job) => job.started_at!)), agentsUsed };
  };
  const remote = await span('remote');
  const local = await span('local');
  return [{ measure: `makespan 8 x sleep 1 on 2x2 slots (s; ideal 2; ${remote.agentsUsed} agents used)`, remote: `${fixed(remote.ms / 1000, 2)} (${fixed(remote.ms / 2000, 2)}x ideal)`, local: `${fixed(local.ms / 1000, 2)} (${fixed(local.ms / 2000, 2)}x)`, ratio: fixed(remote.ms / local.ms, 2), target: 'within 1.15x ideal' }];
}

/** Lines and bytes the store holds for one job's log. */
function storedLog(state: string, build: string, job: string): { lines: number; bytes: number } {
  const db = new Database(join(state, 'farmhand.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare("SELECT COALESCE(SUM(length(data) - length(replace(data, char(10), ''))), 0) AS lines, COALESCE(SUM(length(CAST(data AS BLOB))), 0) AS bytes FROM log_chunks WHERE build = ? AND job = ? AND stream = 'stdout'").get(build, job) as { lines: number; bytes: number };
    return row;
  } finally {
    db.close();
  }
}

async function logThroughput(): Promise<Row[]> {
  const lines = 1_000_000;
  const dir = project('logs', `version: 1\nname: chatty\njobs:\n  print:\n    run: seq 1 ${lines}\n`);
  const measure = async (where: 'remote' | 'local') => {
    const { report } = await run(dir, 'logs', where);
    expectSuccess(report, `logs ${where}`);
    const job = report.jobs[0]!;
    const stored = storedLog(where === 'remote' ? coordinatorState() : localState(), report.build, job.id);
    if (stored.lines !== lines) throw new Error(`logs ${where}: the store holds ${stored.lines} of ${lines} lines`);
    const seconds = (job.finished_at! - job.started_at!) / 1000;
    return { linesPerSecond: stored.lines / seconds, megabytesPerSecond: stored.bytes / 1e6 / seconds };
  };
  const remote = await measure('remote');
  const local = await measure('local');
  return [
    { measure: `log throughput, seq 1 ${lines} into the store (lines/s)`, remote: fixed(remote.linesPerSecond, 0), local: fixed(local.linesPerSecond, 0), ratio: fixed(remote.linesPerSecond / local.linesPerSecond, 2), target: '' },
    { measure: 'log throughput (MB/s)', remote: fixed(remote.megabytesPerSecond, 2), local: fixed(local.megabytesPerSecond, 2), ratio: fixed(remote.megabytesPerSecond / local.megabytesPerSecond, 2), target: '' },
  ];
}

async function bytesMoved(): Promise<Row[]> {
  const dir = project('snapshot', 'version: 1\nname: reader\nlabels: [left]\njobs:\n  count:\n    run: mkdir -p out && cat src/many/* | wc -c > out/count.txt\n    outputs: [out/count.txt]\n');
  mkdirSync(join(dir, 'src/many'), { recursive: true });
  for (let i = 0; i < 1000; i++) writeFileSync(join(dir, `src/many/f${String(i).padStart(4, '0')}.txt`), randomBytes(512).toString('hex'));
  const first = await run(dir, 'snapshot-first', 'remote');
  expectSuccess(first.report, 'first snapshot build');
  writeFileSync(join(dir, 'src/many/f0417.txt'), randomBytes(512).toString('hex'));
  const second = await run(dir, 'snapshot-second', 'remote');
  expectSuccess(second.report, 'second snapshot build');
  const [a, b] = [first.report.transfer?.to_agents_bytes ?? NaN, second.report.transfer?.to_agents_bytes ?? NaN];
  return [{ measure: 'bytes to agents, 1,000 files; second build after 1 changed', remote: `${a} then ${b}`, local: '-', ratio: `${fixed((100 * b) / a, 2)}%`, target: 'under 1%' }];
}

async function killedAgent(): Promise<Row[]> {
  const detections: number[] = [];
  for (let round = 0; round < killRounds; round++) {
    const mark = join(base, `victim-${round}.started`);
    const dir = project(`victim-${round}`, `version: 1\nname: victim\nlabels: [right]\njobs:\n  hold:\n    run: touch ${mark} && sleep 6\n`);
    const building = run(dir, `victim-${round}`, 'remote');
    const deadline = Date.now() + 30_000;
    while (!existsSync(mark) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    if (!existsSync(mark)) throw new Error(`round ${round}: the job never started on right`);
    const killedAt = Date.now();
    agents.get('right')!.child.kill('SIGKILL');
    const { report } = await building;
    const job = report.jobs[0]!;
    if (job.status !== 'lost') throw new Error(`round ${round}: the job ended ${job.status}, not lost`);
    detections.push(job.finished_at! - killedAt);
    await agents.get('right')!.stop();
    await startAgent('right', lan.hosts[2]!, false);
  }
  return [{ measure: `killed agent (SIGKILL mid-job) -> attempt lost (ms, ${killRounds} rounds)`, remote: `p50 ${fixed(percentile(detections, 0.5), 0)}, max ${fixed(Math.max(...detections), 0)}`, local: '-', ratio: '-', target: 'under 5000' }];
}

/** What the fault cases of bench/lan-faults.ts need from this script. */
function faultBench(): FaultBench {
  const left = lan.hosts[1]!.namespace;
  return {
    base, coordinatorState: coordinatorState(), project, run: (dir, name) => run(dir, name, 'remote'), percentile, fixed,
    connections: () => (agents.get('left')?.stderr().match(/ connected$/gm) ?? []).length,
    link: (state) => {
      spawnSync('ip', ['-n', left, 'link', 'set', 'eth0', state]);
      if (state === 'up') spawnSync('ip', ['-n', left, 'route', 'replace', '224.0.0.0/4', 'dev', 'eth0']);
    },
  };
}

function printTable(rows: Row[]): void {
  const header: Row = { measure: 'measure', remote: '2 agents x 2 slots', local: 'local only', ratio: 'ratio', target: 'target' };
  const keys = ['measure', 'remote', 'local', 'ratio', 'target'] as const;
  const widths = keys.map((key) => Math.max(...[header, ...rows].map((row) => row[key].length)));
  const line = (row: Row) => keys.map((key, i) => row[key].padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<number> {
  if (!canUseNamespaces()) {
    console.error('bench:lan: needs root and iproute2 (`ip netns`) to build a namespace LAN');
    return 3;
  }
  base = mkdtempSync(join(tmpdir(), 'farmhand-bench-lan-'));
  lan = createLan(3);
  try {
    for (const [name, host] of [['left', lan.hosts[1]!], ['right', lan.hosts[2]!]] as const) {
      const agent = await startAgent(name, host, true);
      const paired = await runFarmhand(['pair', `${host.address}:${agent.port}`, agent.code!, '--state-dir', coordinatorState()], coordinatorHost());
      if (paired.code !== 0) throw new Error(`pairing ${name} failed: ${paired.stderr}`);
    }
    console.log('farmhand bench:lan: coordinator + 2 agents x 2 slots in network namespaces; baseline = the same jobs on the local agent (4 slots)');
    const rows: Row[] = [];
    // `node bench/lan.mjs latency,bytes` picks cases; all by default.
    const steps = { latency: dispatchLatency, makespan, logs: logThroughput, bytes: bytesMoved, kill: killedAgent, resume: () => resumeAfterCut(faultBench()), storm: () => reconnectStorm(faultBench()) };
    const picked = (process.argv[2] ?? Object.keys(steps).join(',')).split(',');
    const unknown = picked.filter((name) => !(name in steps));
    if (unknown.length > 0) throw new Error(`no case ${unknown.join(', ')} (cases: ${Object.keys(steps).join(', ')})`);
    // A case that fails is a row of the table (and its whole message above it): the others still run.
    let failures = 0;
    for (const name of picked) {
      const started = performance.now();
      try {
        rows.push(...(await steps[name as keyof typeof steps]()));
        console.error(`  ${name}: ${fixed((performance.now() - started) / 1000, 1)} s`);
      } catch (error) {
        failures++;
        const message = error instanceof Error ? error.message : String(error);
        console.error(`  ${name}: FAILED after ${fixed((performance.now() - started) / 1000, 1)} s: ${message}`);
        for (const [agentName, agent] of agents) console.error(`  --- agent ${agentName} (stderr, last 1000 characters) ---\n${agent.stderr().slice(-1000)}`);
        rows.push({ measure: name, remote: 'FAILED', local: '-', ratio: '-', target: message.split('\n')[0]!.slice(0, 90) });
      }
    }
    printTable(rows);
    return failures > 0 ? 1 : 0;
  } catch (error) {
    console.error(`bench:lan failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await Promise.all([...agents.values()].map((agent) => agent.stop('SIGTERM')));
    lan.close();
    rmSync(base, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
