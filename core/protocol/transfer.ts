// What both ends of a snapshot or output transfer check: a path a peer names must be relative, stay
// inside the workspace and name no `..`; blobs travel as base64 chunks well under the message limit.
import { createHash } from 'node:crypto';
import type { BlobChunk, ManifestEntry, OutputFile } from './types';

/** Raw bytes per blob chunk: 512 KiB, about 700 KB of base64, under the 1 MiB message limit. */
export const blobChunkBytes = 512 * 1024;

/** Why a path from a peer is refused, or undefined for a plain relative path inside the workspace. */
export function pathProblem(path: string): string | undefined {
  if (path === '' || path.length > 4096) return 'is empty or too long';
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return 'is absolute';
  if (path.includes('\\') || path.includes('\0')) return 'contains a backslash or NUL';
  const segments = path.split('/');
  if (segments.includes('..')) return 'contains ..';
  if (segments.some((segment) => segment === '' || segment === '.')) return 'is not normalised';
  return undefined;
}

/** A link target that stays inside the workspace from the link's folder, or why not. */
export function linkProblem(path: string, target: string): string | undefined {
  if (target.startsWith('/') || target === '' || target.includes('\0')) return 'points to an absolute or empty target';
  const depth = path.split('/').length - 1;
  let level = depth;
  for (const segment of target.split('/')) {
    if (segment === '..') level--;
    else if (segment !== '' && segment !== '.') level++;
    if (level < 0) return 'points outside the workspace';
  }
  return undefined;
}

/** The first problem of a manifest or output list (paths, duplicates, a file under a file), or undefined. */
export function filesProblem(files: readonly (ManifestEntry | OutputFile)[], maxSize: number): string | undefined {
  const seen = new Set<string>();
  for (const file of files) {
    const problem = pathProblem(file.path);
    if (problem) return `path ${JSON.stringify(file.path.slice(0, 200))} ${problem}`;
    if (seen.has(file.path)) return `path ${file.path} is listed twice`;
    if (file.size > maxSize) return `${file.path} is ${file.size} bytes, over the ${maxSize}-byte limit`;
    const link = (file as OutputFile).link;
    const badLink = link === undefined ? undefined : linkProblem(file.path, link);
    if (badLink) return `link ${file.path} ${badLink}`;
    seen.add(file.path);
  }
  for (const path of seen) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) if (seen.has(parts.slice(0, i).join('/'))) return `${path} would pass through the file ${parts.slice(0, i).join('/')}`;
  }
  return undefined;
}

/** Where a blob being received goes, part by part (a file on the receiving side; I/O stays with the caller). */
export interface BlobSink {
  write(part: Uint8Array): void;
  /** Called once every part arrived and the sha256 matched (may settle later, e.g. after an fsync). */
  finish(): void | Promise<void>;
  /** The blob was refused or abandoned: drop what was written. */
  discard(): void;
}

/** A sink that keeps the bytes in memory (small blobs, tests). */
export function memorySink(): BlobSink & { bytes(): Buffer } {
  const parts: Buffer[] = [];
  return { write: (part) => void parts.push(Buffer.from(part)), finish: () => {}, discard: () => void (parts.length = 0), bytes: () => Buffer.concat(parts) };
}

