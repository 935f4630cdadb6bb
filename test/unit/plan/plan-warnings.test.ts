// planWarnings on real parsed specs (memory files): cache without inputs, inputs globs that match nothing.
import { describe, expect, it } from 'vitest';
import { planWarnings } from '../../../core/plan/plan-warnings';
import { planProject } from '../../../core/plan/plan-project';
import { selectJobs } from '../../../core/plan/select-jobs';
import { formatDiagnostic } from '../../../core/spec/diagnostics';
import { parseProject } from '../../../core/spec/parse-project';
import { memoryFiles } from '../../helpers/memory-files';

function warningsOf(record: Record<string, string>, only: string[] = []): string[] {
  const files = memoryFiles(record);
  const parsed = parseProject(files);
  expect(parsed.diagnostics.map(formatDiagnostic)).toEqual([]);
  const planned = planProject(parsed.spec!, files);
  expect(planned.diagnostics.map(formatDiagnostic)).toEqual([]);
  return planWarnings(parsed.spec!, selectJobs(planned.plan!, only), files).map(formatDiagnostic);
}

describe('planWarnings', () => {
  it('warns once per job for cache: true without inputs, at the job', () => {
    expect(warningsOf({ 'farmhand.yml': 'name: p\njobs:\n  a:\n    run: echo\n    cache: true\n  b:\n    run: echo\n' })).toEqual([
      'farmhand.yml:3:3: job `p/a` has `cache: true` but no `inputs`, so it is never cached (list the files it reads in `inputs`, or remove `cache: true`)',
    ]);
  });

  it('warns for an inputs glob that matches no file, once per glob, naming the matrix job when the glob differs per job', () => {
    const warnings = warningsOf({
      'farmhand.yml': 'name: p\njobs:\n  a:\n    run: echo\n    inputs: [src/**, srcs/*.c, "lib/${{ matrix.os }}/*"]\n    matrix: { os: [linux, mac] }\n',
      'src/a.c': 'a',
      'lib/linux/x.so': 'x',
    });
    expect(warnings).toEqual([
      'farmhand.yml:3:3: `inputs` of `p/a[os=linux]` has `srcs/*.c`, which matches no file (paths are relative to the project root; a change to the files meant would not re-run the job)',
      'farmhand.yml:3:3: `inputs` of `p/a[os=mac]` has `lib/mac/*`, which matches no file (paths are relative to the project root; a change to the files meant would not re-run the job)',
    ]);
  });

  it('stays quiet for inputs an output of the plan may make, for negations, and for jobs --only left out', () => {
    const record = {
      'farmhand.yml': 'name: p\njobs:\n  gen:\n    run: echo\n    outputs: [build/gen/**]\n  use:\n    needs: [gen]\n    run: echo\n    inputs: [build/gen/x.h, src/**, "!src/*.tmp"]\n  lone:\n    run: echo\n    cache: true\n',
      'src/a.c': 'a',
    };
    expect(warningsOf(record, ['p/use'])).toEqual([]);
    expect(warningsOf(record)).toHaveLength(1);
  });
});
