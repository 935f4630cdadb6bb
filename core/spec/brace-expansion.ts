// Bash brace expansion of recipe versions (`3.11.{0..9}`), with its size counted before expanding,
// so `{0..99999999}` is refused without building a huge array.
import braces from 'braces';

/** The most versions one workspace entry may expand to. */
export const maxVersions = 10_000;
/** The most recipe jobs (versions of all recipes) a workspace may hold. */
export const maxWorkspaceJobs = 10_000;

/** How many strings `pattern` expands to, counted on its syntax (alternatives add, sequences multiply). */
export function countBraceExpansion(pattern: string): number {
  return countSequence(pattern, 0, pattern.length);
}

function countSequence(text: string, start: number, end: number): number {
  let count = 1;
  let i = start;
  while (i < end) {
    const char = text[i];
    if (char === '\\') {
      i += 2;
    } else if (char === '$' && text[i + 1] === '{') {
      // `${...}` is a shell variable to braces, kept literally.
      const close = findClose(text, i + 1, end);
      i = close === -1 ? i + 2 : close + 1;
    } else if (char === '{') {
      const close = findClose(text, i, end);
      if (close === -1) {
        i++;
      } else {
        count *= countGroup(text, i + 1, close);
        i = close + 1;
      }
    } else {
      i++;
    }
  }
  return count;
}

/** Index of the `}` matching the `{` at `open`, or -1. */
function findClose(text: string, open: number, end: number): number {
  let depth = 0;
  for (let i = open; i < end; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return i;
  }
  return -1;
}

const numericRange = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/;
const letterRange = /^([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?\d+))?$/;

function countGroup(text: string, start: number, end: number): number {
  const commas = topLevelCommas(text, start, end);
  if (commas.length > 0) {
    const bounds = [start - 1, ...commas, end];
    let sum = 0;
    for (let k = 0; k + 1 < bounds.length; k++) sum += countSequence(text, (bounds[k] ?? 0) + 1, bounds[k + 1] ?? 0);
    return sum;
  }
  const inner = text.slice(start, end);
  const numbers = numericRange.exec(inner);
  if (numbers) return rangeSize(Number(numbers[1]), Number(numbers[2]), numbers[3]);
  const letters = letterRange.exec(inner);
  if (letters) return rangeSize((letters[1] ?? 'a').charCodeAt(0), (letters[2] ?? 'a').charCodeAt(0), letters[3]);
  // `{x}` is not an expansion: the braces stay, whatever is inside still expands.
  return countSequence(text, start, end);
}

function rangeSize(from: number, to: number, step: string | undefined): number {
  const stride = Math.max(1, Math.abs(Number(step ?? 1)) || 1);
  return Math.floor(Math.abs(to - from) / stride) + 1;
}

function topLevelCommas(text: string, start: number, end: number): number[] {
  const commas: number[] = [];
  let depth = 0;
  for (let i = start; i < end; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (char === '{') depth++;
    else if (char === '}') depth--;
    else if (char === ',' && depth === 0) commas.push(i);
  }
  return commas;
}

/** The expanded strings, or why the pattern was refused. */
export type ExpansionResult = { ok: true; values: string[] } | { ok: false; message: string };

/** Expands `pattern` like bash (deduplicated, in order), refusing more than `limit` results before expanding. */
export function expandBraces(pattern: string, limit = maxVersions): ExpansionResult {
  const count = countBraceExpansion(pattern);
  if (count > limit) return { ok: false, message: tooMany(count, limit) };
  let values: string[];
  try {
    values = braces(pattern, { expand: true, rangeLimit: limit });
  } catch (error) {
    return { ok: false, message: `cannot be expanded: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (values.length > limit) return { ok: false, message: tooMany(values.length, limit) };
  return { ok: true, values: [...new Set(values)] };
}

function tooMany(count: number, limit: number): string {
  const written = Number.isSafeInteger(count) ? String(count) : 'more than 9007199254740991';
  return `expands to ${written} versions; the limit is ${limit}`;
}
