// The transfer pieces both ends share: manifest parts under the message limit, blobs streamed with
// backpressure from a source, and a receiver that writes to a sink and refuses a sink that fails.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobReceiver, blobChunkBytes, manifestParts, memorySink, sendBlob, type BlobSink } from '../../../core/protocol/transfer';
import { validateCoordinatorMessage } from '../../../core/protocol/validate';
import type { BlobChunk, ManifestEntry } from '../../../core/protocol/types';

const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

describe('manifestParts', () => {
  it('splits 50,000 entries into parts that each fit a message, in order, losing none', () => {
    const files: ManifestEntry[] = Array.from({ length: 50_000 }, (_, i) => ({ path: `src/folder-${i % 97}/file-${i}.txt`, mode: 0o644, sha256: sha(String(i)), size: i }));
    const parts = manifestParts(files);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) {
      const message = { type: 'manifest', attempt: 'b-1.a1', files: part };
      expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThan(1 << 20);
      expect(validateCoordinatorMessage(message)).toEqual({ message });
    }
    expect(parts.flat()).toEqual(files);
    expect(manifestParts([])).toEqual([[]]);
  });

  it('refuses a manifest part with a malformed entry', () => {
    expect(validateCoordinatorMessage({ type: 'manifest', attempt: 'a', files: [{ path: 'x', mode: 1, sha256: 'nope', size: 1 }] })).toEqual({ error: 'manifest needs attempt and files [{path, mode, sha256, size}]' });
  });
});

describe('sendBlob and BlobReceiver', () => {
  const bytes = Buffer.alloc(blobChunkBytes * 3 + 17, 5);

  it('streams a blob in chunks, waiting on the outlet before each, and the receiver rebuilds it', async () => {
    const receiver = new BlobReceiver();
    const sink = memorySink();
    const received = receiver.expect(sha(bytes), bytes.length, sink);
    let waits = 0;
    const sent: BlobChunk[] = [];
    const reads: number[] = [];
    const outlet = {
      send: (chunk: BlobChunk) => {
        sent.push(chunk);
        expect(receiver.take(chunk)).toBeUndefined();
      },
      drained: async () => void waits++,
    };
    const count = await sendBlob(outlet, sha(bytes), bytes.length, { read: (offset, length) => (reads.push(offset), bytes.subarray(offset, offset + length)), close: () => {} });
    expect(count).toBe(bytes.length);
    expect(sent.map((chunk) => chunk.last)).toEqual([false, false, false, true]);
    expect(waits).toBe(4);
    expect(reads).toEqual([0, blobChunkBytes, 2 * blobChunkBytes, 3 * blobChunkBytes]);
    expect(await received).toEqual({ ok: true });
    expect(sink.bytes().equals(bytes)).toBe(true);
  });

  it('ends a blob early when its source comes up short; the receiver refuses it', async () => {
    const receiver = new BlobReceiver();
    const received = receiver.expect(sha(bytes), bytes.length, memorySink());
    let closed = false;
    await sendBlob({ send: (chunk) => void receiver.take(chunk) }, sha(bytes), bytes.length, { read: (offset, length) => (offset > 0 ? new Uint8Array(0) : bytes.subarray(0, length)), close: () => void (closed = true) });
    expect(await received).toEqual({ error: `blob ${sha(bytes).slice(0, 16)} has ${blobChunkBytes} bytes, announced ${bytes.length}` });
    expect(closed).toBe(true);
  });

  it('refuses a blob whose sink fails (a full disk), and discards what was written', async () => {
    const receiver = new BlobReceiver();
    let discarded = false;
    const sink: BlobSink = {
      write: () => {
        throw new Error('ENOSPC: no space left on device, write');
      },
      finish: () => {},
      discard: () => void (discarded = true),
    };
    const received = receiver.expect(sha('abc'), 3, sink);
    expect(receiver.take({ type: 'blob', sha256: sha('abc'), offset: 0, data: Buffer.from('abc').toString('base64'), last: true })).toContain('no space left on device');
    expect(await received).toEqual({ error: `blob ${sha('abc').slice(0, 16)} could not be stored: ENOSPC: no space left on device, write` });
    expect(discarded).toBe(true);
    expect(receiver.isExpected(sha('abc'))).toBe(false);
  });

  it('refuses a blob whose finish fails after its bytes matched', async () => {
    const receiver = new BlobReceiver();
    const received = receiver.expect(sha('abc'), 3, { write: () => {}, finish: () => Promise.reject(new Error('EIO: fsync failed')), discard: () => {} });
    expect(receiver.take({ type: 'blob', sha256: sha('abc'), offset: 0, data: Buffer.from('abc').toString('base64'), last: true })).toBeUndefined();
    expect(await received).toEqual({ error: `blob ${sha('abc').slice(0, 16)} could not be stored: EIO: fsync failed` });
  });
});

describe('a framed channel\'s drained()', () => {
  it('waits while the socket holds more than the high-water mark, until it is under the low one', async () => {
    const { createFramedChannel } = await import('../../../core/protocol/lan-channel');
    let buffered = 0;
    const channel = createFramedChannel<never, BlobChunk>(
      { send: () => {}, onFrame: () => {}, onClose: () => {}, close: () => {}, bufferedBytes: () => buffered },
      { validate: () => ({ error: 'unused' }), log: () => {} },
    );
    await channel.drained!();
    buffered = 8 << 20;
    let done = false;
    const waiting = channel.drained!().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(done).toBe(false);
    buffered = 2 << 20; // under the high-water mark but not yet under the low one
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(done).toBe(false);
    buffered = 0;
    await waiting;
    expect(done).toBe(true);
  });
});
