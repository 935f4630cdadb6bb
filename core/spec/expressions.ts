// `${{ name }}` expressions: finding them (for validation) and substituting them (for planning).

/** One expression occurrence in a string. */
export interface ExpressionRef {
  /** The trimmed name inside the braces, e.g. `matrix.os`. */
  name: string;
  /** 0-based offset of `${{` in the string. */
  offset: number;
}

const expressionPattern = /\$\{\{\s*([^}]*?)\s*\}\}/g;

/** Every `${{ ... }}` in a string, in order. */
export function findExpressions(text: string): ExpressionRef[] {
  const found: ExpressionRef[] = [];
  for (const match of text.matchAll(expressionPattern)) {
    found.push({ name: match[1] ?? '', offset: match.index ?? 0 });
  }
  return found;
}

/**
 * Replaces every expression with its value from `values` (keys like `matrix.os`, `env.CC`, `version`,
 * `pipeline.name`, `job.name`). A name without a value is left as written; the spec validator
 * reports unknown names before planning, so this happens only for names it accepted.
 */
export function substituteExpressions(text: string, values: Readonly<Record<string, string>>): string {
  if (!text.includes('${{')) return text;
  return text.replace(expressionPattern, (whole, name: string) => values[name] ?? whole);
}
