// The agent's blob cache: content-addressed files under `<state dir>/blobs/`, kept across builds so
// an unchanged file never crosses the LAN twice, bounded by a size cap (default 5 GiB): the least
// recently used blobs go first. Use is recorded as the file's mtime (touched when a workspace takes it).
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobSink } from '../../core/protocol/transfer';

export interface BlobCache {
  has(sha256: string): boolean;
  /** The blob's file (read-only use), marked as used now. */
  use(sha256: string): string;
  put(sha256: string, bytes: Uint8Array): void;
  /** A sink that streams a blob into the cache (nothing is kept if it is discarded). */
  writer(sha256: string): BlobSink;
  /** Copies a file that holds the blob (an output) into the cache. */
  putFile(sha256: string, source: string): void;
  /** Bytes held now. */
  size(): number;
}

export const defaultBlobCacheBytes = 5 * 1024 ** 3;

/** Opens (creating) a cache folder; `capBytes` bounds it after every put. */
export function openBlobCache(dir: string, capBytes = defaultBlobCacheBytes): BlobCache {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const sizes = new Map<string, number>();
  let total = 0;
  for (const name of readdirSync(dir)) {
    if (!/^[0-9a-f]{64}$/.test(name)) {
      rmSync(join(dir, name), { force: true, recursive: true }); // a put cut short
      continue;
    }
    const size = statSync(join(dir, name)).size;
    sizes.set(name, size);
    total += size;
  }
  const path = (sha256: string) => join(dir, sha256);

  /** Removes least recently used blobs until the cache fits (a blob just used stays: it is newest). */
  const evict = (keep: string) => {
    if (total <= capBytes) return;
    const byAge = [...sizes.keys()].map((sha) => ({ sha, used: statSync(path(sha)).mtimeMs })).sort((a, b) => a.used - b.used);
    for (const { sha } of byAge) {
      if (total <= capBytes) break;
      if (sha === keep) continue;
      rmSync(path(sha), { force: true });
      total -= sizes.get(sha)!;
      sizes.delete(sha);
    }
  };

  let parts = 0;
  const temp = (sha256: string) => `${path(sha256)}.${process.pid}.${++parts}.part`;
  const adopt = (sha256: string, file: string) => {
    const size = statSync(file).size;
    renameSync(file, path(sha256));
    sizes.set(sha256, size);
    total += size;
    evict(sha256);
  };

  return {
    has: (sha256) => sizes.has(sha256),
    writer(sha256) {
      const file = temp(sha256);
      let fd: number | undefined = openSync(file, 'w', 0o400);
      const close = () => {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
      };
      return {
        write(part) {
          for (let offset = 0; offset < part.length; ) offset += writeSync(fd!, part, offset);
        },
        finish() {
          fsyncSync(fd!);
          close();
          if (sizes.has(sha256)) return void rmSync(file, { force: true });
          adopt(sha256, file);
        },
        discard() {
          close();
          rmSync(file, { force: true });
        },
      };
    },
    putFile(sha256, source) {
      if (sizes.has(sha256)) return;
      const file = temp(sha256);
      try {
        copyFileSync(source, file);
        adopt(sha256, file);
      } catch (error) {
        rmSync(file, { force: true });
        throw error;
      }
    },
    use(sha256) {
      const file = path(sha256);
      const now = new Date();
      utimesSync(file, now, now);
      return file;
    },
    put(sha256, bytes) {
      if (sizes.has(sha256)) return;
      const sink = this.writer(sha256);
      try {
        sink.write(bytes);
        sink.finish();
      } catch (error) {
        sink.discard();
        throw error;
      }
    },
    size: () => total,
  };
}
