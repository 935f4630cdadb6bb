// YAML text -> a small tree of maps, lists and scalars that keeps a source location on every node.
// The validators walk this tree instead of yaml's AST, so aliases, merge keys and limits are handled once.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar } from 'yaml';
import type { Alias, Document, Node as YamlNode } from 'yaml';
import type { DiagnosticSink } from './diagnostics';
import { fastYamlDocuments } from './fast-yaml';
import type { SourceLocation } from './types';

/** A scalar: string, number, boolean or null, with its text as written. */
export interface YScalar {
  kind: 'scalar';
  /** As YAML's core schema reads it: string, number, boolean or null. */
  value: unknown;
  /** The scalar's text after quote processing (`3.10` stays `3.10`, unlike `value`). */
  text: string;
  /** True when written without quotes (only those can be numbers, booleans or null). */
  plain: boolean;
  loc: SourceLocation;
  /** Location of the character at `offset` of `text`, exact for one-line scalars without escapes. */
  locAt(offset: number): SourceLocation;
}
/** One `key: value` of a map; keys are always scalars, kept as text. */
export interface YEntry {
  key: string;
  keyLoc: SourceLocation;
  value: YNode;
}
export interface YMap {
  kind: 'map';
  entries: YEntry[];
  loc: SourceLocation;
}
export interface YSeq {
  kind: 'seq';
  items: YNode[];
  loc: SourceLocation;
}
/** Any node of the tree. */
export type YNode = YScalar | YMap | YSeq;

/** One document of a file (between `---` separators). */
export interface YDocument {
  /** undefined for an empty document (e.g. after a trailing `---`). */
  node?: YNode;
  /** False when the document had YAML syntax errors (they are reported; its content is not validated). */
  valid: boolean;
  loc: SourceLocation;
}

/** Nesting deeper than this is refused: no pipeline needs it, and it guards the recursive walk. */
export const maxDepth = 64;
/** Nodes that aliases may copy per file: guards against "billion laughs" alias bombs. */
export const maxAliasNodes = 100_000;

interface Context {
  file: string;
  source: string;
  lines: LineCounter;
  sink: DiagnosticSink;
  document: Document.Parsed;
  aliasNodes: number;
  aliasDepth: number;
  refused: boolean;
  /** A map of this document repeats a key: reported, and the document is not validated further. */
  duplicateKeys: boolean;
}

/** Parses every document of a YAML file, reporting syntax errors one line each into `sink`. */
export function parseYamlDocuments(file: string, source: string, sink: DiagnosticSink): YDocument[] {
  // Plain pipeline YAML (most files) is read by the fast reader; the rest, and every problem, here.
  return fastYamlDocuments(file, source) ?? readYamlDocuments(file, source, sink);
}

/** The full reader (the `yaml` package): every YAML form, with located diagnostics. */
export function readYamlDocuments(file: string, source: string, sink: DiagnosticSink): YDocument[] {
  const lines = new LineCounter();
  let documents: Document.Parsed[];
  try {
    // yaml's own unique-key check compares every key with every other (a 66,000-key map took 30 s):
    // convertMap checks duplicates with a Set instead.
    const parsed = parseAllDocuments(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    documents = Array.isArray(parsed) ? parsed : [];
  } catch (error) {
    // The yaml parser recurses; absurd nesting can exhaust the stack before it can report anything.
    const reason = error instanceof RangeError ? 'YAML is nested too deeply to read' : `YAML could not be read: ${String(error)}`;
    sink.error({ file, line: 1, col: 1 }, reason);
    return [];
  }
  const context: Omit<Context, 'document'> = { file, source, lines, sink, aliasNodes: 0, aliasDepth: 0, refused: false, duplicateKeys: false };
  return documents.map((document) => convertDocument({ ...context, document, duplicateKeys: false }));
}

function convertDocument(context: Context): YDocument {
  const { document, sink } = context;
  const start = document.contents?.range?.[0] ?? document.range[0];
  const loc = location(context, start);
  for (const error of document.errors) {
    sink.error(location(context, error.pos[0]), `YAML syntax error: ${firstLine(error.message)}`);
  }
  if (document.errors.length > 0) return { valid: false, loc };
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && contents.value === null && !hasText(context, contents))) {
    return { valid: true, loc };
  }
  const node = convert(context, contents, 0);
  return node === undefined || context.duplicateKeys ? { valid: false, loc } : { node, valid: true, loc };
}

function convert(context: Context, node: unknown, depth: number): YNode | undefined {
  if (depth > maxDepth) return refuse(context, node, `YAML is nested deeper than ${maxDepth} levels`);
  if (isAlias(node)) return convertAlias(context, node, depth);
  if (context.aliasDepth > 0 && ++context.aliasNodes > maxAliasNodes) {
    return refuse(context, node, `aliases expand to more than ${maxAliasNodes} nodes`);
  }
  if (isScalar(node)) return convertScalar(context, node);
  if (isSeq(node)) {
    const items: YNode[] = [];
    for (const item of node.items) {
      const converted = convert(context, item, depth + 1);
      if (converted === undefined) return undefined;
      items.push(converted);
    }
    return { kind: 'seq', items, loc: location(context, rangeStart(node)) };
  }
  if (isMap(node)) return convertMap(context, node.items, location(context, rangeStart(node)), depth);
  // Empty values (`key:`) come through as null.
  return nullScalar(location(context, 0));
}

