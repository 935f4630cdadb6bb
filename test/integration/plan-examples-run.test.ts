// The examples' commands really run: each job of each example, in plan order, with plain `sh -e`
// in a copy of the example, and every declared output is written by its own job, with content, so
// the cache and the dependents have something to take. (No batching here: each
// batch member runs alone, as it does when the batch window closes with one member.)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputMatcher } from '../../core/plan/cache-key';
import { loadProject } from '../../core/project/load-project';
import { diskFiles } from '../../core/project/disk-files';

const examplesDir = join(import.meta.dirname, '../../examples');
const examples = readdirSync(examplesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
const temporary: string[] = [];

afterAll(() => {
  for (const folder of temporary) rmSync(folder, { recursive: true, force: true });
});

describe('examples run with sh', () => {
  it.each(examples)('%s', (example) => {
    const root = mkdtempSync(join(tmpdir(), `farmhand-example-${example}-`));
    temporary.push(root);
    cpSync(join(examplesDir, example), root, { recursive: true, filter: (source) => !/[/\\](build|dist)$/.test(source) });
    const { plan, diagnostics } = loadProject(root);
    expect(diagnostics).toEqual([]);
    for (const job of plan!.jobs) {
      const before = new Set(new InputMatcher(diskFiles(root)).match(job.outputs));
      const result = spawnSync('sh', ['-e', '-c', job.run.join('\n')], { cwd: join(root, job.workingDirectory), env: { PATH: process.env.PATH, ...job.env }, encoding: 'utf8', timeout: 10_000 });
      expect({ job: job.id, status: result.status, stderr: result.stderr }).toEqual({ job: job.id, status: 0, stderr: '' });
      if (job.outputs.length === 0) continue;
      const made = new InputMatcher(diskFiles(root)).match(job.outputs).filter((path) => !before.has(path));
      const empty = made.filter((path) => statSync(join(root, path)).size === 0);
      expect({ job: job.id, made: made.length > 0, empty }).toEqual({ job: job.id, made: true, empty: [] });
    }
  });
});
