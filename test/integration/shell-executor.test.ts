import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogStream } from '../../core/protocol/types';
import { createShellExecutor } from '../../agent/executors/shell-executor';
import type { ExecutionRequest, Executor } from '../../agent/executors/types';

let workspace: string;
let executor: Executor | undefined;
/** Both ways of starting a job: pooled shell workers and one Node spawn per job. */
let usePool = true;
beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'farmhand-shell-'));
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
afterEach(async () => {
  await executor?.close();
  executor = undefined;
});

function request(run: string[], extra: Partial<ExecutionRequest> = {}): ExecutionRequest {
  return { attempt: 'a1', build: 'b1', job: 'j1', agent: 'test', run, env: {}, workspaceRoot: workspace, workingDirectory: '.', ...extra };
}

/** Runs one job and collects its log calls. */
async function run(run: string[], extra: Partial<ExecutionRequest> = {}, signal = new AbortController().signal) {
  executor ??= createShellExecutor({ pool: usePool, killGraceMs: 300 });
  const calls: { stream: LogStream; data: string }[] = [];
  const result = await executor.run(request(run, extra), (stream, data) => calls.push({ stream, data }), signal);
  const text = (stream: LogStream) => calls.filter((call) => call.stream === stream).map((call) => call.data).join('');
  return { result, calls, stdout: text('stdout'), stderr: text('stderr') };
}

/** Processes whose command line contains `marker`, other than ps itself. */
function survivors(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(marker) && !/\bZ/.test(line.trim().split(/\s+/)[1] ?? ''));
}