function convertAlias(context: Context, alias: Alias, depth: number): YNode | undefined {
  const target = alias.resolve(context.document);
  if (target === undefined) {
    context.sink.error(location(context, rangeStart(alias)), `unknown alias \`*${alias.source}\``, 'define the anchor `&name` before using `*name`');
    return undefined;
  }
  context.aliasDepth++;
  try {
    return convert(context, target, depth + 1);
  } finally {
    context.aliasDepth--;
  }
}

function convertMap(context: Context, pairs: readonly { key: unknown; value: unknown }[], loc: SourceLocation, depth: number): YMap | undefined {
  const entries: YEntry[] = [];
  const merged: YEntry[] = [];
  const keys = new Set<string>();
  for (const pair of pairs) {
    const key = pair.key;
    const keyLoc = location(context, isScalar(key) || isAlias(key) ? rangeStart(key as YamlNode) : rangeStart(pair.value as YamlNode));
    if (isScalar(key) && isDuplicateKey(context, keys, keyText(key), keyLoc)) continue;
    if (isScalar(key) && key.value === '<<' && key.type === Scalar.PLAIN) {
      // Merge keys (`<<: *defaults`), as GitLab CI users write them; explicit keys win.
      const source = convert(context, pair.value, depth + 1);
      if (source === undefined) return undefined;
      const sources = source.kind === 'seq' ? source.items : [source];
      for (const item of sources) {
        if (item.kind !== 'map') {
          context.sink.error(item.loc, 'a merge key `<<` takes a map or a list of maps');
          continue;
        }
        merged.push(...item.entries);
      }
      continue;
    }
    if (!isScalar(key) || (typeof key.value === 'object' && key.value !== null)) {
      context.sink.error(keyLoc, 'expected a plain key (a name), not a list or a map');
      continue;
    }
    const value = pair.value === null ? nullScalar(keyLoc) : convert(context, pair.value, depth + 1);
    if (value === undefined) return undefined;
    entries.push({ key: keyText(key), keyLoc, value });
  }
  const written = new Set(entries.map((entry) => entry.key));
  for (const entry of merged) {
    if (written.has(entry.key)) continue;
    written.add(entry.key);
    entries.push(entry);
  }
  return { kind: 'map', entries, loc };
}

function keyText(key: Scalar): string {
  return key.source ?? String(key.value);
}

/** Reports a key written twice in one map (once, where it is first converted: not again through each alias). */
function isDuplicateKey(context: Context, keys: Set<string>, key: string, keyLoc: SourceLocation): boolean {
  if (!keys.has(key)) {
    keys.add(key);
    return false;
  }
  context.duplicateKeys = true;
  if (context.aliasDepth === 0) context.sink.error(keyLoc, 'YAML syntax error: Map keys must be unique');
  return true;
}

function convertScalar(context: Context, scalar: Scalar): YScalar {
  const start = rangeStart(scalar);
  const loc = location(context, start);
  const text = scalar.source ?? (scalar.value === null || scalar.value === undefined ? '' : String(scalar.value));
  const plain = scalar.type === Scalar.PLAIN || scalar.type === undefined;
  const quote = scalar.type === Scalar.QUOTE_DOUBLE || scalar.type === Scalar.QUOTE_SINGLE ? 1 : 0;
  // Offsets inside the text map to columns only when the text appears verbatim on one line.
  const verbatim = (plain || quote === 1) && !text.includes('\n') && context.source.startsWith(text, start + quote);
  return {
    kind: 'scalar',
    value: scalar.value ?? null,
    text,
    plain,
    loc,
    locAt: (offset) => (verbatim ? location(context, start + quote + offset) : loc),
  };
}

function nullScalar(loc: SourceLocation): YScalar {
  return { kind: 'scalar', value: null, text: '', plain: true, loc, locAt: () => loc };
}

function refuse(context: Context, node: unknown, message: string): undefined {
  if (!context.refused) context.sink.error(location(context, rangeStart(node as YamlNode)), message);
  context.refused = true;
  return undefined;
}

function hasText(context: Context, scalar: Scalar): boolean {
  const [start, end] = scalar.range ?? [0, 0];
  return context.source.slice(start, end).trim().length > 0;
}

function rangeStart(node: YamlNode | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

function location(context: Context, offset: number): SourceLocation {
  const { line, col } = context.lines.linePos(Math.max(0, offset));
  return { file: context.file, line: Math.max(1, line), col: Math.max(1, col) };
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
