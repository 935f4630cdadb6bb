// Typed readers over the YAML tree: each reports "`key` expects X, got Y" at the value and returns
// undefined on a mismatch, so a parser can go on and report every other problem too.
import { didYouMean } from './diagnostics';
import type { DiagnosticSink } from './diagnostics';
import type { YEntry, YMap, YNode, YScalar } from './yaml-source';

/** Words for what a node is, for "got ..." in messages. */
export function describeNode(node: YNode): string {
  if (node.kind === 'map') return 'a map';
  if (node.kind === 'seq') return 'a list';
  if (node.value === null) return 'nothing';
  if (node.text === '') return 'an empty string';
  if (typeof node.value === 'boolean') return `\`${node.text}\``;
  if (typeof node.value === 'number') return `the number ${node.text}`;
  return `the string \`${truncate(node.text)}\``;
}

/** Reports "`what` expects `expected`, got ..." at the node. */
export function reportType(sink: DiagnosticSink, node: YNode, what: string, expected: string, remedy?: string): undefined {
  sink.error(node.loc, `\`${what}\` expects ${expected}, got ${describeNode(node)}`, remedy);
  return undefined;
}

/** The node as a map, or undefined after reporting. */
export function readMap(sink: DiagnosticSink, node: YNode, what: string, expected = 'a map'): YMap | undefined {
  return node.kind === 'map' ? node : reportType(sink, node, what, expected);
}

/** Reports every key of `map` that is not in `allowed`, with a did-you-mean remedy; `hints` give remedies for known mistakes. */
export function checkKeys(sink: DiagnosticSink, map: YMap, allowed: readonly string[], what: string, hints: Readonly<Record<string, string>> = {}): void {
  for (const entry of map.entries) {
    if (allowed.includes(entry.key)) continue;
    const remedy = hints[entry.key] ?? didYouMean(entry.key, allowed) ?? `known keys: ${allowed.join(', ')}`;
    sink.error(entry.keyLoc, `unknown key \`${entry.key}\` in ${what}`, remedy);
  }
}

/** The entry for `key`, if written. */
export function findEntry(map: YMap, key: string): YEntry | undefined {
  return map.entries.find((entry) => entry.key === key);
}

/** A string value; plain numbers count as their text (`3.10` stays `3.10`). */
export function readString(sink: DiagnosticSink, node: YNode, what: string): string | undefined {
  if (node.kind === 'scalar' && (typeof node.value === 'string' || typeof node.value === 'number')) return node.text;
  return reportType(sink, node, what, 'a string');
}

/** A non-empty string value. */
export function readNonEmptyString(sink: DiagnosticSink, node: YNode, what: string): string | undefined {
  const text = readString(sink, node, what);
  if (text === undefined) return undefined;
  if (text.trim() === '') return reportType(sink, node, what, 'a non-empty string');
  return text;
}

/** `true` or `false`. */
export function readBoolean(sink: DiagnosticSink, node: YNode, what: string): boolean | undefined {
  if (node.kind === 'scalar' && node.plain && typeof node.value === 'boolean') return node.value;
  return reportType(sink, node, what, '`true` or `false`');
}

/** A whole number within [min, max]. */
export function readInteger(sink: DiagnosticSink, node: YNode, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
  if (node.kind !== 'scalar' || !node.plain || typeof node.value !== 'number' || !Number.isInteger(node.value)) {
    return reportType(sink, node, what, range);
  }
  if (node.value < min || node.value > max) return reportType(sink, node, what, range);
  return node.value;
}

/** A list of string scalars, each returned with its node (for locations and expression checks). */
export function readStringList(sink: DiagnosticSink, node: YNode, what: string, options: { allowEmpty?: boolean } = {}): YScalar[] | undefined {
  if (node.kind !== 'seq') return reportType(sink, node, what, 'a list of strings', `write \`${what}: [a, b]\``);
  if (node.items.length === 0 && !options.allowEmpty) return reportType(sink, node, what, 'a non-empty list of strings');
  const strings: YScalar[] = [];
  for (const item of node.items) {
    const text = readNonEmptyString(sink, item, `${what}[]`);
    if (text !== undefined && item.kind === 'scalar') strings.push(item);
  }
  return strings;
}

/** A string or a non-empty list of strings (commands: `run`, `on_success`, ...). */
export function readCommands(sink: DiagnosticSink, node: YNode, what: string): YScalar[] | undefined {
  if (node.kind === 'seq') return readStringList(sink, node, what);
  const text = readString(sink, node, what);
  if (text === undefined || node.kind !== 'scalar') return undefined;
  if (text.trim() === '') return reportType(sink, node, what, 'a command or a list of commands');
  return [node];
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
