// The syntax of requirements between recipes (`zlib/>=1.2.12,<2`, `perl`); matching versions
// against them is the planner's (core/plan/versions.ts).
import { recipeNamePattern, versionPattern } from './names';
import type { Requirement, SourceLocation, VersionConstraint } from './types';

/** A parsed requirement, or a message and remedy for a diagnostic at the caller's location. */
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
