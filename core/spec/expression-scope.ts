// Which `${{ name }}` expressions a string may use where it is written, and the check itself.
import { didYouMean } from './diagnostics';
import type { DiagnosticSink } from './diagnostics';
import { findExpressions } from './expressions';
import type { YScalar } from './yaml-source';

/** The names valid at one place of the spec, e.g. a job with a matrix and some env. */
export interface ExpressionScope {
  names: readonly string[];
  /** Says what the place is, for remedies: "this job", "pipeline `build`", "recipe `zlib`". */
  where: string;
}

/** The names a pipeline-level string may use: `pipeline.name` and the pipeline's env. */
export function pipelineScope(pipelineName: string, envNames: Iterable<string>): ExpressionScope {
  return { names: ['pipeline.name', ...[...envNames].map((name) => `env.${name}`)], where: `pipeline \`${pipelineName}\`` };
}

/** The names a job string may use: the pipeline's, plus `job.name`, the job's env and matrix axes. */
export function jobScope(pipeline: ExpressionScope, jobName: string, envNames: Iterable<string>, axes: Iterable<string>): ExpressionScope {
  const names = new Set([...pipeline.names, 'job.name', ...[...envNames].map((name) => `env.${name}`), ...[...axes].map((axis) => `matrix.${axis}`)]);
  return { names: [...names], where: `job \`${jobName}\`` };
}

/** The names a recipe string may use: `version`, `pipeline.name`, `job.name` and the recipe's env. */
export function recipeScope(recipeName: string, envNames: Iterable<string>): ExpressionScope {
  return { names: ['version', 'pipeline.name', 'job.name', ...[...envNames].map((name) => `env.${name}`)], where: `recipe \`${recipeName}\`` };
}

/** Reports every unclosed `${{` and every expression name not in scope, at its place in the string. */
export function checkExpressions(sink: DiagnosticSink, node: YScalar, scope: ExpressionScope, what: string): void {
  const text = node.text;
  if (!text.includes('${{')) return;
  const found = findExpressions(text);
  const starts = new Set(found.map((expression) => expression.offset));
  for (let offset = text.indexOf('${{'); offset !== -1; offset = text.indexOf('${{', offset + 3)) {
    if (!starts.has(offset)) sink.error(node.locAt(offset), `unclosed \`\${{\` in \`${what}\``, 'close the expression with `}}`, like `${{ matrix.os }}`');
  }
  for (const expression of found) {
    if (scope.names.includes(expression.name)) continue;
    const loc = node.locAt(expression.offset);
    if (expression.name === '') {
      sink.error(loc, `empty expression \`\${{ }}\` in \`${what}\``, remedyFor('', scope));
      continue;
    }
    sink.error(loc, `unknown expression \`\${{ ${expression.name} }}\` in \`${what}\``, remedyFor(expression.name, scope));
  }
}

function remedyFor(name: string, scope: ExpressionScope): string {
  const suggestion = didYouMean(name, scope.names);
  if (suggestion !== undefined) return suggestion;
  if (name === 'version') return '`${{ version }}` exists only in recipes';
  if (name.startsWith('matrix.') && !scope.names.some((known) => known.startsWith('matrix.'))) {
    return `${scope.where} has no matrix`;
  }
  if (name.startsWith('env.')) return `define \`${name.slice(4)}\` under \`env\``;
  return `known in ${scope.where}: ${scope.names.map((known) => `\`${known}\``).join(', ')}`;
}
