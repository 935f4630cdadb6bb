// Turns a byte stream into whole-character text for a LogWriter.
import { StringDecoder } from 'node:string_decoder';
import type { LogStream } from '../../core/protocol/types';
import type { LogWriter } from './types';

/**
 * Forwards `source` to `log` as utf-8 text, never splitting a character across two calls.
 * Resolves when the source has ended (or closed, or failed) and the decoder is flushed.
 */
export function decodeToLog(source: NodeJS.ReadableStream, stream: LogStream, log: LogWriter): Promise<void> {
  const decoder = new StringDecoder('utf8');
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const rest = decoder.end();
      if (rest) log(stream, rest);
      resolve();
    };
    source.on('data', (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      if (text) log(stream, text);
    });
    source.on('end', finish);
    source.on('close', finish);
    source.on('error', finish);
  });
}
