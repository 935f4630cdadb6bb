// The fast reader of plain pipeline YAML (core/spec/fast-yaml.ts) against the full one: whatever it
// accepts, it must read exactly as the `yaml` package does (values, texts, every location), and it
// must never accept what the full reader reports a problem in.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createDiagnosticSink } from '../../../core/spec/diagnostics';
import { fastYamlDocuments } from '../../../core/spec/fast-yaml';
import { readYamlDocuments, type YDocument, type YNode } from '../../../core/spec/yaml-source';
// @ts-expect-error: the bench's generator is plain JavaScript
import { generate, generateFanOut, generateSkewed } from '../../../bench/generate.mjs';

const repoRoot = join(import.meta.dirname, '../../..');

/** A document tree as plain data, with each scalar's locAt at a few offsets inside its text. */
function plain(node: YNode | undefined): unknown {
  if (!node) return undefined;
  if (node.kind === 'scalar') return { kind: 'scalar', value: node.value, text: node.text, plain: node.plain, loc: node.loc, at: [0, 1, 3].filter((offset) => offset < node.text.length).map((offset) => node.locAt(offset)) };
  if (node.kind === 'seq') return { kind: 'seq', loc: node.loc, items: node.items.map(plain) };
  return { kind: 'map', loc: node.loc, entries: node.entries.map((entry) => ({ key: entry.key, keyLoc: entry.keyLoc, value: plain(entry.value) })) };
}
const documents = (docs: YDocument[]) => docs.map((doc) => ({ valid: doc.valid, loc: doc.loc, node: plain(doc.node) }));

/** Checks one text; returns whether the fast reader took it. */
function agree(text: string, file = 'farmhand.yml'): boolean {
  const fast = fastYamlDocuments(file, text);
  const sink = createDiagnosticSink();
  const full = readYamlDocuments(file, text, sink);
  if (fast === undefined) return false;
  expect(sink.diagnostics, `the fast reader took a file the full one reports:\n${text}`).toEqual([]);
  expect(documents(fast)).toEqual(documents(full));
  return true;
}

function yamlFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) found.push(path);
  }
  return found;
}

const scratch = mkdtempSync(join(tmpdir(), 'farmhand-fast-yaml-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('fast YAML reader', () => {
  it('reads every spec fixture and example exactly as the full reader, or leaves it to it', () => {
    const files = [...yamlFiles(join(repoRoot, 'test/fixtures')), ...yamlFiles(join(repoRoot, 'examples')), join(repoRoot, 'farmhand.yml')];
    const taken = files.filter((file) => agree(readFileSync(file, 'utf8'), file));
    // Most of them are plain enough: the fast path is really taken, not declined every time.
    expect(taken.length).toBeGreaterThan(files.length / 3);
  });

  it('reads the bench generators\' specs (DAG, fan-out with flow maps, skewed)', () => {
    for (const [name, write] of [
      ['dag', (dir: string) => generate(dir, { jobs: 300, layers: 9, seed: 7 })],
      ['fan-out', (dir: string) => generateFanOut(dir, 200)],
      ['skewed', (dir: string) => generateSkewed(dir)],
    ] as const) {
      const dir = join(scratch, name);
      mkdirSync(dir, { recursive: true });
      write(dir);
      expect(agree(readFileSync(join(dir, 'farmhand.yml'), 'utf8')), name).toBe(true);
    }
  });

  it('agrees on the forms it takes', () => {
    const taken = [
      'name: a\njobs:\n  b:\n    run: make all # build it\n    needs: [x, "y", \'z\']\n',
      'jobs:\n  b:\n    run:\n      - echo one\n      - "echo two"\n      - \'it\'\'s\'\n',
      'jobs:\n  b:\n    run:\n    - echo same column\n    timeout: 10\n    retry: 2\n    cache: true\n    x: ~\n    y: -1.5\n    z: 3.10\n',
      'jobs:\n  j1: { run: "true", image: busybox }\n  j2: {}\n  j3: { run: [a, b] }\n'.replace('{ run: [a, b] }', '{ run: x }'),
      'version: 1\nname: p\njobs:\n  a:\n    run: echo\n---\nname: q\njobs:\n  b:\n    run: echo\n',
      '---\nname: p\njobs:\n  a:\n    run: echo http://x/y#z\n',
      'jobs:\n  a:\n    needs:\n      - job: b\n        artifacts: false\n      - job: c\n',
      'jobs:\n  a:\n    env: { CC: gcc, FLAGS: "-O2 -g" }\n    run: echo $CC\n',
      'jobs:\n  a:\n    run: ./script.sh --flag=1 > out/log.txt\n    inputs: [src/**/*.c, "!src/gen/**"]\n',
    ];
    for (const text of taken) expect(agree(text), text).toBe(true);
  });

  it('leaves what it does not read to the full reader', () => {
    const declined = [
      'jobs:\n  a: &x\n    run: echo\n  b: *x\n',
      'jobs:\n  a:\n    run: |\n      echo one\n',
      'jobs:\n  a:\n    run: "echo \\"quoted\\""\n',
      'jobs:\n  a:\n    run: echo one\n      two\n',
      'jobs:\n  a:\n    run: echo\n    run: again\n',
      'jobs:\n  a:\n    run:\n',
      'jobs:\n\ta: x\n',
      'jobs:\n  a: [[nested]]\n',
      'jobs:\n  a: [x, y,]\n',
      '<<: {a: b}\n',
      'name: p\n---\n',
      '',
      '# only a comment\n',
      'jobs:\n  a:\n    run: !tag echo\n',
      'a: b: c\n',
      'jobs: x\n  y: z\n',
      '"quoted key": 1\n',
      '1: number key\n',
      'jobs:\r\n  a: b\r\n',
    ];
    for (const text of declined) expect(agree(text), JSON.stringify(text)).toBe(false);
  });

  it('never reads a generated file differently from the full reader (property)', () => {
    const key = fc.constantFrom('name', 'jobs', 'run', 'needs', 'a', 'b-c', 'd_e', 'x.y', 'CC', '1', 'true', 'k k', '<<', '-', '"q"');
    const scalar = fc.oneof(
      fc.constantFrom('echo hi', 'true', 'null', '~', '3.10', '-1', '0x1f', '.5', 'a # b', 'a#b', "it's", 'say "hi"', 'x: y', '- z', '[a]', '*a', '&a', '!t', '|', '', ' lead', 'trail ', 'http://h/p', 'a, b', '{', '#c'),
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 3 }),
      map: fc.dictionary(key, tie('node'), { maxKeys: 3 }),
    })).node;
    const style = fc.record({ flowLevel: fc.constantFrom(-1, 1, 2, 3), indentSeq: fc.boolean(), indent: fc.constantFrom(2, 4) });
    let taken = 0;
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }), style, fc.option(fc.constantFrom('---\n', '# c\n', '  # c\n'), { nil: '' }), (root, options, prefix) => {
        const text = prefix + stringify(root, options);
        if (agree(text)) taken++;
        agree(`${text}---\n${text}`);
      }),
      { numRuns: 400 * Math.max(1, Number(process.env.FUZZ_RUNS ?? 1)) },
    );
    // Enough of them are taken for the comparison to mean something.
    expect(taken).toBeGreaterThan(40);
  });
});
