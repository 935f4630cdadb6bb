// `npm run bench`: farmhand run against make -j on the same generated DAG, in this one script,
// printed as ratios. Not a test: numbers vary with the machine; the ratios are what to compare.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, generateFanOut, generateSkewed } from './generate.mjs';

const bin = fileURLToPath(new URL('../bin/farmhand.cjs', import.meta.url));
// Slots for both make -j and farmhand: every core by default; BENCH_SLOTS=1 on 2 cores leaves the
// coordinator a core of its own (what a machine with cores to spare sees).
const slots = Number(process.env.BENCH_SLOTS ?? availableParallelism());
const sizes = (process.env.BENCH_JOBS ?? '200,2000').split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
// `node bench/run.mjs make,fan-out,priorities` picks cases; all by default.
const cases = new Set((process.argv[2] ?? 'make,fan-out,priorities').split(','));

function time(command, args, cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  execFileSync('make', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('bench: make is not installed (apt-get install make)');
  process.exit(3);
}

if (cases.has('make')) benchMake();
if (cases.has('fan-out')) benchFanOut();
if (cases.has('priorities')) benchPriorities();

function benchMake() {
  console.log(`farmhand bench: ${slots} slots on ${availableParallelism()} cores, ${rounds} rounds each, medians in ms`);
  console.log('jobs  make-j  farmhand  ratio   make-noop  cached-rerun  startup(plan)  node-startup');
  const medians = [];
  const perRound = [];
  for (const jobs of sizes) {
    const make = [], farm = [], noop = [], cached = [], plan = [], startup = [];
    for (let round = 0; round < rounds; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'farmhand-bench-'));
      const state = join(dir, '.state');
      generate(dir, { jobs, layers: Math.max(4, Math.round(Math.sqrt(jobs) / 2)), seed: 7 });
      make.push(time('make', [`-j${slots}`, '-s'], dir));
      noop.push(time('make', [`-j${slots}`, '-s'], dir));
      rmSync(join(dir, 'out'), { recursive: true });
      execFileSync('mkdir', ['-p', join(dir, 'out')]);
      farm.push(time('node', [bin, 'run', dir, '--state-dir', state, '--jobs', String(slots)], dir));
      cached.push(time('node', [bin, 'run', dir, '--state-dir', state, '--jobs', String(slots)], dir));
      plan.push(time('node', [bin, 'plan', dir, '--format', 'json'], dir));
      startup.push(time('node', [bin, '--version'], dir));
      rmSync(dir, { recursive: true, force: true });
    }
    perRound.push({ jobs, make, farm });
    const m = median(make), f = median(farm);
    medians.push({ jobs, make: m, farm: f, plan: median(plan), startup: median(startup) });
    console.log(`${String(jobs).padEnd(5)} ${m.toFixed(0).padStart(6)}  ${f.toFixed(0).padStart(8)}  ${(f / m).toFixed(2).padStart(5)}x  ${median(noop).toFixed(0).padStart(9)}  ${median(cached).toFixed(0).padStart(12)}  ${median(plan).toFixed(0).padStart(13)}  ${median(startup).toFixed(0).padStart(12)}`);
  }
  console.log('ratio = farmhand run / make -j on the same DAG, whole commands; cached-rerun = second farmhand run, all jobs cached (target < 1000 ms at 2000 jobs)');
  // Where the time of the smallest run goes: node and the bundle loading (`--version`), reading the
  // spec and planning (`plan` beyond start-up), and running the jobs (`run` beyond `plan`).
  const first = medians[0];
  console.log(`where time goes at ${first.jobs} jobs: start-up ${first.startup.toFixed(0)} ms, plan ${(first.plan - first.startup).toFixed(0)} ms, run ${(first.farm - first.plan).toFixed(0)} ms (of ${first.farm.toFixed(0)}; make -j ${first.make.toFixed(0)})`);
  if (medians.length >= 2) {
    // The cost of one more job, start-up taken out: the slope between the smallest and the largest DAG,
    // per round (round i of each size), and the median of those rounds: one round's figure is noisy.
    const [small, large] = [perRound[0], perRound[perRound.length - 1]];
    const slope = (key, round) => (large[key][round] - small[key][round]) / (large.jobs - small.jobs);
    const slopes = small.make.map((_, round) => ({ make: slope('make', round), farm: slope('farm', round) }));
    const ratios = slopes.map(({ make, farm }) => farm / make);
    console.log(`per-job overhead by round: ${ratios.map((ratio) => `${ratio.toFixed(2)}x`).join(' ')}`);
    console.log(`per-job overhead: make -j ${median(slopes.map((s) => s.make)).toFixed(2)} ms, farmhand ${median(slopes.map((s) => s.farm)).toFixed(2)} ms, ratio ${median(ratios).toFixed(2)}x, median of ${ratios.length} rounds (target <= 1.2)`);
  }
}

