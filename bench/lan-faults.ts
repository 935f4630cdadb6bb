// The fault cases of `npm run bench:lan` (bench/lan.ts runs them on its namespace LAN): how soon a
// cut link's job resumes once the link is back (the first resent log line, and the result, landing in
// the coordinator's store), and the log delivery rate through link flaps set against the same job with
// a steady link: 10 flaps of 0.5 s down / 0.5 s up (shorter than the 3 s heartbeat timeout: TCP rides
// through, no reconnect) and 3 of 3.5 s down / 1 s up (each one a real reconnect and resend). Times
// are polled from the store (every 20 ms), so they carry up to 20 ms of polling on top.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface FaultRow { measure: string; remote: string; local: string; ratio: string; target: string }
interface RunResult { report: { build: string; status: string; jobs: { id: string; status: string; reason: string | null }[] } }

export interface FaultBench {
  base: string;
  coordinatorState: string;
  project(name: string, pipelines: string): string;
  run(dir: string, name: string, where: 'remote'): Promise<RunResult>;
  /** Sets the `left` agent's link up or down. */
  link(state: 'up' | 'down'): void;
  /** How many times a coordinator has connected to `left` so far (its log's `... connected` lines). */
  connections(): number;
  percentile(values: number[], fraction: number): number;
  fixed(value: number, digits?: number): string;
}

const resumeRounds = Number(process.env.BENCH_RESUME_ROUNDS ?? 3);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000, stepMs = 20): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
  return Date.now();
}

/** Reads a job's stdout from the coordinator's store while a build runs (the store is in WAL mode). */
function logReader(state: string, job: string) {
  let db: Database.Database | undefined;
  const open = () => (db ??= new Database(join(state, 'farmhand.db'), { readonly: true, fileMustExist: true }));
  return {
    lineCount(): number {
      const row = open().prepare("SELECT COALESCE(SUM(length(data) - length(replace(data, char(10), ''))), 0) AS lines FROM log_chunks WHERE job = ? AND stream = 'stdout'").get(job) as { lines: number };
      return row.lines;
    },
    lines(): string[] {
      const rows = open().prepare("SELECT data FROM log_chunks WHERE job = ? AND stream = 'stdout' ORDER BY build, seq").all(job) as { data: string }[];
      return rows.map((row) => row.data).join('').split('\n').filter((line) => line !== '');
    },
    attempts(): number {
      return (open().prepare('SELECT COUNT(*) AS n FROM attempts WHERE job = ?').get(job) as { n: number }).n;
    },
    close: () => db?.close(),
  };
}

function expectExactly(lines: string[], expected: string[], what: string): void {
  const wrong = expected.findIndex((line, index) => lines[index] !== line);
  if (wrong >= 0 || lines.length !== expected.length) throw new Error(`${what}: ${lines.length} lines stored of ${expected.length}; first wrong at ${wrong + 1}: ${JSON.stringify(lines[wrong])}`);
}

