// Source snapshots for LAN agents: the project's files as the planner sees them (core/project's
// listing) as a content-addressed manifest. Hashes are kept per path while size, mtime and inode
// stay the same, so the snapshot of an unchanged project costs a listing and a stat per file.
import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listProjectFiles } from '../project/disk-files';
import type { ManifestEntry } from '../protocol/types';

export interface Snapshot {
  files: ManifestEntry[];
  /** Where each blob's bytes are on this machine (the project folder). */
  sources: Map<string, string>;
}

export interface Snapshotter {
  /**
   * The files under `root` that `keep` accepts (all when not given). Yields to the event loop every
   * few hundred files: hashing a large project must not starve the agents' heartbeats.
   */
  take(root: string, keep?: (path: string) => boolean): Promise<Snapshot>;
}

/** SHA-256 of a file read in 1 MiB pieces (a large input never sits whole in memory). */
function hashFile(path: string, buffer: Buffer): string {
  const hash = createHash('sha256');
  const fd = openSync(path, constants.O_RDONLY);
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** A snapshotter with a hash memo (one per coordinator). */
export function createSnapshotter(): Snapshotter {
  const memo = new Map<string, { size: number; mtimeMs: number; ino: number; sha256: string }>();
  return {
    async take(root, keep) {
      const files: ManifestEntry[] = [];
      const sources = new Map<string, string>();
      // Allocated when a file must be hashed: an unchanged project is a listing and a stat per file.
      let buffer: Buffer | undefined;
      let count = 0;
      for (const path of listProjectFiles(root)) {
        if (keep && !keep(path)) continue;
        if (++count % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
        const absolute = join(root, path);
        let stat;
        try {
          stat = statSync(absolute);
        } catch {
          continue; // removed since it was listed
        }
        const known = memo.get(absolute);
        let sha256 = known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ino === stat.ino ? known.sha256 : undefined;
        if (!sha256) {
          try {
            sha256 = hashFile(absolute, (buffer ??= Buffer.allocUnsafe(1 << 20)));
          } catch {
            continue;
          }
          memo.set(absolute, { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, sha256 });
        }
        files.push({ path, mode: stat.mode & 0o777, sha256, size: stat.size });
        sources.set(sha256, absolute);
      }
      return { files, sources };
    },
  };
}

/** What a job's snapshot holds beyond the sources: the plan's outputs, and those of the jobs it needs. */
export interface SnapshotScope {
  /** Output globs of every job of the build: such files are not sources. */
  allOutputs: string[];
  /** Output globs of the jobs the attempt's members need, transitively: those are placed. */
  neededOutputs: string[];
}

/** A build's jobs by id and the output globs of all of them: built once per build (core/lan/remote-agents.ts). */
export interface ScopeIndex {
  byId: Map<string, { needs: string[]; outputs: string[] }>;
  allOutputs: string[];
}

export function scopeIndex(jobs: readonly { id: string; needs: string[]; outputs: string[] }[]): ScopeIndex {
  return { byId: new Map(jobs.map((job) => [job.id, job])), allOutputs: [...new Set(jobs.flatMap((job) => job.outputs))] };
}

/** The scope of an attempt of `members`: costs what those members need, not the size of the build. */
export function snapshotScope(index: ScopeIndex, members: readonly string[]): SnapshotScope {
  const { byId } = index;
  const needed = new Set<string>();
  const pending = members.flatMap((id) => byId.get(id)?.needs ?? []);
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    pending.push(...(byId.get(id)?.needs ?? []));
  }
  return {
    allOutputs: index.allOutputs,
    neededOutputs: [...new Set([...needed].flatMap((id) => byId.get(id)?.outputs ?? []))],
  };
}
