// Requirements between recipes (`zlib/>=1.2.12,<2`, `perl`) and version comparison.
import { recipeNamePattern, versionPattern } from './names';
import type { Requirement, SourceLocation, VersionConstraint } from './types';

export type RequirementResult =
  | { ok: true; requirement: Requirement }
  | { ok: false; message: string; remedy: string };

const requirementRemedy = 'write a recipe name with an optional request, like `zlib`, `zlib/1.2`, `zlib/>=1.2.12,<2` or `openssl/~3.0`';
const constraintPattern = /^(>=|<=|=|>|<|~)?\s*(.*)$/;

/** Parses `name` or `name/<request>` (request: `=1.2.3`, `>=1`, `>1`, `<=1`, `<1`, `~3.0`, `3.0`, joined by `,`). */
export function parseRequirement(text: string, loc: SourceLocation): RequirementResult {
  const written = text.trim();
  const slash = written.indexOf('/');
  const name = slash === -1 ? written : written.slice(0, slash).trim();
  if (!recipeNamePattern.test(name)) {
    return { ok: false, message: `requirement \`${text}\` does not start with a recipe name`, remedy: requirementRemedy };
  }
  if (slash === -1) return { ok: true, requirement: { name, constraints: [], text: written, loc } };
  const request = written.slice(slash + 1);
  const constraints: VersionConstraint[] = [];
  for (const part of request.split(',')) {
    const constraint = parseConstraint(part.trim());
    if (constraint === undefined) {
      const what = part.trim() === '' ? 'an empty version request' : `an invalid version request \`${part.trim()}\``;
      return { ok: false, message: `requirement \`${text}\` has ${what}`, remedy: requirementRemedy };
    }
    constraints.push(constraint);
  }
  return { ok: true, requirement: { name, constraints, text: written, loc } };
}

function parseConstraint(part: string): VersionConstraint | undefined {
  const match = constraintPattern.exec(part);
  const version = match?.[2]?.trim() ?? '';
  if (!match || !versionPattern.test(version)) return undefined;
  const op = (match[1] ?? 'prefix') as VersionConstraint['op'];
  return { op, version };
}

/** Compares versions part by part (numerically when both parts are numbers); negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const order = compareParts(left[i] ?? '', right[i] ?? '');
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

function compareParts(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) {
    const difference = BigInt(a) - BigInt(b);
    return difference < 0n ? -1 : difference > 0n ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `version` starts with every dot-separated part of `prefix` (`3.0` matches `3.0.2`, not `3.01`). */
export function hasVersionPrefix(version: string, prefix: string): boolean {
  const parts = version.split('.');
  return prefix.split('.').every((part, i) => parts[i] !== undefined && compareParts(parts[i] ?? '', part) === 0);
}

/** True when `version` satisfies one constraint; `~1.2.3` means >=1.2.3 within 1.2, `~3` means 3.x. */
export function satisfiesConstraint(version: string, constraint: VersionConstraint): boolean {
  const order = compareVersions(version, constraint.version);
  switch (constraint.op) {
    case '=': return order === 0;
    case '>=': return order >= 0;
    case '>': return order > 0;
    case '<=': return order <= 0;
    case '<': return order < 0;
    case 'prefix': return hasVersionPrefix(version, constraint.version);
    case '~': {
      const parts = constraint.version.split('.');
      const stem = parts.length > 1 ? parts.slice(0, -1).join('.') : constraint.version;
      return order >= 0 && hasVersionPrefix(version, stem);
    }
  }
}

/** True when `version` satisfies every constraint (an empty list accepts any version). */
export function satisfiesRequirement(version: string, constraints: readonly VersionConstraint[]): boolean {
  return constraints.every((constraint) => satisfiesConstraint(version, constraint));
}
