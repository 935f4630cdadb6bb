// Which `${{ name }}` expressions a string may use where it is written, and the check itself.
import { didYouMean } from './diagnostics';
import type { DiagnosticSink } from './diagnostics';
import { findExpressions } from './expressions';
import type { YScalar } from './yaml-source';

/** The names valid at one place of the spec, e.g. a job with a matrix and some env. */
export interface ExpressionScope {
  names: ReadonlySet<string>;
  /** Says what the place is, for remedies: "this job", "pipeline `build`", "recipe `zlib`". */
  where: string;
}

/** The names a pipeline-level string may use: `pipeline.name` and the pipeline's env. */
export function pipelineScope(pipelineName: string, envNames: Iterable<string>): ExpressionScope {
  return { names: new Set(['pipeline.name', ...[...envNames].map((name) => `env.${name}`)]), where: `pipeline \`${pipelineName}\`` };
}

/** The names a job string may use: the pipeline's, plus `job.name`, the job's env and matrix axes. */
export function jobScope(pipeline: ExpressionScope, jobName: string, envNames: Iterable<string>, axes: Iterable<string>): ExpressionScope {
  const names = new Set([...pipeline.names, 'job.name', ...[...envNames].map((name) => `env.${name}`), ...[...axes].map((axis) => `matrix.${axis}`)]);
  return { names, where: `job \`${jobName}\`` };
}

/** The names a recipe string may use: `version`, `pipeline.name`, `job.name` and the recipe's env. */
export function recipeScope(recipeName: string, envNames: Iterable<string>): ExpressionScope {
  return { names: new Set(['version', 'pipeline.name', 'job.name', ...[...envNames].map((name) => `env.${name}`)]), where: `recipe \`${recipeName}\`` };
}

/** Reports every unclosed `${{` and every expression name not in scope, at its place in the string. */
export function checkExpressions(sink: DiagnosticSink, node: YScalar, scope: ExpressionScope, what: string): void {
  if (node.text.includes('${{')) checkFrom(sink, node, scope, what, 0);
}

function checkFrom(sink: DiagnosticSink, node: YScalar, scope: ExpressionScope, what: string, base: number): void {
  const text = node.text.slice(base);
  const found = findExpressions(text);
  const starts = new Set(found.map((expression) => expression.offset));
  for (let offset = text.indexOf('${{'); offset !== -1; offset = text.indexOf('${{', offset + 3)) {
    if (!starts.has(offset) && !found.some((expression) => offset > expression.offset && offset < text.indexOf('}}', expression.offset))) {
      sink.error(node.locAt(base + offset), `unclosed \`\${{\` in \`${what}\``, 'close the expression with `}}`, like `${{ matrix.os }}`');
    }
  }
  for (const expression of found) {
    if (scope.names.has(expression.name)) continue;
    const loc = node.locAt(base + expression.offset);
    if (expression.name.includes('${{')) {
      // `${{ a ${{ b }}`: the first one is unclosed; the one inside is checked on its own.
      sink.error(loc, `unclosed \`\${{\` in \`${what}\``, 'close the expression with `}}`, like `${{ matrix.os }}`');
      checkFrom(sink, node, scope, what, base + expression.offset + 3);
      continue;
    }
    if (expression.name === '') {
      sink.error(loc, `empty expression \`\${{ }}\` in \`${what}\``, remedyFor('', scope));
      continue;
    }
    sink.error(loc, `unknown expression \`\${{ ${expression.name} }}\` in \`${what}\``, remedyFor(expression.name, scope));
  }
}

function remedyFor(name: string, scope: ExpressionScope): string {
  const withPrefix = (prefix: string): string[] => [...scope.names].filter((known) => known.startsWith(prefix)).map((known) => known.slice(prefix.length));
  if (name.startsWith('matrix.')) {
    const axes = withPrefix('matrix.');
    if (axes.length === 0) return `${scope.where} has no matrix`;
    return didYouMean(name.slice(7), axes)?.replace('`', '`matrix.') ?? `matrix axes of ${scope.where}: ${axes.join(', ')}`;
  }
  if (name.startsWith('env.')) {
    return didYouMean(name.slice(4), withPrefix('env.'))?.replace('`', '`env.') ?? `define \`${name.slice(4)}\` under \`env\``;
  }
  const suggestion = didYouMean(name, scope.names);
  if (suggestion !== undefined) return suggestion;
  if (name === 'version') return '`${{ version }}` exists only in recipes';
  return `known in ${scope.where}: ${[...scope.names].map((known) => `\`${known}\``).join(', ')}`;
}
