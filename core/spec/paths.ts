// Paths and globs written in the spec must stay inside the project: checked on the text, no I/O.

/** True for `/x`, `\x`, `~/x` and `C:\x`: paths that do not start at the project root. */
export function isAbsolutePath(path: string): boolean {
  return /^([/\\~]|[A-Za-z]:)/.test(path);
}

/**
 * The path with `.` and `..` segments folded away (`a/./b/../c` -> `a/c`, `` -> `.`), or undefined
 * when it is absolute or a `..` climbs above the project root.
 */
export function normalizeInsideProject(path: string): string | undefined {
  if (isAbsolutePath(path)) return undefined;
  const kept: string[] = [];
  for (const segment of path.split(/[/\\]+/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (kept.length === 0) return undefined;
      kept.pop();
      continue;
    }
    kept.push(segment);
  }
  return kept.length === 0 ? '.' : kept.join('/');
}

/** Like normalizeInsideProject for globs: a leading `!` (exclusion) is allowed and kept. */
export function normalizeGlobInsideProject(glob: string): string | undefined {
  const negated = glob.startsWith('!');
  const normalized = normalizeInsideProject(negated ? glob.slice(1) : glob);
  if (normalized === undefined) return undefined;
  return negated ? `!${normalized}` : normalized;
}
