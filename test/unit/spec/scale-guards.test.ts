// Parser scale guards: duplicate keys found in linear time (located as before), and a size cap on
// all spec files together, not only on each one.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../core/spec/diagnostics';
import { parseProject } from '../../../core/spec/parse-project';
import type { ProjectFiles } from '../../../core/spec/types';
import { memoryFiles, memoryFilesWithSizes } from '../../helpers/memory-files';

const formatted = (files: ProjectFiles): string[] => parseProject(files).diagnostics.map(formatDiagnostic);

function bigEnv(keys: number, duplicateAt?: number): string {
  const lines = ['name: p', 'env:'];
  for (let index = 0; index < keys; index += 1) lines.push(`  E${index}: "${index}"`);
  if (duplicateAt !== undefined) lines.push(`  E${duplicateAt}: again`);
  lines.push('jobs:', '  a: { run: make }');
  return `${lines.join('\n')}\n`;
}

describe('duplicate keys', () => {
  it('reads big maps in linear time (the unique-key check of the yaml package is quadratic: 66,000 keys took 30 s)', () => {
    const time = (keys: number): number => {
      const text = bigEnv(keys);
      const started = performance.now();
      const { spec, diagnostics } = parseProject(memoryFiles({ 'farmhand.yml': text }));
      const elapsed = performance.now() - started;
      expect(diagnostics).toEqual([]);
      expect(Object.keys(spec!.pipelines[0]!.env)).toHaveLength(keys);
      return elapsed;
    };
    time(2000); // warm-up: the first parse also compiles the parser
    const small = time(4000);
    const large = time(32_000);
    // 8 times the keys: about 8 times the time when linear, 64 times when quadratic. Ratios stay
    // meaningful on a busy machine where absolute times do not.
    expect(large / small).toBeLessThan(24);
  });

  it('finds the one duplicate of a 66,000-key map, at the repeated key', () => {
    expect(formatted(memoryFiles({ 'farmhand.yml': bigEnv(66_000, 123) }))).toEqual(['farmhand.yml:66003:3: YAML syntax error: Map keys must be unique']);
  });

  it('reports every duplicate, nested ones too, and does not validate the document further', () => {
    const text = 'name: p\njobs:\n  a:\n    run: make\n    image: x\n    run: again\n  b: { run: make, bogus: 1 }\n  a: { run: make }\n';
    expect(formatted(memoryFiles({ 'farmhand.yml': text }))).toEqual([
      'farmhand.yml:6:5: YAML syntax error: Map keys must be unique',
      'farmhand.yml:8:3: YAML syntax error: Map keys must be unique',
    ]);
  });

  it('reports a duplicate inside an anchored map once, not again for each alias', () => {
    const text = 'name: p\n.defaults: &defaults { image: x, image: y }\njobs:\n  a: { run: make, <<: *defaults }\n  b: { run: make, <<: *defaults }\n';
    expect(formatted(memoryFiles({ 'farmhand.yml': text }))).toEqual(['farmhand.yml:2:34: YAML syntax error: Map keys must be unique']);
  });

  it('treats quoted and plain spellings of one key as the same key', () => {
    expect(formatted(memoryFiles({ 'farmhand.yml': 'name: p\n"name": q\njobs: { a: { run: make } }\n' }))).toEqual(['farmhand.yml:2:1: YAML syntax error: Map keys must be unique']);
  });
});

describe('total size of the spec files', () => {
  const pipelineFile = (name: string): string => `name: ${name}\njobs: { a: { run: make } }\n`;
  const folder = (count: number): Record<string, string> =>
    Object.fromEntries(Array.from({ length: count }, (_, index) => [`.farmhand/p${index}.yml`, pipelineFile(`p${index}`)]));
  const sizes = (count: number, bytes: number): Record<string, number> =>
    Object.fromEntries(Array.from({ length: count }, (_, index) => [`.farmhand/p${index}.yml`, bytes]));

  it('refuses the file that takes all spec files past 20 MB, once', () => {
    const files = memoryFilesWithSizes(folder(6), sizes(6, 4.5 * 1024 * 1024));
    expect(formatted(files)).toEqual([
      ".farmhand/p4.yml:1:1: the spec files read so far, this one included, hold 23592960 bytes; the limit is 20 MB for all spec files together (make the project's pipelines, workspace and recipes smaller, or split the project)",
    ]);
  });

  it('reads files that stay within 20 MB together', () => {
    expect(formatted(memoryFilesWithSizes(folder(4), sizes(4, 5 * 1024 * 1024)))).toEqual([]);
  });

  it('counts recipe files too', () => {
    const record: Record<string, string> = { 'farmhand.workspace.yml': 'kind: workspace\nrecipes: [packages/*/recipe.yml]\n' };
    const recipeSizes: Record<string, number> = {};
    for (let index = 0; index < 5; index += 1) {
      record[`packages/r${index}/recipe.yml`] = `kind: recipe\nname: r${index}\nversion: 1.0.0\nrun: make\n`;
      recipeSizes[`packages/r${index}/recipe.yml`] = 4.5 * 1024 * 1024;
    }
    expect(formatted(memoryFilesWithSizes(record, recipeSizes))).toEqual([
      expect.stringMatching(/^packages\/r4\/recipe\.yml:1:1: the spec files read so far, this one included, hold \d+ bytes; the limit is 20 MB/),
    ]);
  });
});

describe('versions listed by a workspace', () => {
  it('stops expanding versions once all entries together list more than 10,000, at the entry that does', () => {
    const entries = [0, 1, 2, 3].map((index) => `  - { path: packages/r${index}/recipe.yml, versions: ["${index}.{0..4999}"] }`);
    const record: Record<string, string> = { 'farmhand.workspace.yml': `kind: workspace\nrecipes:\n${entries.join('\n')}\n` };
    for (let index = 0; index < 4; index += 1) record[`packages/r${index}/recipe.yml`] = `kind: recipe\nname: r${index}\nrun: make\n`;
    expect(formatted(memoryFiles(record))).toEqual([
      'farmhand.workspace.yml:5:48: the workspace lists more than 10000 versions in all; the limit is 10000 recipe jobs (list fewer versions, or split the workspace)',
    ]);
  });
});
