// "No lost log line": a coordinator killed with SIGKILL right after flush() keeps every flushed row.
// The child must be plain JavaScript, so the store is bundled with esbuild first.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, stop as stopEsbuild } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../core/store/sqlite-store';
import { createScratch, planOf } from './store-fixtures';

const scratch = createScratch();
const jobs = Array.from({ length: 10 }, (_, i) => `p/j${i}`);
let dir = '';

beforeAll(async () => {
  dir = scratch.dir();
  const sqlitePath = createRequire(import.meta.url).resolve('better-sqlite3');
  await build({
    entryPoints: [join(import.meta.dirname, '../../../core/store/sqlite-store.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(dir, 'store.mjs'),
    logLevel: 'silent',
    // The bundle lives in a temp dir without node_modules: import the native module by absolute path.
    plugins: [{ name: 'absolute-sqlite', setup: (b) => b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlitePath, external: true })) }],
  });
  writeFileSync(join(dir, 'child.mjs'), childSource());
});
afterAll(async () => {
  scratch.cleanup();
  // esbuild's JS API keeps a service process until told to stop.
  await stopEsbuild();
});

/** Writes `count` chunks and state changes, flushes, queues more it never flushes, then waits to be killed. */
function childSource(): string {
  return `
import { openStore } from './store.mjs';
const [file, count] = [process.argv[2], Number(process.argv[3])];
const never = { setTimeout: () => 0, clearTimeout: () => {} };
const store = openStore(file, { timer: never });
const jobs = ${JSON.stringify(jobs)};
const id = store.nextBuildId();
store.createBuild({ id, project: '/p', createdAt: 1, plan: ${JSON.stringify(planOf(jobs))}, options: { noCache: false, only: [] } });
for (let i = 0; i < count; i++) {
  const job = jobs[i % jobs.length];
  store.appendLog({ build: id, job, attempt: 'a1', stream: 'stdout', data: 'line ' + i + '\\n', at: i });
  store.updateJob(id, job, { state: i % 2 ? 'running' : 'queued', exitCode: i }, i);
}
store.flush();
for (let i = 0; i < 20; i++) store.appendLog({ build: id, job: jobs[0], attempt: 'a1', stream: 'stdout', data: 'unflushed\\n', at: 0 });
process.stdout.write('flushed ' + id + '\\n');
setInterval(() => {}, 1000);
`;
}

/** Runs the child until it reports the flush, kills it with SIGKILL, and resolves with the build id. */
function runAndKill(file: string, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dir, 'child.mjs'), file, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (data: Buffer) => (err += data.toString()));
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString();
      if (out.includes('\n')) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const match = /^flushed (\S+)/.exec(out);
      if (signal === 'SIGKILL' && match?.[1]) resolve(match[1]);
      else reject(new Error(`child exited (${code ?? signal}) without flushing: ${err}`));
    });
  });
}

describe('a coordinator killed after flush()', () => {
  it('loses no flushed log chunk or state change', async () => {
    const file = join(scratch.dir(), 'farmhand.db');
    const count = 4_990; // not a multiple of the 500-write batch: the last writes are committed by flush() alone
    const id = await runAndKill(file, count);

    const store = scratch.track(openStore(file));
    const perJob = count / jobs.length;
    for (const [j, job] of jobs.entries()) {
      const log = store.readLog(id, job);
      expect(log.map((c) => c.seq)).toEqual(Array.from({ length: perJob }, (_, i) => i + 1));
      expect(log.map((c) => c.data)).toEqual(Array.from({ length: perJob }, (_, i) => `line ${i * jobs.length + j}\n`));
      const last = (perJob - 1) * jobs.length + j;
      expect(store.getJob(id, job)).toMatchObject({ state: last % 2 ? 'running' : 'queued', exitCode: last });
    }
    // The writes queued after the flush died with the process, and the next seq follows the last kept one.
    expect(store.appendLog({ build: id, job: 'p/j0', attempt: 'a2', stream: 'stdout', data: 'after\n', at: 0 })).toBe(perJob + 1);
  });
});