describe.each([{ pool: true }, { pool: false }])('shell executor (pool: $pool)', ({ pool }) => {
  beforeAll(() => {
    usePool = pool;
  });

  it('reports success and the output of a command', async () => {
    const { result, stdout, stderr } = await run(['echo hello']);
    expect(result).toEqual({ status: 'success', exitCode: 0 });
    expect(stdout).toBe('hello\n');
    expect(stderr).toBe('');
  });

  it('reports a non-zero exit code as failed with reason exit', async () => {
    const { result } = await run(['exit 3']);
    expect(result).toEqual({ status: 'failed', reason: 'exit', exitCode: 3 });
  });

  it('stops at the first failing command (set -e)', async () => {
    const { result, stdout } = await run(['echo one', 'false', 'echo two']);
    expect(result).toMatchObject({ status: 'failed', reason: 'exit', exitCode: 1 });
    expect(stdout).toBe('one\n');
  });

  it('reports a script that sh cannot parse as exit 2 with the reason, and runs the next job as usual', async () => {
    const bad = await run(['echo before', 'if true; then echo never']);
    expect(bad.result).toMatchObject({ status: 'failed', reason: 'exit', exitCode: 2 });
    // The pool reads the whole script before it runs any of it; `sh -c` runs the lines before the error.
    expect(bad.stdout).toBe(pool ? '' : 'before\n');
    expect(bad.stderr).toMatch(/[Ss]yntax error/);
    const next = await run(['echo after']);
    expect(next.result).toEqual({ status: 'success', exitCode: 0 });
    expect(next.stdout).toBe('after\n');
  });

  it('runs a script ending in a comment, a heredoc or a parenthesis of its own, and runs the job after it', async () => {
    const comment = await run(['echo one # a comment']);
    expect(comment).toMatchObject({ result: { status: 'success' }, stdout: 'one\n' });
    const heredoc = await run(['cat <<EOF', 'two', 'EOF']);
    expect(heredoc).toMatchObject({ result: { status: 'success' }, stdout: 'two\n' });
    const subshell = await run(['(echo three)', '( exit 0 )']);
    expect(subshell).toMatchObject({ result: { status: 'success' }, stdout: 'three\n' });
    const next = await run(['echo four']);
    expect(next).toMatchObject({ result: { status: 'success' }, stdout: 'four\n' });
  });

  it('runs in the working directory with the base env overlaid by the job env', async () => {
    mkdirSync(path.join(workspace, 'sub/dir'), { recursive: true });
    executor = createShellExecutor({ pool: usePool, baseEnv: { PATH: process.env.PATH, HOME: '/home/base', KEEP: 'base', OVER: 'base' } });
    const { result, stdout } = await run(['pwd', 'echo "$HOME $KEEP $OVER $JOB_ONLY"'], {
      workingDirectory: './sub/dir/',
      env: { OVER: 'job', JOB_ONLY: 'yes' },
    });
    expect(result.status).toBe('success');
    expect(stdout).toBe(`${path.join(workspace, 'sub/dir')}\n/home/base base job yes\n`);
  });

  it('keeps stdout and stderr apart and delivers them in arrival order', async () => {
    const { calls, stdout, stderr } = await run(['echo a', 'sleep 0.05', 'echo b >&2', 'sleep 0.05', 'echo c']);
    expect(stdout).toBe('a\nc\n');
    expect(stderr).toBe('b\n');
    expect(calls.map((call) => `${call.stream}:${call.data}`)).toEqual(['stdout:a\n', 'stderr:b\n', 'stdout:c\n']);
  });

  it('delivers 100k lines complete and in order', async () => {
    const { result, stdout } = await run(['seq 1 100000']);
    expect(result.status).toBe('success');
    const expected = Array.from({ length: 100_000 }, (_, i) => `${i + 1}\n`).join('');
    expect(stdout.length).toBe(expected.length);
    expect(stdout === expected).toBe(true);
  });

  it('never splits a multi-byte utf-8 character across log calls', async () => {
    // é = c3 a9, 🚀 = f0 9f 9a 80: each is written in two halves with a pause between them.
    const { stdout, calls } = await run(["printf '\\303'", 'sleep 0.1', "printf '\\251 \\360\\237'", 'sleep 0.1', "printf '\\232\\200\\n'"]);
    expect(stdout).toBe('é 🚀\n');
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(call.data).not.toContain('\uFFFD');
  });

  it('times out and kills the whole process tree, SIGTERM-ignoring grandchildren included', async () => {
    const marker = `987.${process.pid}${Date.now() % 1000}`;
    const started = Date.now();
    const { result, stdout } = await run([`sleep ${marker} &`, `(trap '' TERM; sleep ${marker}) &`, 'echo started', 'wait'], { timeoutMs: 300 });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ status: 'failed', reason: 'timeout', message: 'timed out after 300ms' });
    expect(stdout).toBe('started\n');
    expect(elapsed).toBeLessThan(3000);
    expect(survivors(marker)).toEqual([]);
  });

  it('kills what a successful job left running in the background', async () => {
    const marker = `986.${process.pid}${Date.now() % 1000}`;
    const started = Date.now();
    const { result } = await run([`sleep ${marker} &`, 'echo done']);
    expect(result.status).toBe('success');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(survivors(marker)).toEqual([]);
  });

  it('reports an aborted job as canceled and leaves nothing running', async () => {
    const marker = `985.${process.pid}${Date.now() % 1000}`;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const { result } = await run([`sleep ${marker}`], {}, controller.signal);
    expect(result).toEqual({ status: 'canceled', reason: 'canceled' });
    expect(survivors(marker)).toEqual([]);
  });

  it('does not start a job whose signal is already aborted', async () => {
    const { result, calls } = await run(['echo should-not-run'], {}, AbortSignal.abort());
    expect(result).toEqual({ status: 'canceled', reason: 'canceled' });
    expect(calls).toEqual([]);
  });

  it('cancels running jobs on close', async () => {
    executor = createShellExecutor({ pool: usePool, killGraceMs: 300 });
    const pending = executor.run(request(['sleep 30']), () => {}, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await executor.close();
    await expect(pending).resolves.toEqual({ status: 'canceled', reason: 'canceled' });
  });

  it('reports a missing working directory as an error result', async () => {
    const { result } = await run(['true'], { workingDirectory: 'does/not/exist' });
    expect(result.status).toBe('failed');
    expect(result.reason).toBe('error');
    expect(result.message).toContain('does/not/exist');
    expect(result.message).not.toContain('\n');
  });

  it('refuses a working directory outside the workspace', async () => {
    const { result } = await run(['true'], { workingDirectory: '../elsewhere' });
    expect(result).toMatchObject({ status: 'failed', reason: 'error' });
    expect(result.message).toContain('../elsewhere');
  });
});
