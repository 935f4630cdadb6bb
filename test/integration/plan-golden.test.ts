// Golden plans of the examples: loadProject (real disk, real parser) + formatPlanJson, compared to
// test/fixtures/golden/<example>.plan.json. A missing golden fails; after an intended change (or for a new
// example) write them with FARMHAND_UPDATE_GOLDEN=1, review the diff, and commit them.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPlanJson } from '../../core/plan/format-plan';
import { loadProject } from '../../core/project/load-project';
import { formatDiagnostic } from '../../core/spec/diagnostics';

const examplesDir = join(import.meta.dirname, '../../examples');
const goldenDir = join(import.meta.dirname, '../fixtures/golden');
const examples = readdirSync(examplesDir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();

describe('plans of examples/* match their goldens', () => {
  it('has examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['fan-out-fan-in', 'matrix', 'resource-groups-batching', 'workspace']));
  });

  it.each(examples)('%s', (example) => {
    const project = loadProject(join(examplesDir, example));
    expect(project.diagnostics.map(formatDiagnostic)).toEqual([]);
    const actual = formatPlanJson(project.plan!);
    const goldenPath = join(goldenDir, `${example}.plan.json`);
    if (process.env.FARMHAND_UPDATE_GOLDEN === '1') writeFileSync(goldenPath, actual);
    if (!existsSync(goldenPath)) throw new Error(`missing golden ${goldenPath}; write it with FARMHAND_UPDATE_GOLDEN=1, review it and commit it`);
    expect(actual).toBe(readFileSync(goldenPath, 'utf8'));
  });
});