/** Link of `left` down 5 s while its job prints a line every 100 ms (it ends during the cut). */
export async function resumeAfterCut(bench: FaultBench): Promise<FaultRow[]> {
  const firstLine: number[] = [];
  const result: number[] = [];
  for (let round = 0; round < resumeRounds; round++) {
    const mark = join(bench.base, `resume-${round}.started`);
    const count = 50;
    const dir = bench.project(`resume-${round}`, `version: 1\nname: resume${round}\nlabels: [left]\njobs:\n  count:\n    run: touch ${mark}; i=1; while [ $i -le ${count} ]; do echo "line $i"; i=$((i+1)); sleep 0.1; done\n`);
    const building = bench.run(dir, `resume-${round}`, 'remote');
    const log = logReader(bench.coordinatorState, `resume${round}/count`);
    try {
      await waitFor(`round ${round}: the job to start on left`, () => existsSync(mark), 30_000, 5);
      await sleep(1000);
      bench.link('down');
      await sleep(5000);
      const before = log.lineCount();
      const upAt = Date.now();
      bench.link('up');
      firstLine.push((await waitFor(`round ${round}: a resent line`, () => log.lineCount() > before, 30_000)) - upAt);
      const { report } = await building;
      result.push(Date.now() - upAt);
      if (report.status !== 'success') throw new Error(`round ${round}: build ${report.status}`);
      expectExactly(log.lines(), Array.from({ length: count }, (_, index) => `line ${index + 1}`), `round ${round}`);
      if (log.attempts() !== 1) throw new Error(`round ${round}: ${log.attempts()} attempts, expected 1`);
    } finally {
      bench.link('up');
      log.close();
    }
  }
  // `result` is measured when `farmhand run` exits, so it also holds that process's ending.
  const summary = (values: number[]) => `p50 ${bench.fixed(bench.percentile(values, 0.5), 0)}, max ${bench.fixed(Math.max(...values), 0)}`;
  return [
    { measure: `link back after 5 s cut -> first resent line stored (ms, ${resumeRounds} rounds)`, remote: summary(firstLine), local: '-', ratio: '-', target: 'under 3000' },
    { measure: `link back after 5 s cut -> build ended (ms, ${resumeRounds} rounds)`, remote: summary(result), local: '-', ratio: '-', target: 'under 3000' },
  ];
}

/** A job printing 200 x 1,000 lines over ~10 s on `left`: with a steady link, then through short and long flaps. */
export async function reconnectStorm(bench: FaultBench): Promise<FaultRow[]> {
  const batches = 200;
  const total = batches * 1000;
  const measure = async (name: string, flaps: number, downMs: number, upMs: number) => {
    const mark = join(bench.base, `${name}.started`);
    const dir = bench.project(name, `version: 1\nname: ${name}\nlabels: [left]\njobs:\n  print:\n    run: touch ${mark}; i=0; while [ $i -lt ${batches} ]; do seq $((i*1000+1)) $((i*1000+1000)); i=$((i+1)); sleep 0.05; done\n`);
    const building = bench.run(dir, name, 'remote');
    const log = logReader(bench.coordinatorState, `${name}/print`);
    try {
      const startedAt = await waitFor(`${name}: the job to start on left`, () => existsSync(mark), 30_000, 5);
      // Counted once the job runs (its coordinator's first connection is older) and until its last line landed.
      const connectionsBefore = bench.connections();
      const flapping = (async () => {
        for (let flip = 0; flip < flaps; flip++) {
          bench.link('down');
          await sleep(downMs);
          bench.link('up');
          await sleep(upMs);
        }
      })();
      const allAt = await waitFor(`${name}: every line stored`, () => log.lineCount() >= total, 120_000, 20);
      const reconnects = bench.connections() - connectionsBefore;
      await flapping;
      const { report } = await building;
      if (report.status !== 'success') throw new Error(`${name}: build ${report.status}`);
      expectExactly(log.lines(), Array.from({ length: total }, (_, index) => String(index + 1)), name);
      return { linesPerSecond: total / ((allAt - startedAt) / 1000), attempts: log.attempts(), reconnects };
    } finally {
      bench.link('up');
      log.close();
    }
  };
  const steady = await measure('steady', 0, 0, 0);
  const short = await measure('flaps', 10, 500, 500);
  const long = await measure('storm', 3, 3500, 1000);
  const row = (what: string, result: typeof steady): FaultRow => ({
    measure: `log delivery, ${total} lines over ~10 s, ${what} (lines/s; steady link in 'local')`,
    remote: `${bench.fixed(result.linesPerSecond, 0)} (${result.reconnects} reconnects, ${result.attempts} attempt, all once)`,
    local: bench.fixed(steady.linesPerSecond, 0),
    ratio: bench.fixed(result.linesPerSecond / steady.linesPerSecond, 2),
    target: 'every line once',
  });
  return [row('link 10 x 0.5 s down/0.5 s up', short), row('link 3 x 3.5 s down/1 s up', long)];
}
