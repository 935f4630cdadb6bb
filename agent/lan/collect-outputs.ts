// After a success on a LAN agent: the files in the workspace that match the attempt's output globs,
// described for the coordinator (path, size, sha256, mode, and a link's target). Links are reported,
// never followed; folders named by a glob contribute every file below them.
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { OutputFile } from '../../core/protocol/types';

/** Every file and link below `root`, relative, sorted. */
function walk(root: string): string[] {
  const found: string[] = [];
  const pending = [''];
  while (pending.length > 0) {
    const folder = pending.pop()!;
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile() || entry.isSymbolicLink()) found.push(path);
    }
  }
  return found.sort();
}

/** The sha256 and size of a file, read in 1 MiB pieces (outputs may be far larger than memory should hold). */
export function hashFile(path: string): { sha256: string; size: number } {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  let size = 0;
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
      hash.update(buffer.subarray(0, read));
      size += read;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * Describes the outputs in a workspace; `sources` maps each sha256 to a file that holds it. Yields to
 * the event loop every few hundred files (thousands of outputs must not starve the heartbeat).
 */
export async function collectOutputs(root: string, globs: readonly string[]): Promise<{ files: OutputFile[]; sources: Map<string, string> }> {
  const sources = new Map<string, string>();
  if (globs.length === 0) return { files: [], sources };
  const matchers = globs.map((glob) => picomatch(glob, { dot: true }));
  const folders = globs.map((glob) => glob.replace(/\/+$/, ''));
  const files: OutputFile[] = [];
  let count = 0;
  for (const path of walk(root)) {
    if (++count % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    const matched = matchers.some((isMatch) => isMatch(path)) || folders.some((folder) => path.startsWith(`${folder}/`));
    if (!matched) continue;
    const absolute = join(root, path);
    const stat = lstatSync(absolute);
    if (stat.isSymbolicLink()) {
      const link = readlinkSync(absolute);
      files.push({ path, size: Buffer.byteLength(link), sha256: createHash('sha256').update(link).digest('hex'), mode: 0o777, link });
      continue;
    }
    const { sha256, size } = hashFile(absolute);
    files.push({ path, size, sha256, mode: stat.mode & 0o777 });
    sources.set(sha256, absolute);
  }
  return { files, sources };
}