/**
 * The scheduler's cost per job: a flat fan-out of `true` jobs at two sizes (BENCH_FANOUT, default
 * 2000,20000), one round each unless BENCH_FANOUT_ROUNDS says more. `farmhand plan` on the same project
 * is timed too, so that start-up and planning can be taken out of the run.
 */
function benchFanOut() {
  const [small, large] = (process.env.BENCH_FANOUT ?? '2000,20000').split(',').map(Number);
  const fanOutRounds = Number(process.env.BENCH_FANOUT_ROUNDS ?? 1);
  console.log(`fan-out bench: flat fan-outs of \`true\` jobs, ${slots} slots, ${fanOutRounds} round(s), medians in ms`);
  console.log('jobs    run      plan   run/job  (run-plan)/job');
  const perJob = [];
  for (const jobs of [small, large]) {
    const run = [], plan = [];
    for (let round = 0; round < fanOutRounds; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'farmhand-fan-out-'));
      generateFanOut(dir, jobs);
      plan.push(time('node', [bin, 'plan', dir, '--format', 'json'], dir));
      run.push(time('node', [bin, 'run', dir, '--state-dir', join(dir, '.state'), '--jobs', String(slots)], dir));
      rmSync(dir, { recursive: true, force: true });
    }
    const r = median(run), p = median(plan);
    perJob.push({ whole: r / jobs, run: (r - p) / jobs });
    console.log(`${String(jobs).padEnd(6)} ${r.toFixed(0).padStart(6)}  ${p.toFixed(0).padStart(6)}  ${(r / jobs).toFixed(2).padStart(7)}  ${((r - p) / jobs).toFixed(2).padStart(13)}`);
  }
  const [a, b] = perJob;
  console.log(`per-job cost ${large} vs ${small}: ${(b.whole / a.whole).toFixed(2)}x whole command, ${(b.run / a.run).toFixed(2)}x without start-up and planning (target <= 1.5)`);
}

/** Makespan of a run report and its lower bound max(critical path, work / slots), from the measured durations. */
function makespanOf(report, dag, prioritySlots) {
  const jobs = new Map(report.jobs.map((job) => [job.id.replace(/^skewed\//, ''), job]));
  const ms = (id) => jobs.get(id).finished_at - jobs.get(id).started_at;
  const start = Math.min(...report.jobs.map((job) => job.started_at));
  const end = Math.max(...report.jobs.map((job) => job.finished_at));
  const path = new Map();
  // dag is in an order where needs come first: the heaviest path ending at each job.
  for (const job of dag) path.set(job.id, ms(job.id) + Math.max(0, ...job.needs.map((need) => path.get(need))));
  const critical = Math.max(...path.values());
  const work = dag.reduce((sum, job) => sum + ms(job.id), 0);
  return { makespan: end - start, bound: Math.max(critical, work / prioritySlots), critical, work };
}

/**
 * Priorities from history: a DAG with skewed durations run twice with the same slots. The first run
 * has no history (every job weighs 1, so the long jobs that nothing needs start last); the second
 * weights critical paths by the first run's durations. Each is printed against its lower bound.
 */
function benchPriorities() {
  const prioritySlots = Number(process.env.BENCH_PRIORITY_SLOTS ?? 4);
  const dir = mkdtempSync(join(tmpdir(), 'farmhand-priorities-'));
  try {
    const dag = generateSkewed(dir);
    console.log(`priorities bench: ${dag.length} sleep jobs with skewed durations, ${prioritySlots} slots; makespan vs max(critical path, work/slots), ms`);
    console.log('run                       makespan  bound  critical  work/slots  makespan/bound');
    for (const label of ['1: no history (unit)', '2: weighted by run 1']) {
      const reportPath = join(dir, 'report.json');
      time('node', [bin, 'run', dir, '--state-dir', join(dir, '.state'), '--jobs', String(prioritySlots), '--report', reportPath], dir);
      const { makespan, bound, critical, work } = makespanOf(JSON.parse(readFileSync(reportPath, 'utf8')), dag, prioritySlots);
      console.log(`${label.padEnd(24)}  ${makespan.toFixed(0).padStart(8)}  ${bound.toFixed(0).padStart(5)}  ${critical.toFixed(0).padStart(8)}  ${(work / prioritySlots).toFixed(0).padStart(10)}  ${(makespan / bound).toFixed(2).padStart(13)}x`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
