// `npm run bench`: farmhand run against make -j on the same generated DAG, in this one script,
// printed as ratios. Not a test: numbers vary with the machine; the ratios are what to compare.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const bin = fileURLToPath(new URL('../bin/farmhand.cjs', import.meta.url));
const slots = availableParallelism();
const sizes = (process.env.BENCH_JOBS ?? '200,2000').split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

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

console.log(`farmhand bench: ${slots} slots, ${rounds} rounds each, medians in ms`);
console.log('jobs  make-j  farmhand  ratio   make-noop  cached-rerun  startup(plan)');
const medians = [];
for (const jobs of sizes) {
  const make = [], farm = [], noop = [], cached = [], plan = [];
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
    rmSync(dir, { recursive: true, force: true });
  }
  const m = median(make), f = median(farm);
  medians.push({ jobs, make: m, farm: f });
  console.log(`${String(jobs).padEnd(5)} ${m.toFixed(0).padStart(6)}  ${f.toFixed(0).padStart(8)}  ${(f / m).toFixed(2).padStart(5)}x  ${median(noop).toFixed(0).padStart(9)}  ${median(cached).toFixed(0).padStart(12)}  ${median(plan).toFixed(0).padStart(13)}`);
}
console.log('ratio = farmhand run / make -j on the same DAG, whole commands; cached-rerun = second farmhand run, all jobs cached (target < 1000 ms at 2000 jobs)');
if (medians.length >= 2) {
  // The cost of one more job, start-up taken out: the slope between the smallest and the largest DAG.
  const [small, large] = [medians[0], medians[medians.length - 1]];
  const perJob = (key) => (large[key] - small[key]) / (large.jobs - small.jobs);
  console.log(`per-job overhead: make -j ${perJob('make').toFixed(2)} ms, farmhand ${perJob('farm').toFixed(2)} ms, ratio ${(perJob('farm') / perJob('make')).toFixed(2)}x (target <= 1.2)`);
}
