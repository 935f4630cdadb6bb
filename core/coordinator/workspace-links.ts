// Symbolic links in a workspace, where outputs are stored from and restored to. The rule: storing and
// restoring never follow a link out of the workspace. A link output is kept as a link (its target text,
// as git keeps one) when its target stays inside; a restore never writes through a link that leaves it.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { OutputFile } from '../protocol/types';
import { symlinkMode } from '../store/artifact-store';

/** The workspace root with its own links resolved (a root under a linked folder is the user's choice). */
export function realRoot(root: string): string {
  return realpathSync(root);
}

/** True when `path` is `root` or below it. */
export function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of `path` when it exists, else undefined. */
function realOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Describes an output that is a symbolic link: its target text (made relative when it is an absolute
 * path inside the workspace, so it survives a restore elsewhere) as content. Throws a user-facing
 * message when the link leads out of the workspace.
 */
export function describeLink(root: string, realWorkspace: string, path: string): { file: OutputFile; content: Buffer } {
  const absolute = join(root, path);
  const target = readlinkSync(absolute);
  const lexical = resolve(dirname(absolute), target);
  const real = realOrUndefined(absolute);
  // A dangling link is judged by where it points; an existing one by where its chain of links ends.
  const leaves = real === undefined ? !inside(resolve(root), lexical) && !inside(realWorkspace, lexical) : !inside(realWorkspace, real);
  if (leaves) {
    throw new Error(`output ${path} is a symbolic link to ${target}, outside the workspace; Farmhand stores only links that stay inside it`);
  }
  const kept = isAbsolute(target) ? relative(dirname(absolute), lexical) || '.' : target;
  const content = Buffer.from(kept, 'utf8');
  return { file: { path, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), mode: symlinkMode | 0o777 }, content };
}

/** Throws a user-facing message naming `output` when the real path of `path` (a file or folder of it) leaves the workspace. */
export function checkInside(root: string, realWorkspace: string, path: string, output = path): void {
  const real = realOrUndefined(join(root, path));
  if (real !== undefined && !inside(realWorkspace, real)) {
    throw new Error(`output ${output} is reached through a symbolic link that leads out of the workspace (to ${real}); Farmhand does not store it`);
  }
}

/**
 * Makes the folders above `path` (relative to `root`), refusing any that is not a folder inside the
 * workspace: a link planted in the workspace (by a job) cannot make a restore write outside it.
 * Returns an error message, or undefined when the folders are ready.
 */
export function prepareParents(root: string, realWorkspace: string, path: string): string | undefined {
  const parts = path.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = join(current, part);
    let stat = lstatOrUndefined(current);
    if (!stat) {
      mkdirSync(current);
      stat = lstatSync(current);
    }
    if (stat.isSymbolicLink()) {
      const real = realOrUndefined(current);
      if (real === undefined || !inside(realWorkspace, real)) {
        return `not restoring ${path}: ${relative(root, current)} is a symbolic link that leads out of the workspace`;
      }
      if (!lstatSync(real).isDirectory()) return `not restoring ${path}: ${relative(root, current)} is not a folder`;
    } else if (!stat.isDirectory()) {
      return `not restoring ${path}: ${relative(root, current)} is not a folder`;
    }
  }
  return undefined;
}
