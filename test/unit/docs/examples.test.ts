// Every ```yaml example of README.md and docs/*.md parses and plans (with core/spec and core/plan),
// and every example marked `# invalid:` fails with the error it names. See markdown-examples.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../agent/config';
import { planProject } from '../../../core/plan/plan-project';
import { formatDiagnostic } from '../../../core/spec/diagnostics';
import { parseProject } from '../../../core/spec/parse-project';
import { memoryFiles } from '../../helpers/memory-files';
import { documentationFiles, groupExamples, yamlBlocks, type DocExample } from './markdown-examples';

const repoRoot = join(import.meta.dirname, '../../..');

/** Parse, then plan: every problem as `file:line:col: message (remedy)`, or the plan's job ids. */
function check(example: DocExample): { problems: string[]; jobs: string[] } {
  const files = memoryFiles(example.files);
  const parsed = parseProject(files);
  if (!parsed.spec) return { problems: parsed.diagnostics.map(formatDiagnostic), jobs: [] };
  const planned = planProject(parsed.spec, files);
  return { problems: planned.diagnostics.map(formatDiagnostic), jobs: planned.plan?.jobs.map((job) => job.id) ?? [] };
}

const all = documentationFiles(repoRoot).map((path) => ({ path, blocks: yamlBlocks(readFileSync(join(repoRoot, path), 'utf8'), path) }));
const grouped = all.map(({ path, blocks }) => ({ path, ...groupExamples(blocks) }));
const projects = grouped.flatMap((doc) => doc.projects);

describe('the yaml examples of the docs', () => {
  it('are found: the pipeline reference alone has dozens, some of them invalid on purpose', () => {
    const reference = grouped.find((doc) => doc.path === 'docs/pipeline-format.md');
    expect(reference?.projects.length).toBeGreaterThanOrEqual(15);
    expect(projects.filter((example) => example.invalid !== undefined).length).toBeGreaterThanOrEqual(4);
  });

  for (const example of projects) {
    if (example.invalid === undefined) {
      it(`${example.where} parses and plans`, () => {
        const { problems, jobs } = check(example);
        expect(problems).toEqual([]);
        expect(jobs.length).toBeGreaterThan(0);
      });
    } else {
      const expected = example.invalid;
      it(`${example.where} fails with "${expected}"`, () => {
        const { problems } = check(example);
        expect(problems.length).toBeGreaterThan(0);
        expect(problems.join('\n')).toContain(expected);
      });
    }
  }

  for (const block of grouped.flatMap((doc) => doc.agentConfigs)) {
    it(`${block.where} is a valid agent.yml`, () => {
      expect(parseAgentConfig(block.text, 'agent.yml')).not.toHaveProperty('error');
    });
  }
});

describe('the example extractor', () => {
  it('groups `# file:` blocks into one project until a path repeats, and reads markers', () => {
    const markdown = [
      '```yaml', '# file: farmhand.workspace.yml', 'kind: workspace', '```', 'text',
      '```yaml', '# file: a/recipe.yml', '# invalid: boom', 'kind: recipe', '```',
      '```yaml', '# file: farmhand.workspace.yml', 'x: 1', '```',
      '```yaml', 'name: p', '```',
      '```yaml', '# file: agent.yml', 'isolation: shell', '```',
    ].join('\n');
    const { projects: found, agentConfigs } = groupExamples(yamlBlocks(markdown, 'x.md'));
    expect(found.map((example) => [example.where, Object.keys(example.files), example.invalid])).toEqual([
      ['x.md:2', ['farmhand.workspace.yml', 'a/recipe.yml'], 'boom'],
      ['x.md:12', ['farmhand.workspace.yml'], undefined],
      ['x.md:16', ['farmhand.yml'], undefined],
    ]);
    expect(agentConfigs.map((block) => block.text)).toEqual(['# file: agent.yml\nisolation: shell\n']);
  });

  it('refuses a block that is never closed', () => {
    expect(() => yamlBlocks('```yaml\nname: p\n', 'y.md')).toThrow('y.md:1: a ```yaml block is never closed');
  });
});
