// Job outputs: store content-addressed what the agent that ran a job reported (agent/describe-outputs.ts
// describes them where the job ran; the coordinator no longer walks the workspace for them, and the
// embedded agent sends small files' bytes along, so they are read once), restore
// them on a cache hit, and match globs on disk for LAN snapshots. A restore never follows a symbolic
// link out of the workspace (workspace-links.ts).
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, constants, lstatSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { listProjectFiles } from '../project/disk-files';
import { filesProblem } from '../protocol/transfer';
import type { AttemptOutcome, OutputFile } from '../protocol/types';
import { isSymlinkOutput, symlinkMode } from '../store/artifact-store';
import type { ArtifactStore, Store } from '../store/types';
import { prepareParents, realRoot } from './workspace-links';

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

/** Output files up to this size are read whole to be stored (in a pack); larger ones are copied. */
const readWhole = 1 << 20;
/** Output files up to this size are read without a trip to the thread pool. */
const readAtOnce = 1 << 16;

/** The reported files that one job's globs name (a batch's agent reports the union of its members'). */
export function outputsOf(files: readonly OutputFile[], globs: readonly string[]): OutputFile[] {
  if (globs.length === 0) return [];
  const tests = globs.map((glob) => (patternCharacters.test(glob) ? matcher(glob) : (path: string) => path === glob || path.startsWith(`${glob}/`)));
  return files.filter((file) => tests.some((isMatch) => isMatch(file.path)));
}

/** A success's outputs for one job, as its agent reported them; a string says why they cannot be kept. */
export function reportedOutputs(agentName: string, globs: readonly string[], outcome: AttemptOutcome): OutputFile[] | string {
  if (outcome.outputsProblem !== undefined) return outcome.outputsProblem;
  if (globs.length === 0) return [];
  if (outcome.outputs === undefined) return `agent ${agentName} did not report them`;
  const files = outputsOf(outcome.outputs, globs);
  return filesProblem(files, Number.MAX_SAFE_INTEGER) ?? files;
}

/**
 * Stores the outputs an agent reported, as the cache keeps them (a link as mode 120000 with its target
 * as content), taking from the workspace only the bytes the store lacks, one file at a time; a small
 * file whose bytes came with the report (the embedded agent) is not read again. Resolves
 * undefined when a file no longer has the reported content (a later job changed it). Paths and link
 * targets are checked again here: an agent's report is not trusted to stay inside the workspace.
 */
export async function storeOutputs(root: string, files: readonly OutputFile[], artifacts: ArtifactStore): Promise<OutputFile[] | undefined> {
  const problem = filesProblem(files, Number.MAX_SAFE_INTEGER);
  if (problem) throw new Error(`the agent reported bad outputs: ${problem}`);
  const stored: OutputFile[] = [];
  let since = Date.now();
  for (const file of files) {
    // Small files are read and stored without a trip to the thread pool, so awaits alone never let
    // the loop breathe: yield now and then, or thousands of outputs starve the agents' heartbeats.
    if (Date.now() - since > yieldEveryMs) {
      await new Promise((resolve) => setImmediate(resolve));
      since = Date.now();
    }
    const absolute = join(root, file.path);
    if (file.link !== undefined) {
      const content = Buffer.from(file.link, 'utf8');
      const kept = { path: file.path, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), mode: symlinkMode | 0o777 };
      if (!artifacts.has(kept.sha256)) await artifacts.putDescribed(absolute, kept, content);
      stored.push(kept);
      continue;
    }
    const kept = { path: file.path, size: file.size, sha256: file.sha256, mode: file.mode & 0o7777 };
    stored.push(kept);
    if (artifacts.has(file.sha256)) continue;
    if (file.size > readWhole) {
      if (!(await artifacts.putDescribed(absolute, kept))) return undefined;
      continue;
    }
    const content = file.content ? Buffer.from(file.content.buffer, file.content.byteOffset, file.content.length) : await readNoFollow(absolute, file.size);
    if (content.length !== file.size || createHash('sha256').update(content).digest('hex') !== file.sha256) return undefined;
    await artifacts.putDescribed(absolute, kept, content);
  }
  return stored;
}

/** How long storing outputs may hold the event loop before it yields. */
const yieldEveryMs = 20;

/** A file's bytes, never read through a final symbolic link; a small one (expected size) read at once. */
async function readNoFollow(path: string, expected: number): Promise<Buffer> {
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
  if (expected <= readAtOnce) {
    // A round trip to the thread pool per call costs more than reading a small file here.
    const descriptor = openSync(path, flags);
    try {
      return readFileSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
  }
  const handle = await open(path, flags);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
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

/**
 * Stores a job's reported outputs off the critical path, then records the cache entry under its key.
 * An output changed by a later job before it was stored makes no entry: the next run builds it again.
 */
export function cacheOutputs(
  context: { store: Pick<Store, 'putCacheEntry'>; artifacts: ArtifactStore; warn(message: string): void; now(): number },
  root: string,
  job: { key: string; build: string; job: string; cache: boolean },
  files: OutputFile[],
): Promise<void> {
  return storeOutputs(root, files, context.artifacts)
    .then((outputs) => {
      if (outputs && job.cache) context.store.putCacheEntry({ key: job.key, build: job.build, job: job.job, outputs, createdAt: context.now() });
      else if (!outputs) context.warn(`outputs of ${job.job} changed before they were stored; not cached`);
    })
    .catch((error: unknown) => context.warn(`could not store outputs of ${job.job}: ${error instanceof Error ? error.message : String(error)}`));
}
