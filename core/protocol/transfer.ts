// What both ends of a snapshot or output transfer check: a path a peer names must be relative, stay
// inside the workspace and name no `..`; blobs travel as base64 chunks well under the message limit.
import { createHash } from 'node:crypto';
import type { BlobChunk, ManifestEntry, OutputFile } from './types';

/**
 * Raw bytes per blob chunk: 64 KiB, about 87 KB of base64. A message's text and strings then stay
 * under V8's large-object size (128 KiB) and die young; at 512 KiB each chunk's 700 KB strings waited
 * for a full collection, and a 200 MB transfer left tens of MB of them behind.
 */
export const blobChunkBytes = 64 * 1024;

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

interface Expected {
  size: number;
  sink: BlobSink;
  /** A new sink when the blob starts over (absent: the same sink, written again after its discard). */
  fresh?: () => BlobSink;
  hash: ReturnType<typeof createHash>;
  received: number;
  done: (result: Received) => void;
}

/** Blobs remembered as complete, so a resent copy is dropped quietly (a bound on memory). */
const rememberedBlobs = 4096;

const discardQuietly = (sink: BlobSink) => {
  try {
    sink.discard();
  } catch {
    // already gone
  }
};

/**
 * Collects the chunks of blobs one side asked for: only expected blobs, in order, never past the
 * announced size, and checked against their sha256 at the end. Parts go to the blob's sink as they
 * come (a failing write, e.g. a full disk, refuses the blob with the sink's reason); the promise
 * resolves once the sink finished, or with a one-line reason (a blob we did not ask for is refused).
 * Asking again is idempotent: a chunk at offset 0 starts a partly received blob over (its partial
 * bytes discarded), a chunk past a gap (some were lost in a cut) is dropped until the blob starts
 * over, and the chunks of a blob already complete are dropped (one line for the whole blob).
 */
export class BlobReceiver {
  private readonly pending = new Map<string, Expected>();
  private readonly complete = new Set<string>();
  /** When a chunk of an expected blob last arrived, and when one was last accepted (Date.now()). */
  lastChunkAt = Date.now();
  lastProgressAt = Date.now();

  /** Expects a blob, written to `sink` as it arrives (to `fresh()` when it starts over, if given). */
  expect(sha256: string, size: number, sink: BlobSink, fresh?: () => BlobSink): Promise<Received> {
    this.complete.delete(sha256);
    return new Promise((done) => this.pending.set(sha256, { size, sink, fresh, hash: createHash('sha256'), received: 0, done }));
  }

  isExpected(sha256: string): boolean {
    return this.pending.has(sha256);
  }

  /** Stops expecting a blob: its partial bytes are discarded and its promise resolves with `reason`. */
  cancel(sha256: string, reason: string): void {
    const blob = this.pending.get(sha256);
    if (!blob) return;
    this.pending.delete(sha256);
    discardQuietly(blob.sink);
    blob.done({ error: reason });
  }

  /** Takes one chunk; returns a problem line when the chunk is refused. */
  take(chunk: BlobChunk): string | undefined {
    const blob = this.pending.get(chunk.sha256);
    const name = `blob ${chunk.sha256.slice(0, 16)}`;
    if (!blob) {
      if (!this.complete.has(chunk.sha256)) return `${name} was not asked for`;
      return chunk.offset === 0 ? `${name} arrived again after it was complete: dropped` : undefined;
    }
    this.lastChunkAt = Date.now();
    const fail = (error: string) => {
      this.pending.delete(chunk.sha256);
      discardQuietly(blob.sink);
      blob.done({ error });
      return error;
    };
    if (chunk.offset === 0 && blob.received > 0) {
      // Sent again from its beginning (asked again after a stall): the partial bytes go.
      discardQuietly(blob.sink);
      try {
        if (blob.fresh) blob.sink = blob.fresh();
      } catch (error) {
        return fail(`${name} could not be stored: ${error instanceof Error ? error.message : String(error)}`);
      }
      blob.hash = createHash('sha256');
      blob.received = 0;
    }
    // A gap (chunks lost in a cut): wait for the blob to be sent again from its beginning.
    if (chunk.offset !== blob.received) return undefined;
    const part = Buffer.from(chunk.data, 'base64');
    blob.received += part.length;
    if (blob.received > blob.size) return fail(`${name} is larger than the announced ${blob.size} bytes`);
    try {
      blob.sink.write(part);
    } catch (error) {
      return fail(`${name} could not be stored: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.lastProgressAt = this.lastChunkAt;
    blob.hash.update(part);
    if (!chunk.last) return undefined;
    if (blob.received !== blob.size) return fail(`${name} has ${blob.received} bytes, announced ${blob.size}`);
    if (blob.hash.digest('hex') !== chunk.sha256) return fail(`${name} does not match its sha256`);
    this.pending.delete(chunk.sha256);
    this.complete.add(chunk.sha256);
    if (this.complete.size > rememberedBlobs) this.complete.delete(this.complete.values().next().value!);
    void (async () => blob.sink.finish())().then(
      () => blob.done({ ok: true }),
      (error: unknown) => {
        discardQuietly(blob.sink);
        blob.done({ error: `${name} could not be stored: ${error instanceof Error ? error.message : String(error)}` });
      },
    );
    return undefined;
  }

  /** Fails every blob still expected (the connection ended). */
  abandon(reason: string): void {
    for (const blob of this.pending.values()) {
      discardQuietly(blob.sink);
      blob.done({ error: reason });
    }
    this.pending.clear();
  }
}

/**
 * Asks for blobs again while they stall: every `stallMs / 3` it looks at the blobs of `blobs` still
 * expected; when no chunk arrived (and nothing was asked) for `stallMs`, it calls `ask` with them; when
 * no byte was accepted for `giveUpMs`, it cancels them with `reason`. Stops once none is expected;
 * returns a stop for the caller (call it when the wait ended otherwise).
 */
export function retryStalled(receiver: BlobReceiver, blobs: readonly string[], options: { stallMs: number; giveUpMs: number; ask(blobs: string[]): void; reason: string }): () => void {
  let askedAt = Date.now();
  const startedAt = askedAt;
  let missing = [...blobs];
  const timer = setInterval(() => {
    missing = missing.filter((sha256) => receiver.isExpected(sha256));
    if (missing.length === 0) return clearInterval(timer);
    const now = Date.now();
    if (now - Math.max(receiver.lastProgressAt, startedAt) >= options.giveUpMs) {
      clearInterval(timer);
      for (const sha256 of missing) receiver.cancel(sha256, options.reason);
      return;
    }
    if (now - Math.max(receiver.lastChunkAt, askedAt) < options.stallMs) return;
    askedAt = now;
    options.ask(missing);
  }, Math.max(10, Math.floor(options.stallMs / 3)));
  return () => clearInterval(timer);
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