/** Reads a blob's bytes from where they are (a file on the sending side). */
export interface BlobSource {
  /** Up to `length` bytes at `offset`; fewer (or none) at the end. */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** The least a channel must offer to stream blobs: send, and a wait while its socket's buffer is full. */
export interface BlobOutlet {
  send(message: BlobChunk): void;
  /** Resolves once the bytes buffered for the socket are low again (absent: never waits). */
  drained?(): Promise<void>;
}

/** Bytes buffered for the socket above which a sender waits before its next chunk. */
export const highWaterBytes = 4 << 20;

/** Splits bytes into chunk messages (at least one, even for an empty blob). */
export function blobChunks(sha256: string, bytes: Uint8Array): BlobChunk[] {
  const chunks: BlobChunk[] = [];
  for (let offset = 0; offset === 0 || offset < bytes.length; offset += blobChunkBytes) {
    const end = Math.min(bytes.length, offset + blobChunkBytes);
    chunks.push({ type: 'blob', sha256, offset, data: Buffer.from(bytes.subarray(offset, end)).toString('base64'), last: end >= bytes.length });
  }
  return chunks;
}

/**
 * Streams a blob of `size` bytes from `source` in chunks, waiting while the outlet's socket holds more
 * than the high-water mark: memory stays bounded whatever the blob's size. A read that fails or comes
 * up short ends the blob early; the receiver then finds its size wrong and refuses it. Returns the bytes sent.
 */
export async function sendBlob(outlet: BlobOutlet, sha256: string, size: number, source: BlobSource): Promise<number> {
  let offset = 0;
  try {
    while (true) {
      if (outlet.drained) await outlet.drained();
      let part: Uint8Array;
      try {
        part = offset < size ? source.read(offset, Math.min(blobChunkBytes, size - offset)) : new Uint8Array(0);
      } catch {
        part = new Uint8Array(0);
      }
      const last = part.length === 0 || offset + part.length >= size;
      outlet.send({ type: 'blob', sha256, offset, data: Buffer.from(part.buffer, part.byteOffset, part.length).toString('base64'), last });
      offset += part.length;
      if (last) return offset;
    }
  } finally {
    source.close();
  }
}

type Received = { ok: true } | { error: string };

/**
 * Collects the chunks of blobs one side asked for: only expected blobs, in order, never past the
 * announced size, and checked against their sha256 at the end. Parts go to the blob's sink as they
 * come (a failing write, e.g. a full disk, refuses the blob with the sink's reason); the promise
 * resolves once the sink finished, or with a one-line reason (a blob we did not ask for is refused).
 */
export class BlobReceiver {
  private readonly pending = new Map<string, { size: number; sink: BlobSink; hash: ReturnType<typeof createHash>; received: number; done: (result: Received) => void }>();

  /** Expects a blob, written to `sink` as it arrives. */
  expect(sha256: string, size: number, sink: BlobSink): Promise<Received> {
    return new Promise((done) => this.pending.set(sha256, { size, sink, hash: createHash('sha256'), received: 0, done }));
  }

  isExpected(sha256: string): boolean {
    return this.pending.has(sha256);
  }

  /** Takes one chunk; returns a problem line when the chunk is refused. */
  take(chunk: BlobChunk): string | undefined {
    const blob = this.pending.get(chunk.sha256);
    if (!blob) return `blob ${chunk.sha256.slice(0, 16)} was not asked for`;
    const name = `blob ${chunk.sha256.slice(0, 16)}`;
    const fail = (error: string) => {
      this.pending.delete(chunk.sha256);
      try {
        blob.sink.discard();
      } catch {
        // already gone
      }
      blob.done({ error });
      return error;
    };
    if (chunk.offset !== blob.received) return fail(`${name} chunk at ${chunk.offset}, expected ${blob.received}`);
    const part = Buffer.from(chunk.data, 'base64');
    blob.received += part.length;
    if (blob.received > blob.size) return fail(`${name} is larger than the announced ${blob.size} bytes`);
    try {
      blob.sink.write(part);
    } catch (error) {
      return fail(`${name} could not be stored: ${error instanceof Error ? error.message : String(error)}`);
    }
    blob.hash.update(part);
    if (!chunk.last) return undefined;
    if (blob.received !== blob.size) return fail(`${name} has ${blob.received} bytes, announced ${blob.size}`);
    if (blob.hash.digest('hex') !== chunk.sha256) return fail(`${name} does not match its sha256`);
    this.pending.delete(chunk.sha256);
    void (async () => blob.sink.finish())().then(
      () => blob.done({ ok: true }),
      (error: unknown) => {
        try {
          blob.sink.discard();
        } catch {
          // already gone
        }
        blob.done({ error: `${name} could not be stored: ${error instanceof Error ? error.message : String(error)}` });
      },
    );
    return undefined;
  }

  /** Fails every blob still expected (the connection ended). */
  abandon(reason: string): void {
    for (const blob of this.pending.values()) {
      try {
        blob.sink.discard();
      } catch {
        // already gone
      }
      blob.done({ error: reason });
    }
    this.pending.clear();
  }
}

/** Splits a list into parts of at most `size` items (at least one part, maybe empty). */
export function inParts<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let start = 0; start === 0 || start < items.length; start += size) parts.push(items.slice(start, start + size));
  return parts;
}

/** Manifest entries (or output files) per message: well under the message limit even with long paths. */
export function manifestParts<T extends { path: string; link?: string }>(files: readonly T[], budgetBytes = 512 * 1024): T[][] {
  const parts: T[][] = [[]];
  let bytes = 0;
  for (const file of files) {
    const cost = Buffer.byteLength(file.path) + Buffer.byteLength(file.link ?? '') + 120;
    if (bytes + cost > budgetBytes && parts[parts.length - 1]!.length > 0) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1]!.push(file);
    bytes += cost;
  }
  return parts;
}
