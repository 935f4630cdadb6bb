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
 * Collects the chunks of blobs one side asked for: only expected blobs, in order, never past the
 * announced size, and checked against their sha256 at the end. `complete` gets the verified bytes,
 * `failed` a one-line reason (a blob we did not ask for is refused, not stored).
 */
export class BlobReceiver {
  private readonly pending = new Map<string, { size: number; parts: Buffer[]; received: number; done: (result: { bytes: Buffer } | { error: string }) => void }>();

  /** Expects a blob; resolves with its verified bytes or a reason. */
  expect(sha256: string, size: number): Promise<{ bytes: Buffer } | { error: string }> {
    return new Promise((done) => this.pending.set(sha256, { size, parts: [], received: 0, done }));
  }

  isExpected(sha256: string): boolean {
    return this.pending.has(sha256);
  }

  /** Takes one chunk; returns a problem line when the chunk is refused. */
  take(chunk: BlobChunk): string | undefined {
    const blob = this.pending.get(chunk.sha256);
    if (!blob) return `blob ${chunk.sha256.slice(0, 16)} was not asked for`;
    const fail = (error: string) => {
      this.pending.delete(chunk.sha256);
      blob.done({ error });
      return error;
    };
    if (chunk.offset !== blob.received) return fail(`blob ${chunk.sha256.slice(0, 16)} chunk at ${chunk.offset}, expected ${blob.received}`);
    const part = Buffer.from(chunk.data, 'base64');
    blob.received += part.length;
    if (blob.received > blob.size) return fail(`blob ${chunk.sha256.slice(0, 16)} is larger than the announced ${blob.size} bytes`);
    blob.parts.push(part);
    if (!chunk.last) return undefined;
    this.pending.delete(chunk.sha256);
    const bytes = Buffer.concat(blob.parts);
    if (bytes.length !== blob.size) return fail(`blob ${chunk.sha256.slice(0, 16)} has ${bytes.length} bytes, announced ${blob.size}`);
    if (createHash('sha256').update(bytes).digest('hex') !== chunk.sha256) return fail(`blob ${chunk.sha256.slice(0, 16)} does not match its sha256`);
    blob.done({ bytes });
    return undefined;
  }

  /** Fails every blob still expected (the connection ended). */
  abandon(reason: string): void {
    for (const blob of this.pending.values()) blob.done({ error: reason });
    this.pending.clear();
  }
}
