// The agent's blob cache: content-addressed files under `<state dir>/blobs/`, kept across builds so
// an unchanged file never crosses the LAN twice, bounded by a size cap (default 5 GiB): the least
// recently used blobs go first. Use is recorded as the file's mtime (touched when a workspace takes it).
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, type FileHandle } from 'node:fs/promises';
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

const emptySha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Blobs from this size on are fsynced before they are renamed into place (fewer, and slow to fetch again). */
const syncFromBytes = 1 << 20;

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
    // Small blobs are renamed into place without an fsync: after a power cut such a file can be empty.
    if (size === 0 && name !== emptySha256) {
      rmSync(join(dir, name), { force: true });
      continue;
    }
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
  const writing = limiter(8);
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
      // Writes go to libuv's threads in order, so a flood of small blobs never blocks the connection's
      // loop (its heartbeat replies wait behind every message being handled); a few files at a time.
      const file = temp(sha256);
      let handle: FileHandle | undefined;
      let failure: unknown;
      let holding = false;
      let written = 0;
      let chain: Promise<void> = Promise.resolve();
      const step = (work: () => Promise<void>) => {
        chain = chain.then(async () => {
          if (failure) return;
          try {
            if (!holding) {
              await writing.acquire();
              holding = true;
            }
            handle ??= await open(file, 'w', 0o400);
            await work();
          } catch (error) {
            failure = error;
          }
        });
      };
      const release = async () => {
        await handle?.close().catch(() => {});
        handle = undefined;
        if (holding) writing.release();
        holding = false;
      };
      return {
        write(part) {
          if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
          const copy = Buffer.from(part);
          written += copy.length;
          step(async () => void (await handle!.write(copy)));
        },
        async finish() {
          if (written >= syncFromBytes) step(() => handle!.sync());
          else step(async () => {});
          await chain;
          await release();
          if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
          if (sizes.has(sha256)) rmSync(file, { force: true });
          else adopt(sha256, file);
        },
        discard() {
          failure ??= new Error('discarded');
          void chain.then(release).then(() => rmSync(file, { force: true }));
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
      const file = temp(sha256);
      try {
        writeFileSync(file, bytes, { mode: 0o400, flush: true });
        adopt(sha256, file);
      } catch (error) {
        rmSync(file, { force: true });
        throw error;
      }
    },
    size: () => total,
  };
}

/** At most `count` holders at a time; the others wait in turn. */
function limiter(count: number): { acquire(): Promise<void>; release(): void } {
  let free = count;
  const waiting: (() => void)[] = [];
  return {
    acquire: () => (free > 0 ? (free--, Promise.resolve()) : new Promise<void>((resolve) => waiting.push(resolve))),
    release: () => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}
