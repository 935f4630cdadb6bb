// Diagnostics as data: a collector the parsers report into, formatting, and "did you mean" remedies.
import type { Diagnostic, SourceLocation } from './types';

/** Where parsers report problems; never throws, keeps every problem so all are shown at once. */
export interface DiagnosticSink {
  error(loc: SourceLocation, message: string, remedy?: string): void;
  readonly diagnostics: Diagnostic[];
}

/** More problems than this are not recorded: nobody reads them, and a generated file could make millions. */
export const maxDiagnostics = 1000;

/** A fresh, empty DiagnosticSink. */
export function createDiagnosticSink(): DiagnosticSink {
  const diagnostics: Diagnostic[] = [];
  return {
    diagnostics,
    error(loc, message, remedy) {
      if (diagnostics.length > maxDiagnostics) return;
      if (diagnostics.length === maxDiagnostics) {
        message = `too many problems: only the first ${maxDiagnostics} are shown`;
        remedy = undefined;
      }
      const diagnostic: Diagnostic = { file: loc.file, line: Math.max(1, loc.line), col: Math.max(1, loc.col), message };
      if (remedy !== undefined) diagnostic.remedy = remedy;
      diagnostics.push(diagnostic);
    },
  };
}

/** `file:line:col: message (remedy)`, the one way diagnostics are printed. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}: ${d.message}`;
  return d.remedy ? `${where} (${d.remedy})` : where;
}

/** Diagnostics ordered by file, then line, then column; the order of reporting breaks ties. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, index) => ({ d, index }))
    .sort((a, b) => compare(a.d.file, b.d.file) || a.d.line - b.d.line || a.d.col - b.d.col || a.index - b.index)
    .map(({ d }) => d);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Levenshtein distance between two strings (insert, delete, substitute all cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The closest candidate to `word`: a case-insensitive match first, else the nearest within an edit
 * distance of 2 (1 for words of 3 characters or fewer, where 2 edits make anything look alike).
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const limit = word.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    if (candidate.toLowerCase() === lower) return candidate;
    // Cheap length filter first: lists of candidates (files, names) may be long.
    if (Math.abs(candidate.length - word.length) > limit) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    // A suggestion that shares no character position with the word (`c` for `a`) helps nobody.
    if (distance <= limit && distance < Math.max(word.length, candidate.length) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** The remedy "did you mean `x`?" for the closest candidate, or undefined when none is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const match = closestMatch(word, candidates);
  return match === undefined ? undefined : `did you mean \`${match}\`?`;
}

/** `loc` rendered as `file:line:col`, for messages that point at a second place. */
export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}
