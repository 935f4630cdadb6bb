// Cache keys: a SHA-256 over a canonical JSON of everything that decides what a job produces.
// Stable across machines: only POSIX paths relative to the project root, file contents by hash,
// no absolute paths, no timestamps, object keys sorted.
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { ProjectFiles } from '../spec/types';

/** Bump when the recipe of the key changes, so old stored results are not reused by mistake. */
export const cacheKeyFormat = 1;

/** What goes into one job's key. */
export interface CacheKeyInput {
  run: readonly string[];
  image?: string;
  env: Readonly<Record<string, string>>;
  workingDirectory: string;
  /** Globs relative to the project root; a leading `!` removes matches. */
  inputs: readonly string[];
  /** Part of the key so that changing what is kept never restores a result missing the new outputs. */
  outputs: readonly string[];
  /** Keys of the jobs it needs (any order; sorted here). */
  needKeys: readonly string[];
  /** Recipe version, for recipe jobs. */
  version?: string;
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Matches input globs against the project's files, memoising per glob (many jobs share globs).
 * A pattern without glob characters also matches everything under it when it names a folder.
 */
export class InputMatcher {
  private readonly byGlob = new Map<string, string[]>();

  constructor(private readonly files: ProjectFiles) {}

  /** Sorted paths matched by one glob (without a leading `!`). */
  matchGlob(glob: string): string[] {
    const known = this.byGlob.get(glob);
    if (known) return known;
    const pattern = glob.replace(/^\.\//, '');
    const scanned = picomatch.scan(pattern);
    let matched: string[];
    if (scanned.isGlob) {
      // Only paths starting with the glob's fixed base can match (`a/**` matches `a` itself too).
      const test = picomatch(pattern, { dot: true });
      matched = withPrefix(this.files.list(), scanned.base).filter((path) => test(path));
    } else {
      const plain = pattern.replace(/\/$/, '');
      matched = [...withPrefix(this.files.list(), plain).filter((path) => path === plain), ...withPrefix(this.files.list(), `${plain}/`)];
    }
    this.byGlob.set(glob, matched);
    return matched;
  }

  /** Sorted paths matched by the positive globs and by none of the `!` ones. */
  match(globs: readonly string[]): string[] {
    const included = new Set<string>();
    for (const glob of globs) if (!glob.startsWith('!')) for (const path of this.matchGlob(glob)) included.add(path);
    for (const glob of globs) if (glob.startsWith('!')) for (const path of this.matchGlob(glob.slice(1))) included.delete(path);
    return [...included].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** The paths of a sorted list that start with `prefix`: a contiguous slice, found by binary search. */
export function withPrefix(sorted: readonly string[], prefix: string): string[] {
  if (prefix === '') return [...sorted];
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < prefix) low = middle + 1;
    else high = middle;
  }
  let end = low;
  while (end < sorted.length && (sorted[end] as string).startsWith(prefix)) end++;
  return sorted.slice(low, end);
}

/** The canonical text that is hashed into a job's key; exposed for tests and for debugging a cache miss. */
export function cacheKeyMaterial(input: CacheKeyInput, files: ProjectFiles, matcher = new InputMatcher(files)): string {
  const inputFiles = matcher.match(input.inputs).map((path) => [path, files.hash(path)]);
  return canonicalJson({
    format: cacheKeyFormat,
    run: input.run,
    image: input.image ?? null,
    env: Object.entries(input.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    workingDirectory: input.workingDirectory,
    inputs: input.inputs,
    inputFiles,
    outputs: input.outputs,
    needs: [...input.needKeys].sort(),
    version: input.version ?? null,
  });
}

/** Hex SHA-256 cache key of a job. */
export function cacheKey(input: CacheKeyInput, files: ProjectFiles, matcher?: InputMatcher): string {
  return createHash('sha256').update(cacheKeyMaterial(input, files, matcher)).digest('hex');
}
