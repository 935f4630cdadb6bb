// Runs the real `farmhand` command (the built bundle) in a child process, and makes temp projects.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');

export const farmhandBin = join(repoRoot, 'bin/farmhand.cjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Builds the bundle once per test file (cheap with esbuild). */
export function buildCli(): void {
  const result = spawnSync('node', [join(repoRoot, 'scripts/build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`build failed: ${result.stderr}`);
}

/** Runs `farmhand ...args` to the end. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('node', [farmhandBin, ...args], { cwd: options.cwd ?? repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface TempProject {
  dir: string;
  stateDir: string;
  write(path: string, text: string): void;
  close(): void;
}

/** A temp folder with the given files and a state dir of its own beside them. */
export function tempProject(files: Record<string, string>): TempProject {
  const base = mkdtempSync(join(tmpdir(), 'farmhand-it-'));
  const dir = join(base, 'project');
  const stateDir = join(base, 'state');
  mkdirSync(dir);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  for (const [path, text] of Object.entries(files)) write(path, text);
  return { dir, stateDir, write, close: () => rmSync(base, { recursive: true, force: true }) };
}

export interface ReportJob {
  id: string;
  status: string;
  reason: string | null;
  batch: string | null;
  attempts: number;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  resource_group: string | null;
}

/** The most jobs that ran at the same moment, from report timestamps. */
export function maxOverlap(jobs: ReportJob[]): number {
  const points = jobs
    .filter((job) => job.started_at !== null && job.finished_at !== null)
    .flatMap((job) => [
      { at: job.started_at!, delta: 1 },
      { at: job.finished_at!, delta: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let max = 0;
  for (const point of points) {
    now += point.delta;
    max = Math.max(max, now);
  }
  return max;
}

/** Polls until `condition` holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
