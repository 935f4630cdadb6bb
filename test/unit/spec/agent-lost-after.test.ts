// `agent_lost_after` in a settings document: a duration carried into the plan; a bad value or a
// second setting is a one-line error at its place; left out, the plan says nothing (60 s applies).
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../core/spec/diagnostics';
import { parseProject } from '../../../core/spec/parse-project';
import { planProject } from '../../../core/plan/plan-project';
import { memoryFiles } from '../../helpers/memory-files';

const pipeline = 'name: a\njobs: { x: { run: make } }\n';

describe('agent_lost_after', () => {
  it('is read as a duration and carried into the plan', () => {
    const files = memoryFiles({ 'farmhand.yml': `${pipeline}---\nkind: settings\nagent_lost_after: 90s\n` });
    const parsed = parseProject(files);
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.spec!.settings.agentLostAfterMs).toBe(90_000);
    expect(planProject(parsed.spec!, files).plan!.agentLostAfterMs).toBe(90_000);
  });

  it('left out: neither the settings nor the plan carry it', () => {
    const files = memoryFiles({ 'farmhand.yml': pipeline });
    const parsed = parseProject(files);
    expect(parsed.spec!.settings.agentLostAfterMs).toBeUndefined();
    expect(planProject(parsed.spec!, files).plan!.agentLostAfterMs).toBeUndefined();
  });

  it('a bad value or a second setting is an error at its place', () => {
    const bad = parseProject(memoryFiles({ 'farmhand.yml': `${pipeline}---\nkind: settings\nagent_lost_after: soon\n` }));
    expect(bad.diagnostics.map((diagnostic) => formatDiagnostic(diagnostic).split('\n')[0])).toEqual([expect.stringMatching(/^farmhand\.yml:5:19: invalid duration `soon` for `agent_lost_after`/)]);
    const twice = parseProject(memoryFiles({ 'farmhand.yml': `${pipeline}---\nkind: settings\nagent_lost_after: 5s\n`, '.farmhand/settings.yml': 'agent_lost_after: 10s\n' }));
    expect(twice.diagnostics.map((diagnostic) => formatDiagnostic(diagnostic).split('\n')[0])).toEqual([expect.stringMatching(/`agent_lost_after` is set twice/)]);
  });
});
