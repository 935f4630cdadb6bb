// Job outputs on a local workspace: find the files matching a job's output globs after it ran
// (walking only below each glob's fixed prefix), store them content-addressed, restore them on a
// cache hit. Neither follows a symbolic link out of the workspace (workspace-links.ts).
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { listProjectFiles } from '../project/disk-files';
import type { OutputFile } from '../protocol/types';
import { isSymlinkOutput } from '../store/artifact-store';
import type { ArtifactStore } from '../store/types';
import { checkInside, describeLink, prepareParents, realRoot } from './workspace-links';

const patternCharacters = /[*?[\]{}()!+@]/;

/** The folders of a glob before its first pattern character ('' for the root): where a walk starts. */
export function globBase(glob: string): string {
  const fixed: string[] = [];
  for (const part of glob.split('/').slice(0, -1)) {
    if (patternCharacters.test(part)) break;
    fixed.push(part);
  }
  return fixed.join('/');
}

const matchers = new Map<string, (path: string) => boolean>();

/** A compiled glob, kept: the same output globs come back with every run of a job. */
function matcher(glob: string): (path: string) => boolean {
  let isMatch = matchers.get(glob);
  if (!isMatch) {
    isMatch = picomatch(glob, { dot: true });
    matchers.set(glob, isMatch);
  }
  return isMatch;
}

/** Project-relative paths of the files matching any of the globs, sorted, without duplicates. */
export function matchFiles(root: string, globs: readonly string[]): string[] {
  const found = new Set<string>();
  for (const glob of globs) {
    if (!patternCharacters.test(glob)) {
      const stat = statSafe(join(root, glob));
      if (stat?.isFile()) found.add(glob);
      else if (stat?.isDirectory()) listProjectFiles(root, glob).forEach((path) => found.add(path));
      continue;
    }
    const isMatch = matcher(glob);
    for (const path of listProjectFiles(root, globBase(glob))) if (isMatch(path)) found.add(path);
  }
  return [...found].sort();
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

export type DescribedOutput = ReturnType<ArtifactStore['describe']>;

/**
 * Describes a job's outputs (hashes, and small files' bytes) now; storing them is `saveOutputs`, which may
 * run later. A symbolic link is described as a link; one that leads out of the workspace, or a file
 * reached through such a link, throws a user-facing message.
 */
export function describeOutputs(root: string, globs: readonly string[], artifacts: ArtifactStore): DescribedOutput[] {
  if (globs.length === 0) return [];
  const workspace = realRoot(root);
  // A walk never starts below a linked folder that leads out (`out -> /` would walk the whole disk).
  for (const glob of globs) checkInside(root, workspace, patternCharacters.test(glob) ? globBase(glob) || '.' : glob, `"${glob}"`);
  const paths = matchFiles(root, globs);
  return paths.map((path) => {
    checkInside(root, workspace, dirname(path), path);
    if (lstatSync(join(root, path)).isSymbolicLink()) return describeLink(root, workspace, path);
    checkInside(root, workspace, path, path);
    return artifacts.describe(join(root, path), path);
  });
}

/** Stores described outputs; resolves false if a large one changed since it was described. */
export async function saveOutputs(root: string, outputs: readonly DescribedOutput[], artifacts: ArtifactStore): Promise<boolean> {
  const stored = await Promise.all(outputs.map(({ file, content }) => artifacts.putDescribed(join(root, file.path), file, content)));
  return stored.every(Boolean);
}

/**
 * Puts stored outputs back into the workspace; false when some content is missing from the store, or an
 * output cannot be restored without writing through a link that leads out of the workspace (told to `warn`).
 */
export function restoreOutputs(root: string, outputs: readonly OutputFile[], artifacts: ArtifactStore, warn: (message: string) => void = () => {}): boolean {
  if (!outputs.every((file) => artifacts.has(file.sha256))) return false;
  try {
    const workspace = outputs.length > 0 ? realRoot(root) : root;
    for (const file of outputs) {
      const refused = prepareParents(root, workspace, file.path);
      if (refused) {
        warn(refused);
        return false;
      }
      restoreOne(root, file, artifacts);
    }
  } catch (error) {
    warn(`could not restore the cached outputs: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  return true;
}

/** Writes one output unless the workspace already holds it unchanged. */
function restoreOne(root: string, file: OutputFile, artifacts: ArtifactStore): void {
  const destination = join(root, file.path);
  const present = lstatSafe(destination);
  // An unchanged workspace is the common case of a re-run: leave identical files alone.
  if (isSymlinkOutput(file)) {
    if (present?.isSymbolicLink() && sameLink(destination, file)) return;
  } else if (present?.isFile() && present.size === file.size && sha256Of(destination) === file.sha256) {
    if ((present.mode & 0o7777) !== (file.mode & 0o7777)) chmodSync(destination, file.mode & 0o7777);
    return;
  }
  artifacts.restore(file, destination);
}

function lstatSafe(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function sameLink(destination: string, file: OutputFile): boolean {
  return createHash('sha256').update(readlinkSync(destination)).digest('hex') === file.sha256;
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
