// Readers for the spec's compound values: env maps, durations, retry, batch, paths and globs.
import type { DiagnosticSink } from './diagnostics';
import { durationRemedy, parseDuration } from './durations';
import { checkExpressions } from './expression-scope';
import type { ExpressionScope } from './expression-scope';
import { checkKeys, findEntry, readInteger, readMap, readNonEmptyString, readStringList, reportType } from './fields';
import { envNamePattern, nameRules } from './names';
import { normalizeGlobInsideProject, normalizeInsideProject } from './paths';
import { retryWhenValues } from './types';
import type { BatchSpec, RetrySpec, RetryWhen } from './types';
import type { YNode } from './yaml-source';

/** Defaults of `batch`: a 1s window keeps the wait short while catching jobs freed by the same event; 16 members bound one invocation. */
export const batchDefaults = { windowMs: 1000, max: 16 } as const;
/** Retries beyond this are a sign of a flaky job to fix, not to hide. */
export const maxRetries = 10;

/** Env names written in an `env` map, without validating it (scopes need them before values are checked). */
export function envNames(node: YNode | undefined): string[] {
  return node?.kind === 'map' ? node.entries.map((entry) => entry.key) : [];
}

/** An `env` map of NAME -> scalar, values as strings; expressions in values are checked against `scope`. */
export function readEnv(sink: DiagnosticSink, node: YNode, scope: ExpressionScope): Record<string, string> {
  const env: Record<string, string> = {};
  const map = readMap(sink, node, 'env', 'a map of NAME: value');
  if (map === undefined) return env;
  for (const entry of map.entries) {
    if (!envNamePattern.test(entry.key)) {
      sink.error(entry.keyLoc, `\`${entry.key}\` is not a valid environment variable name`, `use ${nameRules.env}`);
    }
    const value = entry.value;
    if (value.kind !== 'scalar' || value.value === null) {
      reportType(sink, value, `env.${entry.key}`, 'a string, number or boolean', 'quote the value, e.g. `"..."`');
      continue;
    }
    checkExpressions(sink, value, scope, `env.${entry.key}`);
    env[entry.key] = value.text;
  }
  return env;
}

/** A duration (`30s`, `10m`, `1h30m`, or a number of seconds) in milliseconds, more than zero. */
export function readDuration(sink: DiagnosticSink, node: YNode, what: string): number | undefined {
  if (node.kind === 'scalar' && (typeof node.value === 'string' || typeof node.value === 'number')) {
    const ms = parseDuration(typeof node.value === 'number' ? node.value : node.text);
    if (ms !== undefined && ms > 0) return ms;
    sink.error(node.loc, `invalid duration \`${node.text}\` for \`${what}\``, durationRemedy);
    return undefined;
  }
  return reportType(sink, node, what, 'a duration', durationRemedy);
}

/** `retry: 2` or `retry: { max: 2, when: [timeout, agent_lost] }`; `when` defaults to every kind. */
export function readRetry(sink: DiagnosticSink, node: YNode): RetrySpec | undefined {
  if (node.kind === 'scalar') {
    const max = readInteger(sink, node, 'retry', 0, maxRetries);
    return max === undefined ? undefined : { max, when: [...retryWhenValues] };
  }
  const map = readMap(sink, node, 'retry', `a number of retries or a map { max, when }`);
  if (map === undefined) return undefined;
  checkKeys(sink, map, ['max', 'when'], '`retry`');
  const maxEntry = findEntry(map, 'max');
  if (maxEntry === undefined) sink.error(map.loc, '`retry` has no `max`', 'write `retry: { max: 2 }`');
  const max = maxEntry ? readInteger(sink, maxEntry.value, 'retry.max', 0, maxRetries) : undefined;
  const whenEntry = findEntry(map, 'when');
  let when: RetryWhen[] = [...retryWhenValues];
  if (whenEntry !== undefined) {
    const items = readStringList(sink, whenEntry.value, 'retry.when') ?? [];
    when = [];
    for (const item of items) {
      const value = item.text as RetryWhen;
      if (retryWhenValues.includes(value)) {
        if (!when.includes(value)) when.push(value);
        continue;
      }
      sink.error(item.loc, `\`${item.text}\` is not a kind of failure \`retry.when\` knows`, `use ${retryWhenValues.map((v) => `\`${v}\``).join(', ')}`);
    }
  }
  return max === undefined ? undefined : { max, when };
}

/** `batch: { key, window, max }`; key is required and may hold expressions. */
export function readBatch(sink: DiagnosticSink, node: YNode, scope: ExpressionScope): BatchSpec | undefined {
  const map = readMap(sink, node, 'batch', 'a map { key, window, max }');
  if (map === undefined) return undefined;
  checkKeys(sink, map, ['key', 'window', 'max'], '`batch`');
  const keyEntry = findEntry(map, 'key');
  if (keyEntry === undefined) sink.error(map.loc, '`batch` has no `key`', 'jobs with the same `key` are batched together, e.g. `batch: { key: bazel }`');
  const key = keyEntry ? readNonEmptyString(sink, keyEntry.value, 'batch.key') : undefined;
  if (key !== undefined && keyEntry?.value.kind === 'scalar') checkExpressions(sink, keyEntry.value, scope, 'batch.key');
  const windowEntry = findEntry(map, 'window');
  const windowMs = windowEntry ? readDuration(sink, windowEntry.value, 'batch.window') : batchDefaults.windowMs;
  const maxEntry = findEntry(map, 'max');
  const max = maxEntry ? readInteger(sink, maxEntry.value, 'batch.max', 1) : batchDefaults.max;
  if (key === undefined || windowMs === undefined || max === undefined) return undefined;
  return { key, windowMs, max };
}

/** A list of globs relative to the project root that never leave it (`../` or absolute paths are refused). */
export function readGlobs(sink: DiagnosticSink, node: YNode, what: string, scope: ExpressionScope): string[] {
  const globs: string[] = [];
  for (const item of readStringList(sink, node, what, { allowEmpty: true }) ?? []) {
    checkExpressions(sink, item, scope, what);
    if (normalizeGlobInsideProject(item.text) === undefined) {
      sink.error(item.loc, `\`${item.text}\` in \`${what}\` points outside the project`, 'globs are relative to the project root and may not start with `/` or climb out with `..`');
      continue;
    }
    globs.push(item.text);
  }
  return globs;
}

/** A directory relative to the project root that stays inside it. */
export function readWorkingDirectory(sink: DiagnosticSink, node: YNode, scope: ExpressionScope): string | undefined {
  const text = readNonEmptyString(sink, node, 'working_directory');
  if (text === undefined || node.kind !== 'scalar') return undefined;
  checkExpressions(sink, node, scope, 'working_directory');
  if (normalizeInsideProject(text) === undefined) {
    sink.error(node.loc, `\`working_directory\` \`${text}\` points outside the project`, 'use a path relative to the project root, without `..` climbing out of it');
    return undefined;
  }
  return text;
}
