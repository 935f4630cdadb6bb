// After a success, where the job ran (every kind of agent): the files in its workspace that match the
// attempt's output globs, described for the coordinator (path, size, sha256, mode, a link's target).
// Folders are read asynchronously; a file is hashed one 64 KiB chunk at a time, one file at a time
// (a file of one chunk at once, the common case, as a round trip to the thread pool per call would cost
// more than the read), so the event loop keeps serving and no output is held whole in memory. The rule of docs/safety.md holds here: a
// symbolic link is described as a link when it stays inside the workspace; a link that leads out, or
// a file reached through a linked folder that leads out, is refused with a message for the user.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { OutputFile } from '../core/protocol/types';

const patternCharacters = /[*?[\]{}()!+@]/;
/** Never outputs, as never project files (core/project/disk-files.ts). */
const skippedFolders = new Set(['.git', 'node_modules']);
/** A folder holding this file is a Farmhand state dir, not output. */
const stateDatabase = 'farmhand.db';
const chunkBytes = 1 << 16;
/** For files of one chunk, read and hashed without awaiting anything: one buffer serves every attempt. */
const oneChunk = Buffer.allocUnsafe(chunkBytes);

/** The folders of a glob before its first pattern character ('' for the root): where a walk starts. */
function globBase(glob: string): string {
  const fixed: string[] = [];
  for (const part of glob.split('/').slice(0, -1)) {
    if (patternCharacters.test(part)) break;
    fixed.push(part);
  }
  return fixed.join('/');
}

const inside = (root: string, path: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** One system call (realpath(3)), not a JavaScript walk that lstats every folder of the path. */
const realPath = realpathSync.native;

function realOrUndefined(path: string): string | undefined {
  try {
    return realPath(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Files below `folder` (and links to files), like the project's file list; links to folders are not followed. */
async function listFiles(root: string, folder: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [folder];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, current), { withFileTypes: true });
    } catch {
      continue;
    }
    if (current !== '' && entries.some((entry) => entry.name === stateDatabase && entry.isFile())) continue;
    for (const entry of entries) {
      const path = current === '' ? entry.name : `${current}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) pending.push(path);
      } else if (entry.isFile() || (entry.isSymbolicLink() && statOrUndefined(join(root, path))?.isFile())) {
        found.push(path);
      }
    }
  }
  return found;
}

/** Workspace-relative paths of the files matching any glob, sorted, without duplicates. */
async function matchPaths(root: string, globs: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const glob of globs) {
    if (!patternCharacters.test(glob)) {
      const present = statOrUndefined(join(root, glob));
      if (present?.isFile()) found.add(glob);
      else if (present?.isDirectory()) (await listFiles(root, glob)).forEach((path) => found.add(path));
      continue;
    }
    const isMatch = picomatch(glob, { dot: true });
    for (const path of await listFiles(root, globBase(glob))) if (isMatch(path)) found.add(path);
  }
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Throws when the real path of `path` leaves the workspace. */
function checkInside(root: string, workspace: string, path: string, output: string): void {
  const real = realOrUndefined(join(root, path));
  if (real !== undefined && !inside(workspace, real)) {
    throw new Error(`output ${output} is reached through a symbolic link that leads out of the workspace (to ${real}); Farmhand does not store it`);
  }
}

/** A link output: its target text (made relative when absolute inside the workspace); throws when it leads out. */
function describeLink(root: string, workspace: string, path: string): OutputFile {
  const absolute = join(root, path);
  const target = readlinkSync(absolute);
  const lexical = resolve(dirname(absolute), target);
  const real = realOrUndefined(absolute);
  const leaves = real === undefined ? !inside(resolve(root), lexical) && !inside(workspace, lexical) : !inside(workspace, real);
  if (leaves) throw new Error(`output ${path} is a symbolic link to ${target}, outside the workspace; Farmhand stores only links that stay inside it`);
  const link = isAbsolute(target) ? relative(dirname(absolute), lexical) || '.' : target;
  return { path, size: Buffer.byteLength(link), sha256: createHash('sha256').update(link).digest('hex'), mode: 0o777, link };
}

/**
 * Bytes of small outputs an attempt may send along with their descriptions (the embedded agent's
 * in-memory channel): each file of one chunk, while the attempt's total stays under this.
 */
export const inlineOutputBytes = 1 << 20;

/** A regular file, hashed in chunks; never read through a final link (O_NOFOLLOW). A one-chunk file's bytes go along while `inline.left` allows. */
async function describeFile(absolute: string, path: string, inline: { left: number }): Promise<OutputFile> {
  const buffer = oneChunk;
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
  const descriptor = openSync(absolute, flags);
  let size: number;
  let mode: number;
  try {
    ({ size, mode } = fstatSync(descriptor));
    if (size < buffer.length) {
      // One chunk: read here, then make sure it was the whole file.
      const read = readSync(descriptor, buffer, 0, buffer.length, 0);
      if (read < buffer.length) {
        const bytes = buffer.subarray(0, read);
        const file: OutputFile = { path, size: read, sha256: createHash('sha256').update(bytes).digest('hex'), mode: mode & 0o7777 };
        if (read <= inline.left) {
          inline.left -= read;
          file.content = Buffer.from(bytes); // a copy: the buffer serves the next file
        }
        return file;
      }
    }
  } finally {
    closeSync(descriptor);
  }
  const handle = await open(absolute, flags);
  // Its own buffer: other attempts' files are described while this one waits for the thread pool.
  const chunk = Buffer.allocUnsafe(chunkBytes);
  try {
    const hash = createHash('sha256');
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    return { path, size: total, sha256: hash.digest('hex'), mode: mode & 0o7777 };
  } finally {
    await handle.close();
  }
}

/**
 * Describes the outputs in a workspace; rejects with a message for the user when one is refused.
 * With `inlineBytes`, small files carry their bytes too, up to that many in all (an agent on the
 * coordinator's own in-memory channel; a LAN agent sends blobs when asked).
 */
export async function describeOutputs(root: string, globs: readonly string[], inlineBytes = 0): Promise<OutputFile[]> {
  if (globs.length === 0) return [];
  const workspace = realPath(root);
  /** Paths found inside the workspace in this call: a literal glob is its file's path, checked once. */
  const checked = new Set<string>();
  const check = (path: string, output: string) => {
    if (checked.has(path)) return;
    checkInside(root, workspace, path, output);
    checked.add(path);
  };
  // A walk never starts below a linked folder that leads out (`out -> /` would walk the whole disk).
  for (const glob of globs) check(patternCharacters.test(glob) ? globBase(glob) || '.' : glob, `"${glob}"`);
  const files: OutputFile[] = [];
  const inline = { left: inlineBytes };
  for (const path of await matchPaths(root, globs)) {
    const absolute = join(root, path);
    if (lstatSync(absolute).isSymbolicLink()) {
      check(dirname(path), path);
      files.push(describeLink(root, workspace, path));
      continue;
    }
    // A file's real path runs through its folders': one that is a link leading out shows here too.
    check(path, path);
    files.push(await describeFile(absolute, path, inline));
  }
  return files;
}
