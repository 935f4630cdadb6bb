// One test per folder of test/fixtures/specs that has expected.diagnostics.json: the folder's other
// files are the project; the expectation is every diagnostic, formatted, in order ([] for valid specs):
// the parser's, or, when it accepts the project, the planner's. A folder with expected.plan.json also
// pins the planned DAG (job ids with their needs, in plan order).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../core/spec/diagnostics';
import { parseProject } from '../../../core/spec/parse-project';
import { planProject } from '../../../core/plan/plan-project';
import { memoryFiles } from '../../helpers/memory-files';

const root = join(import.meta.dirname, '../../fixtures/specs');
const expectationFile = 'expected.diagnostics.json';
// Set to write the current output as the expectation; review the diff before committing.
const update = process.env.UPDATE_SPEC_FIXTURES === '1';

function projectFiles(folder: string): Record<string, string> {
  const record: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!(dir === folder && name.startsWith('expected.'))) record[relative(folder, path).split('\\').join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(folder);
  return record;
}

const folders = readdirSync(root).filter((name) => {
  try {
    return statSync(join(root, name, expectationFile)).isFile();
  } catch {
    return false;
  }
});

describe('spec fixtures', () => {
  it('has at least 25 rule folders', () => {
    expect(folders.length).toBeGreaterThanOrEqual(25);
  });

  it.each(folders)('%s', (name) => {
    const folder = join(root, name);
    const files = memoryFiles(projectFiles(folder));
    const result = parseProject(files);
    const planned = result.spec ? planProject(result.spec, files) : undefined;
    const actual = (planned?.diagnostics ?? result.diagnostics).map(formatDiagnostic);
    if (update) writeFileSync(join(folder, expectationFile), `${JSON.stringify(actual, null, 2)}\n`);
    const expected: unknown = JSON.parse(readFileSync(join(folder, expectationFile), 'utf8'));
    expect(actual).toEqual(expected);
    expect(result.spec !== undefined).toBe(result.diagnostics.length === 0);
    if (name.startsWith('valid-')) expect(actual).toEqual([]);
    const planFile = join(folder, 'expected.plan.json');
    if (existsSync(planFile) || (update && planned?.plan && name.startsWith('plan-'))) {
      const dag = planned?.plan?.jobs.map((job) => ({ id: job.id, needs: job.needs }));
      if (update) writeFileSync(planFile, `${JSON.stringify(dag, null, 2)}\n`);
      expect(dag).toEqual(JSON.parse(readFileSync(planFile, 'utf8')));
    }
  });
});
