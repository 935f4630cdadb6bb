// Recipe versions: ordering and matching against requests like `>=1.2.12`, `~3.0` or `3.0`.
//
// Choices (the pipeline format leaves them open):
// - Versions are dot-separated parts. Two numeric parts compare as numbers (`1.10` > `1.9`); otherwise
//   a numeric part sorts before a non-numeric one, and two non-numeric parts compare as strings by code unit.
// - A missing part counts as `0`, so `3` = `3.0` = `3.0.0` for `=`, `<`, `>=` and friends. `compareVersions`
//   breaks that tie by the number of parts (fewer first) only so that sorting stays total and stable.
// - `~X.Y.Z` is npm's tilde: `>=X.Y.Z <X.(Y+1)`; `~X.Y` is `>=X.Y <X.(Y+1)`; `~X` is `>=X <(X+1)`.
//   When the part to bump is not a number, `~` falls back to a prefix match on the parts before it.
// - A bare request (`prefix`) matches when the version's first parts equal every part given:
//   `3.0` matches `3.0`, `3.0.2`, `3.0.2.1`, not `3.01` nor `3.1`.
import type { VersionConstraint } from '../spec/types';

const numeric = /^\d+$/;

function splitVersion(version: string): string[] {
  return version.split('.');
}

/** Compares two parts: numbers numerically, numbers before words, words by code unit. */
function compareParts(a: string, b: string): number {
  const aNumeric = numeric.test(a);
  const bNumeric = numeric.test(b);
  if (aNumeric && bNumeric) {
    const difference = Number(a) - Number(b);
    if (difference !== 0) return Math.sign(difference);
    return 0;
  }
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares versions part by part with missing parts taken as `0`: `3.0` equals `3.0.0`. */
export function compareVersionValues(a: string, b: string): number {
  const aParts = splitVersion(a);
  const bParts = splitVersion(b);
  const length = Math.max(aParts.length, bParts.length);
  for (let index = 0; index < length; index += 1) {
    const order = compareParts(aParts[index] ?? '0', bParts[index] ?? '0');
    if (order !== 0) return order;
  }
  return 0;
}

/** A total order for sorting: by value, then fewer parts first, then by text. */
export function compareVersions(a: string, b: string): number {
  const byValue = compareVersionValues(a, b);
  if (byValue !== 0) return byValue;
  const byLength = splitVersion(a).length - splitVersion(b).length;
  if (byLength !== 0) return Math.sign(byLength);
  return a < b ? -1 : a > b ? 1 : 0;
}

function matchesPrefix(version: string, prefix: string[]): boolean {
  const parts = splitVersion(version);
  if (parts.length < prefix.length) return false;
  return prefix.every((part, index) => compareParts(parts[index] ?? '', part) === 0 && (parts[index] ?? '') !== '');
}

function matchesTilde(version: string, base: string): boolean {
  const baseParts = splitVersion(base);
  const bumpIndex = Math.min(1, baseParts.length - 1);
  const bumped = baseParts[bumpIndex] ?? '';
  if (!numeric.test(bumped)) return matchesPrefix(version, baseParts.slice(0, bumpIndex + 1));
  const upper = [...baseParts.slice(0, bumpIndex), String(Number(bumped) + 1)].join('.');
  return compareVersionValues(version, base) >= 0 && compareVersionValues(version, upper) < 0;
}

/** True when a version satisfies one constraint. */
export function matchesConstraint(version: string, constraint: VersionConstraint): boolean {
  const order = compareVersionValues(version, constraint.version);
  switch (constraint.op) {
    case '=':
      return order === 0;
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '<':
      return order < 0;
    case '~':
      return matchesTilde(version, constraint.version);
    case 'prefix':
      return matchesPrefix(version, splitVersion(constraint.version));
  }
}

/** True when a version satisfies every constraint (an empty list accepts any version). */
export function matches(version: string, constraints: readonly VersionConstraint[]): boolean {
  return constraints.every((constraint) => matchesConstraint(version, constraint));
}

/** The highest version that satisfies every constraint, or undefined when none does. */
export function highestMatching(versions: readonly string[], constraints: readonly VersionConstraint[]): string | undefined {
  let best: string | undefined;
  for (const version of versions) {
    if (!matches(version, constraints)) continue;
    if (best === undefined || compareVersions(version, best) > 0) best = version;
  }
  return best;
}
