// The keys a pipeline job and a recipe share (run, image, env, inputs, retry, ...).
import type { DiagnosticSink } from './diagnostics';
import { checkExpressions } from './expression-scope';
import type { ExpressionScope } from './expression-scope';
import { readBoolean, readCommands, readNonEmptyString, readStringList } from './fields';
import type { JobTemplate, SourceLocation } from './types';
import { readBatch, readDuration, readGlobs, readRetry, readWorkingDirectory } from './values';
import type { YMap, YNode } from './yaml-source';

/** Keys of a job template, as written in YAML. */
export const templateKeys = [
  'run', 'image', 'pool', 'labels', 'env', 'inputs', 'outputs', 'cache', 'resource_group',
  'batch', 'timeout', 'retry', 'allow_failure', 'working_directory',
] as const;

/**
 * Reads the template keys of `map` (other keys are the caller's); `env` is read by the caller first,
 * since the expression scope depends on it. Required `run` is reported when missing.
 */
export function readJobTemplate(sink: DiagnosticSink, map: YMap, scope: ExpressionScope, env: Record<string, string>, named: { what: string; loc: SourceLocation }): JobTemplate {
  const template: JobTemplate = { run: [], env, inputs: [], outputs: [], allowFailure: false, loc: named.loc };
  const text = (node: YNode, key: string): string | undefined => {
    const value = readNonEmptyString(sink, node, key);
    if (value !== undefined && node.kind === 'scalar') checkExpressions(sink, node, scope, key);
    return value;
  };
  for (const { key, value: node } of map.entries) {
    switch (key) {
      case 'run': {
        const commands = readCommands(sink, node, 'run') ?? [];
        for (const command of commands) checkExpressions(sink, command, scope, 'run');
        template.run = commands.map((command) => command.text);
        break;
      }
      case 'image': template.image = text(node, key); break;
      case 'pool': template.pool = text(node, key); break;
      case 'labels': {
        const labels = readStringList(sink, node, 'labels', { allowEmpty: true }) ?? [];
        for (const label of labels) checkExpressions(sink, label, scope, 'labels');
        template.labels = labels.map((label) => label.text);
        break;
      }
      case 'inputs': template.inputs = readGlobs(sink, node, 'inputs', scope); break;
      case 'outputs': template.outputs = readGlobs(sink, node, 'outputs', scope); break;
      case 'cache': template.cache = readBoolean(sink, node, 'cache'); break;
      case 'resource_group': template.resourceGroup = text(node, key); break;
      case 'batch': template.batch = readBatch(sink, node, scope); break;
      case 'timeout': template.timeoutMs = readDuration(sink, node, 'timeout'); break;
      case 'retry': template.retry = readRetry(sink, node); break;
      case 'allow_failure': template.allowFailure = readBoolean(sink, node, 'allow_failure') ?? false; break;
      case 'working_directory': template.workingDirectory = readWorkingDirectory(sink, node, scope); break;
    }
  }
  if (!map.entries.some((entry) => entry.key === 'run')) sink.error(named.loc, `${named.what} has no \`run\``, 'add `run: <command>`');
  return dropUndefined(template);
}

/** Optional fields stay absent rather than present-but-undefined, so plans and snapshots compare cleanly. */
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}
