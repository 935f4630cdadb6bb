// A LAN agent's outbox for one coordinator identity: every message that must not be lost (started,
// log, outputs, result) gets the next number `n` and is appended to `outbox/<fingerprint>.jsonl`
// before it is sent; an acknowledgement drops what it covers. After a cut, or a restart of the agent,
// what is left is resent in order. Bounded: past the byte or age limit the oldest entries are dropped
// (with a line in the agent's log), so a coordinator that never comes back cannot fill the disk.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentMessage } from '../../core/protocol/types';

export interface OutboxEntry {
  n: number;
  message: AgentMessage;
  at: number;
  bytes: number;
}

export interface OutboxOptions {
  dir: string;
  fingerprint: string;
  now: () => number;
  log(line: string): void;
  /** Most bytes kept undelivered (default 1 GiB). */
  maxBytes?: number;
  /** Oldest undelivered entry kept (default 24 h). */
  maxAgeMs?: number;
}

export interface Outbox {
  /** Numbers the message, writes it down, and returns it with its `n`. */
  add(message: AgentMessage): AgentMessage;
  /** The coordinator applied everything up to `acked`. */
  ack(acked: number): void;
  /** What is not acknowledged yet, oldest first. */
  pending(): readonly OutboxEntry[];
  /** The coordinator applied more than this outbox ever numbered (it lost its state, or this one did): number on from there. */
  renumberAfter(acked: number): void;
}

const compactEvery = 2000;

/** Opens (or creates) the outbox of one coordinator identity. */
export function openOutbox(options: OutboxOptions): Outbox {
  const maxBytes = options.maxBytes ?? 1024 ** 3;
  const maxAgeMs = options.maxAgeMs ?? 24 * 3600_000;
  mkdirSync(options.dir, { recursive: true });
  const file = join(options.dir, `${options.fingerprint.replace(/[^0-9a-zA-Z]/g, '').slice(0, 64)}.jsonl`);
  let entries: OutboxEntry[] = [];
  let next = 1;
  let bytes = 0;
  let sinceCompaction = 0;

  // Lines are entries `{n, at, message}`, acknowledgements `{acked}` and a numbering mark `{next}`.
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no outbox yet
  }
  for (const line of text.split('\n')) {
    if (!line) continue;
    let value: { n?: number; at?: number; message?: AgentMessage; acked?: number; next?: number };
    try {
      value = JSON.parse(line) as typeof value;
    } catch {
      continue; // a line cut short by a crash: the entries before it stand
    }
    if (typeof value.next === 'number') next = Math.max(next, value.next);
    if (typeof value.acked === 'number') entries = entries.filter((entry) => entry.n > value.acked!);
    if (typeof value.n === 'number' && value.message) {
      entries.push({ n: value.n, message: value.message, at: value.at ?? options.now(), bytes: line.length });
      next = Math.max(next, value.n + 1);
    }
  }
  bytes = entries.reduce((sum, entry) => sum + entry.bytes, 0);

  const rewrite = () => {
    const lines = [JSON.stringify({ next }), ...entries.map((entry) => JSON.stringify({ n: entry.n, at: entry.at, message: entry.message }))];
    writeFileSync(file, `${lines.join('\n')}\n`);
    sinceCompaction = 0;
  };
  rewrite();

  const trim = () => {
    const now = options.now();
    let dropped = 0;
    while (entries.length > 0 && (bytes > maxBytes || now - entries[0]!.at > maxAgeMs)) {
      bytes -= entries.shift()!.bytes;
      dropped++;
    }
    if (dropped > 0) {
      options.log(`outbox of coordinator ${options.fingerprint.slice(0, 16)}: dropped ${dropped} undelivered messages (over ${maxBytes} bytes or ${maxAgeMs / 3600_000} h old)`);
      rewrite();
    }
  };

  return {
    add(message) {
      const numbered = { ...message, n: next++ } as AgentMessage;
      const at = options.now();
      const line = JSON.stringify({ n: (numbered as { n: number }).n, at, message: numbered });
      appendFileSync(file, `${line}\n`);
      entries.push({ n: (numbered as { n: number }).n, message: numbered, at, bytes: line.length });
      bytes += line.length;
      if (bytes > maxBytes || at - entries[0]!.at > maxAgeMs) trim();
      return numbered;
    },
    ack(acked) {
      const before = entries.length;
      while (entries.length > 0 && entries[0]!.n <= acked) bytes -= entries.shift()!.bytes;
      const dropped = before - entries.length;
      if (dropped === 0) return;
      sinceCompaction += dropped;
      if (entries.length === 0 || sinceCompaction > compactEvery) rewrite();
      else appendFileSync(file, `${JSON.stringify({ acked })}\n`);
    },
    pending: () => entries,
    renumberAfter(acked) {
      if (acked < next) return;
      next = acked + 1;
      for (const entry of entries) {
        entry.n = next++;
        entry.message = { ...entry.message, n: entry.n } as AgentMessage;
      }
      rewrite();
    },
  };
}
