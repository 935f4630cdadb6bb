// Where in the workspace a job runs: one rule for every executor, so a pipeline cannot step outside it.
import { posix } from 'node:path';

/**
 * Returns `dir` as a normalised posix path relative to the workspace root ('.' for the root).
 * Throws an Error naming the path when it is absolute or climbs out of the workspace with `..`.
 */
export function normaliseWorkingDirectory(dir: string): string {
  const slashed = dir.replace(/\\/g, '/');
  if (posix.isAbsolute(slashed) || /^[A-Za-z]:\//.test(slashed)) {
    throw new Error(`working directory "${dir}" must be relative to the workspace, not absolute`);
  }
  const normalised = posix.normalize(slashed === '' ? '.' : slashed).replace(/\/+$/, '');
  if (normalised === '..' || normalised.startsWith('../')) {
    throw new Error(`working directory "${dir}" leaves the workspace`);
  }
  return normalised === '' ? '.' : normalised;
}

/** The script both executors hand to `sh -e -c`: one command a line, so `set -e` stops at the first failure. */
export function toScript(run: readonly string[]): string {
  return run.join('\n');
}
