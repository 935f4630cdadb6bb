// Job outputs on a local workspace: find the files matching a job's output globs after it ran
// (walking only below each glob's fixed prefix), store them content-addressed, restore them on a
// cache hit.
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { listProjectFiles } from '../project/disk-files';
import type { OutputFile } from '../protocol/types';
import type { ArtifactStore } from '../store/types';


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

/** Describes a job's outputs (hashes, and small files' bytes) now; storing them is `saveOutputs`, which may run later. */
export function describeOutputs(root: string, globs: readonly string[], artifacts: ArtifactStore): DescribedOutput[] {
  return matchFiles(root, globs).map((path) => artifacts.describe(join(root, path), path));
}

/** Stores described outputs; resolves false if a large one changed since it was described. */
export async function saveOutputs(root: string, outputs: readonly DescribedOutput[], artifacts: ArtifactStore): Promise<boolean> {
  const stored = await Promise.all(outputs.map(({ file, content }) => artifacts.putDescribed(join(root, file.path), file, content)));
  return stored.every(Boolean);
}

/** Puts stored outputs back into the workspace; false when some content is missing from the store. */
export function restoreOutputs(root: string, outputs: readonly OutputFile[], artifacts: ArtifactStore): boolean {
  if (!outputs.every((file) => artifacts.has(file.sha256))) return false;
  for (const file of outputs) {
    const destination = join(root, file.path);
    const present = statSafe(destination);
    // An unchanged workspace is the common case of a re-run: leave identical files alone.
    if (present?.isFile() && present.size === file.size && sha256Of(destination) === file.sha256) {
      if ((present.mode & 0o7777) !== (file.mode & 0o7777)) chmodSync(destination, file.mode & 0o7777);
      continue;
    }
    artifacts.restore(file, destination);
  }
  return true;
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
