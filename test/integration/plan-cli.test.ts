// The real `farmhand plan` process: exit codes, stdout formats, one-line errors on stderr.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCommand } from '../../cli/commands/plan';
import { wouldRunWithCache } from '../../core/plan/format-plan';

const repo = join(import.meta.dirname, '../..');
let broken: string;

function farmhand(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['bin/farmhand.cjs', ...args], { cwd: repo, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repo, stdio: 'inherit' });
  broken = mkdtempSync(join(tmpdir(), 'farmhand-plan-'));
  writeFileSync(join(broken, 'farmhand.yml'), 'version: 1\nname: b\njobs:\n  a:\n    run: echo a\n    needs: [c]\n  c:\n    run: echo c\n    needs: [a]\n');
});

afterAll(() => {
  rmSync(broken, { recursive: true, force: true });
});

describe('farmhand plan', () => {
  it('prints parsable JSON for examples/matrix and exits 0', () => {
    const result = farmhand('plan', 'examples/matrix', '--format', 'json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.jobs.map((job: { id: string }) => job.id)).toContain('matrix/compile[cc=gcc,os=debian]');
    expect(plan.jobs.every((job: { would: string }) => job.would === 'run')).toBe(true);
  });

  it('prints text and DOT, and filters with --only', () => {
    expect(farmhand('plan', 'examples/fan-out-fan-in').stdout).toContain('pipeline build (pool linux; depends on prepare)');
    expect(farmhand('plan', 'examples/fan-out-fan-in', '--format', 'dot').stdout).toContain('"build/build-a" -> "package/bundle";');
    const only = JSON.parse(farmhand('plan', 'examples/fan-out-fan-in', '--format', 'json', '--only', 'build/build-a').stdout);
    expect(only.jobs.map((job: { id: string }) => job.id)).toEqual(['prepare/sources', 'build/build-a']);
  });

  it('exits 2 with file:line:col: on stderr for a broken project', () => {
    const result = farmhand('plan', broken);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/farmhand\.yml:\d+:\d+: cycle: b\/a -> b\/c -> b\/a/);
  });

  it('exits 2 with one line for a missing folder, an unknown --only and a bad --format', () => {
    for (const args of [['plan', join(broken, 'missing')], ['plan', 'examples/matrix', '--only', 'nope'], ['plan', 'examples/matrix', '--format', 'xml']]) {
      const result = farmhand(...args);
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('planCommand', () => {
  it('asks the cache seam which jobs would be cached', () => {
    let out = '';
    const code = planCommand('examples/matrix', { format: 'json', only: [] }, {
      stdout: (text) => (out += text),
      stderr: (text) => { throw new Error(text); },
      cwd: repo,
      wouldRunFor: () => wouldRunWithCache(() => true),
    });
    expect(code).toBe(0);
    const would = Object.fromEntries(JSON.parse(out).jobs.map((job: { id: string; would: string }) => [job.id, job.would]));
    // `report` has no inputs, so it is never cached.
    expect(would).toMatchObject({ 'matrix/generate': 'cached', 'matrix/compile[cc=gcc,os=debian]': 'cached', 'matrix/report': 'run' });
  });
});
