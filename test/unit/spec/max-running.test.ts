// `max_running` in a settings document: a positive integer carried into the plan; zero, a word or a
// second setting is a one-line error at its place; left out, the plan carries nothing (no cap).
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../core/spec/diagnostics';
import { parseProject } from '../../../core/spec/parse-project';
import { planProject } from '../../../core/plan/plan-project';
import { memoryFiles } from '../../helpers/memory-files';

const pipeline = 'name: a\njobs: { x: { run: make } }\n';
const firstLines = (text: Record<string, string>) => parseProject(memoryFiles(text)).diagnostics.map((diagnostic) => formatDiagnostic(diagnostic).split('\n')[0]);

describe('max_running', () => {
  it('is carried into the plan', () => {
    const files = memoryFiles({ 'farmhand.yml': `${pipeline}---\nkind: settings\nmax_running: 3\n` });
    const parsed = parseProject(files);
    expect(parsed.diagnostics).toEqual([]);
    expect(planProject(parsed.spec!, files).plan!.maxRunning).toBe(3);
  });

  it('left out: the plan has no cap', () => {
    const files = memoryFiles({ 'farmhand.yml': pipeline });
    expect(planProject(parseProject(files).spec!, files).plan!.maxRunning).toBeUndefined();
  });

  it('zero, a word or a second setting is an error at its place', () => {
    expect(firstLines({ 'farmhand.yml': `${pipeline}---\nkind: settings\nmax_running: 0\n` })).toEqual([expect.stringMatching(/^farmhand\.yml:5:14: .*max_running/)]);
    expect(firstLines({ 'farmhand.yml': `${pipeline}---\nkind: settings\nmax_running: lots\n` })).toEqual([expect.stringMatching(/^farmhand\.yml:5:14: .*max_running/)]);
    expect(firstLines({ 'farmhand.yml': `${pipeline}---\nkind: settings\nmax_running: 2\n`, '.farmhand/settings.yml': 'max_running: 4\n' }))
      .toEqual([expect.stringMatching(/`max_running` is set twice/)]);
  });
});
