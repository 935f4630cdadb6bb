// Job outputs, content-addressed: a large file with SHA-256 `abcdef...` lives at `<dir>/ab/cdef...`,
// small ones (up to 1 MiB) in append-only packs under `<dir>/packs` (see blob-packs.ts). File writes
// go to a temporary file in the same file system and are renamed into place, so a reader never sees
// half a file, and a crash leaves at most a stray file in `<dir>/tmp`. A symbolic link output is stored
// as git stores one: mode 120000 and its target text as content; describing never follows a link.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, symlinkSync, writeFileSync, writeSync, chmodSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, win32 } from 'node:path';
import { openBlobPacks } from './blob-packs';
import type { ArtifactStore } from './types';

const chunkSize = 1 << 16;

/** The file-type bits of a symbolic link (S_IFLNK) in an OutputFile's mode; its content is the target. */
export const symlinkMode = 0o120000;

/** True when a stored output is a symbolic link. */
export function isSymlinkOutput(file: { mode: number }): boolean {
  return (file.mode & 0o170000) === symlinkMode;
}
const sha256Pattern = /^[0-9a-f]{64}$/;

/** Opens (creating) the content-addressed artifact store in `dir`. */
export function openArtifactStore(dir: string): ArtifactStore {
  const tmpDir = join(dir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  /** Shard folders known to exist, so storing a blob does not ask again. */
  const shards = new Set<string>();
  const packs = openBlobPacks(join(dir, 'packs'));
  const blobPath = (sha256: string): string => {
    if (!sha256Pattern.test(sha256)) throw new Error(`not a SHA-256 digest: ${JSON.stringify(sha256)}`);
    return join(dir, sha256.slice(0, 2), sha256.slice(2));
  };

  return {
    restore(file, absoluteDestination) {
      if (!isAbsolute(absoluteDestination)) throw new Error(`restore needs an absolute destination, got ${JSON.stringify(absoluteDestination)}`);
      const packed = packs.read(file.sha256);
      const source = blobPath(file.sha256);
      if (!packed && !existsSync(source)) throw new Error(`artifact ${file.sha256} (${file.path}) is not in the store at ${dir}`);
      mkdirSync(dirname(absoluteDestination), { recursive: true });
      const temp = `${absoluteDestination}.farmhand-${uniqueName()}`;
      if (isSymlinkOutput(file)) {
        const target = packed ?? readFileSync(source);
        const digest = createHash('sha256').update(target).digest('hex');
        if (digest !== file.sha256) throw new Error(`artifact ${file.sha256} is corrupt: its content hashes to ${digest}`);
        // A new link renamed over the destination: whatever was there (a link too) is replaced, never followed.
        try {
          symlinkSync(target.toString('utf8'), temp);
          renameSync(temp, absoluteDestination);
        } catch (error) {
          rmSync(temp, { force: true });
          throw error;
        }
        return;
      }
      try {
        const copied = packed ? writeHashing(packed, temp, file.mode & 0o7777) : copyHashing(source, temp, file.mode & 0o7777);
        if (copied.sha256 !== file.sha256) throw new Error(`artifact ${file.sha256} is corrupt: its content hashes to ${copied.sha256}`);
        // The mode given to open() is masked by the umask; set it exactly.
        chmodSync(temp, file.mode & 0o7777);
        renameSync(temp, absoluteDestination);
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
    },
    close: async () => packs.close(),
    read(sha256) {
      if (!sha256Pattern.test(sha256)) return undefined;
      const content = packs.read(sha256) ?? (existsSync(blobPath(sha256)) ? readFileSync(blobPath(sha256)) : undefined);
      if (content && createHash('sha256').update(content).digest('hex') !== sha256) throw new Error(`artifact ${sha256} is corrupt`);
      return content;
    },
    has(sha256) {
      return sha256Pattern.test(sha256) && (packs.has(sha256) || existsSync(blobPath(sha256)));
    },
    describe(absolutePath, relativePath) {
      const path = checkRelativePath(relativePath);
      const { sha256, size, mode, content } = hashFile(absolutePath);
      return { file: { path, size, sha256, mode }, content };
    },
    async putDescribed(absolutePath, file, content) {
      if (content) {
        packs.append(file.sha256, content);
        return true;
      }
      const target = blobPath(file.sha256);
      if (existsSync(target)) return true;
      const temp = join(tmpDir, uniqueName());
      try {
        // A large file is copied on libuv's threads, then checked against what was described.
        await copyFile(absolutePath, temp);
        if (hashFile(temp).sha256 !== file.sha256) {
          rmSync(temp, { force: true });
          return false;
        }
        chmodSync(temp, 0o444);
        const shard = dirname(target);
        if (!shards.has(shard)) {
          mkdirSync(shard, { recursive: true });
          shards.add(shard);
        }
        renameSync(temp, target);
        return true;
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
    },
  };
}

/** Files up to this size are kept in memory between describing and storing them. */
const keepInMemory = 1 << 20;

/** SHA-256, size and mode of a file, read once; a small file's bytes too. */
function hashFile(path: string): { sha256: string; size: number; mode: number; content?: Buffer } {
  // O_NOFOLLOW: a symbolic link is never read through (ELOOP); links are described by the caller.
  const input = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const stat = fstatSync(input);
    const mode = stat.mode & 0o7777;
    if (stat.size <= keepInMemory) {
      const content = readFileSync(input);
      return { sha256: createHash('sha256').update(content).digest('hex'), size: content.length, mode, content };
    }
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(chunkSize);
    let size = 0;
    for (;;) {
      const read = readSync(input, buffer, 0, chunkSize, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      size += read;
    }
    return { sha256: hash.digest('hex'), size, mode };
  } finally {
    closeSync(input);
  }
}

/** Normalises a relative output path to POSIX form; rejects absolute paths and paths that leave their root. */
export function checkRelativePath(relativePath: string): string {
  if (relativePath === '' || isAbsolute(relativePath) || posix.isAbsolute(relativePath) || win32.isAbsolute(relativePath)) {
    throw new Error(`artifact path must be relative to the workspace, got ${JSON.stringify(relativePath)}`);
  }
  const normalised = posix.normalize(relativePath.replaceAll('\\', '/'));
  if (normalised === '..' || normalised.startsWith('../') || normalised === '.') {
    throw new Error(`artifact path must stay inside the workspace, got ${JSON.stringify(relativePath)}`);
  }
  return normalised.replace(/\/$/, '');
}

/** Copies `from` to a new file `to`, hashing on the way; returns the digest, size and source mode. */
function copyHashing(from: string, to: string, createMode: number): { sha256: string; size: number; mode: number } {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(chunkSize);
  const input = openSync(from, 'r');
  try {
    const mode = fstatSync(input).mode & 0o7777;
    const output = openSync(to, 'wx', createMode);
    let size = 0;
    try {
      for (;;) {
        const read = readSync(input, buffer, 0, chunkSize, null);
        if (read === 0) break;
        hash.update(buffer.subarray(0, read));
        let written = 0;
        while (written < read) written += writeSync(output, buffer, written, read - written);
        size += read;
      }
    } finally {
      closeSync(output);
    }
    return { sha256: hash.digest('hex'), size, mode };
  } finally {
    closeSync(input);
  }
}

/** Writes bytes to a new file, returning their digest (for restoring from a pack). */
function writeHashing(content: Buffer, to: string, createMode: number): { sha256: string; size: number } {
  writeFileSync(to, content, { flag: 'wx', mode: createMode });
  return { sha256: createHash('sha256').update(content).digest('hex'), size: content.length };
}

function uniqueName(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}
