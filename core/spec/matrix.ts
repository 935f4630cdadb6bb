// `matrix` (axis -> values) and `exclude` (combinations to leave out) of a job.
import type { DiagnosticSink } from './diagnostics';
import { didYouMean } from './diagnostics';
import { describeNode, readMap, reportType } from './fields';
import { axisNamePattern, matrixValueForbidden, nameRules } from './names';
import type { YNode } from './yaml-source';

/** Axis names written under `matrix`, before validation (the expression scope needs them early). */
export function matrixAxes(node: YNode | undefined): string[] {
  return node?.kind === 'map' ? node.entries.map((entry) => entry.key) : [];
}

/** `matrix: { axis: [values] }`; numbers and booleans become their text; every axis needs a value. */
export function readMatrix(sink: DiagnosticSink, node: YNode): Record<string, string[]> | undefined {
  const map = readMap(sink, node, 'matrix', 'a map of axis: [values]');
  if (map === undefined) return undefined;
  if (map.entries.length === 0) {
    sink.error(map.loc, '`matrix` has no axes', 'write axes like `matrix: { os: [debian, alpine] }`, or remove `matrix`');
    return undefined;
  }
  const matrix: Record<string, string[]> = {};
  for (const { key, keyLoc, value } of map.entries) {
    if (!axisNamePattern.test(key)) sink.error(keyLoc, `\`${key}\` is not a valid matrix axis name`, `use ${nameRules.axis}`);
    if (value.kind !== 'seq') {
      reportType(sink, value, `matrix.${key}`, 'a list of values', `write \`${key}: [a, b]\``);
      continue;
    }
    if (value.items.length === 0) {
      sink.error(value.loc, `matrix axis \`${key}\` is empty`, 'give it at least one value, or remove the axis');
      continue;
    }
    const values: string[] = [];
    const seen = new Set<string>();
    for (const item of value.items) {
      const text = matrixValue(sink, item, key);
      if (text === undefined) continue;
      if (seen.has(text)) sink.error(item.loc, `matrix axis \`${key}\` lists \`${text}\` twice`);
      else {
        seen.add(text);
        values.push(text);
      }
    }
    matrix[key] = values;
  }
  return matrix;
}

function matrixValue(sink: DiagnosticSink, item: YNode, axis: string): string | undefined {
  if (item.kind !== 'scalar' || item.value === null) {
    return reportType(sink, item, `matrix.${axis}[]`, 'a string, number or boolean');
  }
  if (item.text.includes('${{')) {
    sink.error(item.loc, `matrix value \`${item.text}\` holds an expression`, 'matrix values are written out: they are what expressions resolve to');
    return undefined;
  }
  if (item.text.trim() === '' || matrixValueForbidden.test(item.text)) {
    sink.error(item.loc, `matrix value \`${item.text}\` cannot be part of a job id`, 'use a non-empty value without `,`, `=`, `[` or `]`');
    return undefined;
  }
  return item.text;
}

/** `exclude: [{ axis: value, ... }]`: every key an axis of `matrix`, every value one of that axis' values. */
export function readExclude(sink: DiagnosticSink, node: YNode, matrix: Record<string, string[]> | undefined, writtenAxes: readonly string[] | undefined): Record<string, string>[] {
  if (writtenAxes === undefined) {
    sink.error(node.loc, '`exclude` without a `matrix`', 'add a `matrix`, or remove `exclude`');
    return [];
  }
  if (node.kind !== 'seq') return reportType(sink, node, 'exclude', 'a list of maps like { os: alpine }') ?? [];
  const excludes: Record<string, string>[] = [];
  const valueSets = new Map(Object.entries(matrix ?? {}).map(([axis, values]) => [axis, new Set(values)]));
  for (const item of node.items) {
    const map = readMap(sink, item, 'exclude[]', 'a map like { os: alpine }');
    if (map === undefined) continue;
    const combination: Record<string, string> = {};
    for (const { key, keyLoc, value } of map.entries) {
      const values = matrix?.[key];
      if (values === undefined) {
        // An axis that is written but invalid was reported already.
        if (!writtenAxes.includes(key)) sink.error(keyLoc, `\`exclude\` names \`${key}\`, which is not a matrix axis`, didYouMean(key, writtenAxes) ?? `axes: ${writtenAxes.join(', ')}`);
        continue;
      }
      if (value.kind !== 'scalar' || value.value === null) {
        sink.error(value.loc, `\`exclude.${key}\` expects one value of the axis, got ${describeNode(value)}`);
        continue;
      }
      if (!valueSets.get(key)?.has(value.text)) {
        sink.error(value.loc, `\`${value.text}\` is not a value of matrix axis \`${key}\``, didYouMean(value.text, values) ?? `values: ${values.join(', ')}`);
        continue;
      }
      combination[key] = value.text;
    }
    excludes.push(combination);
  }
  return excludes;
}
