// Where a LAN agent runs an attempt: a folder of its own under `<state dir>/workspaces/`, never the
// path the coordinator named; placing a checked snapshot's files there from the blob cache; and
// reading a file in pieces to send it as a blob.

import { createHash } from 'node:crypto';
import { chmodSync, closeSync, constants, copyFileSync, lstatSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { chmod, copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobSource } from '../../core/protocol/transfer';
import type { ManifestEntry } from '../../core/protocol/types';
import type { BlobCache } from './blob-cache';

export interface Workspaces {
  prepare(attempt: string): string;
  release(attempt: string): void;
}

/** Workspaces under `root`, one folder per attempt (named by a hash, so any attempt id is a safe name). */
export function createWorkspaces(root: string): Workspaces {
  const folder = (attempt: string) => join(root, createHash('sha256').update(attempt).digest('hex').slice(0, 24));
  return {
    prepare(attempt) {
      const dir = folder(attempt);
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (error) {
        // Left by an earlier run of this agent (or no workspaces folder yet): start from an empty one.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      }
      return dir;
    },
    // Removed on libuv's threads: a workspace of many thousand files must not block the loop.
    release: (attempt) => void rm(folder(attempt), { recursive: true, force: true }).catch(() => {}),
  };
}

/** A file read in pieces for sendBlob. */
export function fileSource(path: string): BlobSource {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  let buffer: Buffer | undefined;
  return {
    // One buffer for every chunk: sendBlob encodes each before it reads the next.
    read(offset, length) {
      if (!buffer || buffer.length < length) buffer = Buffer.allocUnsafe(length);
      return buffer.subarray(0, readSync(fd, buffer, 0, length, offset));
    },
    close: () => closeSync(fd),
  };
}

/** Snapshots up to this many files and bytes are placed without leaving the loop. */
const smallFiles = 16;
const smallBytes = 256 * 1024;

/**
 * Copies the snapshot's files into `root` from the cache, a batch at a time on libuv's threads (a
 * project of many thousand files never blocks the connection's loop); throws a one-line reason.
 */
export async function place(root: string, files: ManifestEntry[], cache: BlobCache): Promise<void> {
  const folders = new Set<string>();
  const checkFolders = (path: string) => {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (folders.has(folder)) continue;
      const stat = lstatSync(join(root, folder), { throwIfNoEntry: false });
      if (stat && !stat.isDirectory()) throw new Error(`${path} passes through ${folder}, which is not a folder`);
      if (!stat) mkdirSync(join(root, folder));
      folders.add(folder);
    }
  };
  // A small snapshot is copied at once: hops to the thread pool would cost more than the copies.
  if (files.length <= smallFiles && files.reduce((sum, file) => sum + file.size, 0) <= smallBytes) {
    for (const file of files) {
      checkFolders(file.path);
      const destination = join(root, file.path);
      copyFileSync(cache.use(file.sha256), destination, constants.COPYFILE_FICLONE);
      chmodSync(destination, (file.mode & 0o777) | 0o600);
    }
    return;
  }
  for (let start = 0; start < files.length; start += 64) {
    const batch = files.slice(start, start + 64);
    for (const file of batch) checkFolders(file.path);
    await Promise.all(
      batch.map(async (file) => {
        const destination = join(root, file.path);
        await copyFile(cache.use(file.sha256), destination, constants.COPYFILE_FICLONE);
        await chmod(destination, (file.mode & 0o777) | 0o600);
      }),
    );
  }
}
