// Property tests: whatever the files hold, parseProject returns located diagnostics and never throws.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseProject } from '../../../core/spec/parse-project';
import type { ParseResult } from '../../../core/spec/types';
import { memoryFiles } from '../../helpers/memory-files';

const valid = readFileSync(join(import.meta.dirname, '../../fixtures/specs/valid-full-pipeline/farmhand.yml'), 'utf8');
const projectFiles = new Set(['farmhand.yml', '.farmhand/a.yml', '.farmhand/settings.yml', 'farmhand.workspace.yml', 'r.yml']);

function expectWellFormed(result: ParseResult): void {
  expect(result.spec !== undefined).toBe(result.diagnostics.length === 0);
  for (const d of result.diagnostics) {
    expect(projectFiles.has(d.file) || d.file.length > 0).toBe(true);
    expect(Number.isInteger(d.line) && d.line >= 1).toBe(true);
    expect(Number.isInteger(d.col) && d.col >= 1).toBe(true);
    expect(typeof d.message).toBe('string');
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message).not.toMatch(/internal error/);
  }
}

// FUZZ_RUNS=20 multiplies the runs for a longer hunt.
const scale = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1));
const parse = (record: Record<string, string>): ParseResult => parseProject(memoryFiles(record));

/** YAML-ish values whose keys are often real spec keys, so the validators go deep. */
const keys = fc.constantFrom(
  'name', 'jobs', 'run', 'needs', 'matrix', 'exclude', 'env', 'image', 'timeout', 'retry', 'batch', 'key', 'window', 'max', 'when',
  'inputs', 'outputs', 'working_directory', 'depends_on', 'kind', 'resource_groups', 'capacity', 'process_mode', 'on_busy',
  'recipes', 'path', 'versions', 'version', 'requires', 'labels', 'pool', 'cache', 'os', 'CC', '<<', '.x', 'a',
);
const scalars = fc.oneof(
  fc.constantFrom('make', '${{ matrix.os }}', '${{', '30s', '1h30m', 'settings', 'workspace', 'recipe', 'pipeline', '../x', '/abs', 'zlib/>=1', '{0..99999}', 'build', '', null, true, 0, 1, -1, 3.10),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);
const { value: yamlValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalars, tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.dictionary(keys, tie('value'), { maxKeys: 6 }),
}));

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('---\n', '${{', '}}', '&a ', '*a', '&a *a', '\n  ', '\t', ':', '- ', '{', '[', '"', "'", '<<: *a\n', '\u0000', '\uFEFF') }),
);

function mutate(text: string, mutations: { kind: 'flip' | 'truncate' | 'insert'; at: number; byte?: number; text?: string }[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    if (m.kind === 'truncate') out = out.slice(0, at);
    else if (m.kind === 'insert') out = out.slice(0, at) + (m.text ?? '') + out.slice(at);
    else out = out.slice(0, at) + String.fromCharCode(m.byte ?? 0) + out.slice(at + 1);
  }
  return out;
}

describe('parseProject never throws', () => {
  it('on random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
      expectWellFormed(parse({ 'farmhand.yml': text }));
    }), { numRuns: 300 * scale });
  });

  it('on random YAML structures, as a whole document and under a pipeline', () => {
    fc.assert(fc.property(yamlValue, yamlValue, (document, job) => {
      expectWellFormed(parse({ 'farmhand.yml': stringify(document) }));
      expectWellFormed(parse({ 'farmhand.yml': stringify({ name: 'p', jobs: { a: job } }) }));
      expectWellFormed(parse({ '.farmhand/a.yml': stringify({ name: 'p', jobs: { a: { run: 'x' } } }), '.farmhand/settings.yml': stringify(job) }));
    }), { numRuns: 300 * scale });
  });

  it('on random workspaces and recipes', () => {
    fc.assert(fc.property(yamlValue, yamlValue, (workspace, recipe) => {
      expectWellFormed(parse({ 'farmhand.workspace.yml': stringify(workspace), 'r.yml': stringify(recipe) }));
      expectWellFormed(parse({ 'farmhand.workspace.yml': stringify({ recipes: [{ path: 'r.yml', versions: workspace }] }), 'r.yml': stringify(recipe) }));
    }), { numRuns: 200 * scale });
  });

  it('on mutations of a valid farmhand.yml', () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (mutations) => {
      expectWellFormed(parse({ 'farmhand.yml': mutate(valid, mutations) }));
    }), { numRuns: 400 * scale });
  });
});
