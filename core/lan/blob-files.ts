// Files as the two ends of a blob transfer on the coordinator's side: a file read in pieces to send,
// and a received blob written beside its destination, moved into place once complete and checked.
// (The LAN agent has its own file source, agent/lan/workspace-folders.ts: agent/ may import only
// core/protocol, which does no I/O.)
import { chmodSync, closeSync, constants, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { BlobSink, BlobSource } from '../protocol/transfer';

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

/** Writes a received blob beside its destination and moves it there once complete and checked. */
export function fileSink(destination: string, mode: number): BlobSink {
  const temp = `${destination}.farmhand-${process.pid}.part`;
  // Opened at the first part: thousands of outputs may be expected at once, file descriptors are few.
  let fd: number | undefined;
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return {
    write(part) {
      fd ??= openSync(temp, 'w', 0o600);
      for (let offset = 0; offset < part.length; ) offset += writeSync(fd, part, offset);
    },
    finish() {
      // No fsync (as the files a local job leaves): thousands of small outputs must not block the loop.
      fd ??= openSync(temp, 'w', 0o600);
      close();
      chmodSync(temp, mode & 0o777);
      renameSync(temp, destination);
    },
    discard() {
      close();
      rmSync(temp, { force: true });
    },
  };
}
