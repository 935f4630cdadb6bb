// The agent's blob cache: kept across opens, bounded by its cap with the least recently used blobs
// removed first, and half-written files of a cut-short put cleared on open.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openBlobCache } from '../../../agent/lan/blob-cache';

let dir: string;
const blob = (text: string) => ({ sha: createHash('sha256').update(text).digest('hex'), bytes: Buffer.from(text) });

beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'farmhand-blob-cache-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('evicts the least recently used blobs beyond its cap, and keeps the rest across opens', () => {
  const cache = openBlobCache(dir, 25);
  const [a, b, c] = [blob('a'.repeat(10)), blob('b'.repeat(10)), blob('c'.repeat(10))];
  cache.put(a.sha, a.bytes);
  cache.put(b.sha, b.bytes);
  // a was used after b was stored: b is now the least recently used.
  utimesSync(join(dir, a.sha), new Date(), new Date(Date.now() + 1000));
  utimesSync(join(dir, b.sha), new Date(), new Date(Date.now() - 1000));
  cache.put(c.sha, c.bytes);
  expect(cache.has(b.sha)).toBe(false);
  expect(cache.has(a.sha) && cache.has(c.sha)).toBe(true);
  expect(cache.size()).toBe(20);
  writeFileSync(join(dir, `${a.sha}.123.part`), 'half');
  const reopened = openBlobCache(dir, 25);
  expect(reopened.size()).toBe(20);
  expect(readdirSync(dir).sort()).toEqual([a.sha, c.sha].sort());
});
