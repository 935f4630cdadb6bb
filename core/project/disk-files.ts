// ProjectFiles over a folder on disk: the one place the spec parser and planner's file reads happen.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { ProjectFiles } from '../spec/types';

/** Folders that are never part of a project's files. */
export const skippedFolders: ReadonlySet<string> = new Set(['.git', 'node_modules']);

/** The file that marks a folder as a Farmhand state dir (core/store/state-dir.ts). */
const stateDatabase = 'farmhand.db';

/** True for a POSIX path relative to the root that stays inside it. */
function isProjectPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** A symlink counts when it points at a regular file; links to folders are not followed (no loops). */
function isRegularFile(entry: Dirent, absolute: string): boolean {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(absolute).isFile();
  } catch {
    return false;
  }
}

/**
 * The project files under `folder` (relative to `root`, '' for all), sorted: regular files and links
 * to them, skipping `.git`, `node_modules` and state dirs. A missing folder has no files.
 */
export function listProjectFiles(root: string, folder = ''): string[] {
  const found: string[] = [];
  const pending: string[] = [folder];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, folder), { withFileTypes: true });
    } catch {
      continue; // unreadable folder: its files are simply not part of the project
    }
    // A Farmhand state dir kept inside the project (--state-dir .farmhand-state) is not project
    // content: hashing its database into `**` inputs would change every key on every run.
    if (folder !== '' && entries.some((entry) => entry.name === stateDatabase && entry.isFile())) continue;
    for (const entry of entries) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) pending.push(path);
      } else if (isRegularFile(entry, join(root, path))) {
        found.push(path);
      }
    }
  }
  // Code-unit order, not locale order: the same on every machine.
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The files under `root`, listed once on first use (skipping `.git`, `node_modules` and state dirs), with hashes
 * memoised. Paths outside the root read as missing.
 */
export function diskFiles(root: string): ProjectFiles {
  let listed: string[] | undefined;
  const hashes = new Map<string, string>();
  return {
    list: () => (listed ??= listProjectFiles(root)),
    readText(path) {
      if (!isProjectPath(path)) return undefined;
      try {
        return readFileSync(join(root, path), 'utf8');
      } catch {
        return undefined;
      }
    },
    size(path) {
      if (!isProjectPath(path)) return undefined;
      try {
        const stat = statSync(join(root, path));
        return stat.isFile() ? stat.size : undefined;
      } catch {
        return undefined;
      }
    },
    hash(path) {
      const known = hashes.get(path);
      if (known !== undefined) return known;
      if (!isProjectPath(path)) throw new Error(`diskFiles: ${path} is not a path inside the project`);
      const hash = createHash('sha256').update(readFileSync(join(root, path))).digest('hex');
      hashes.set(path, hash);
      return hash;
    },
  };
}
