// A state dir on a full disk (a 1 MiB tmpfs): the first refused write is reported once, the build
// fails cleanly (exit 1), and the process never crashes with a stack.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, tempProject, type TempProject } from '../helpers/cli';

let project: TempProject;
let mount: string;

beforeAll(() => {
  buildCli();
  project = tempProject({
    'farmhand.yml': `version: 1
name: noisy
jobs:
  spam:
    run: ["i=0; while [ $i -lt 40000 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i+1)); done"]
  after:
    needs: [spam]
    run: ["echo after"]
`,
  });
  mount = join(project.dir, '..', 'small-disk');
  mkdirSync(mount);
  // Tests run as root here and in CI (the brief's test hosts need it too).
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
});

afterAll(() => {
  execFileSync('umount', [mount]);
  project.close();
});

describe('a state dir whose disk fills up', () => {
  it('fails the build with one line and exit 1, never a stack', async () => {
    const result = await runCli(['run', project.dir, '--state-dir', join(mount, 'state')]);
    expect(result.code).toBe(1);
    const refusals = result.stderr.split('\n').filter((line) => line.includes('refused a write'));
    expect(refusals).toEqual([expect.stringMatching(/^farmhand: the state dir .* refused a write \(database or disk is full \(SQLITE_FULL\)\); failing the running builds/)]);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(result.stdout).toMatch(/noisy\/after canceled \(the state dir .* refused a write/);
    expect(result.stdout).toMatch(/b-0001 failed/);
  });
});
