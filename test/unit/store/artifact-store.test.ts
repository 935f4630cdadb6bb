import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRelativePath, openArtifactStore } from '../../../core/store/artifact-store';
import { createScratch } from './store-fixtures';

const scratch = createScratch();
afterEach(() => scratch.cleanup());

function fileWith(content: string | Buffer, mode = 0o644): string {
  const path = join(scratch.dir(), 'input');
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

describe('artifact store', () => {
  it('stores a file under its SHA-256 and restores it with its mode', () => {
    const cas = join(scratch.dir(), 'cas');
    const artifacts = openArtifactStore(cas);
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 'farmhand');
    const sha256 = createHash('sha256').update(content).digest('hex');
    const file = artifacts.put(fileWith(content, 0o755), './bin/tool');
    expect(file).toEqual({ path: 'bin/tool', size: content.length, sha256, mode: 0o755 });
    expect(existsSync(join(cas, sha256.slice(0, 2), sha256.slice(2)))).toBe(true);
    expect(artifacts.has(sha256)).toBe(true);
    expect(artifacts.has('0'.repeat(64))).toBe(false);

    const destination = join(scratch.dir(), 'deep', 'er', 'tool');
    artifacts.restore(file, destination);
    expect(readFileSync(destination).equals(content)).toBe(true);
    expect(statSync(destination).mode & 0o777).toBe(0o755);
    artifacts.restore({ ...file, mode: 0o600 }, destination);
    expect(statSync(destination).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(destination, '..'))).toEqual(['tool']);
  });

  it('keeps one copy of equal content', () => {
    const cas = join(scratch.dir(), 'cas');
    const artifacts = openArtifactStore(cas);
    const a = artifacts.put(fileWith('same'), 'a.txt');
    const b = artifacts.put(fileWith('same', 0o600), 'b/b.txt');
    expect(a.sha256).toBe(b.sha256);
    expect(b.mode).toBe(0o600);
    expect(readdirSync(join(cas, a.sha256.slice(0, 2)))).toEqual([a.sha256.slice(2)]);
    expect(readdirSync(join(cas, 'tmp'))).toEqual([]);
  });

  it('rejects paths that are absolute or leave the workspace', () => {
    const artifacts = openArtifactStore(join(scratch.dir(), 'cas'));
    const input = fileWith('x');
    expect(() => artifacts.put(input, '/etc/passwd')).toThrow(/must be relative/);
    expect(() => artifacts.put(input, 'C:\\x')).toThrow(/must be relative/);
    expect(() => artifacts.put(input, '../x')).toThrow(/must stay inside/);
    expect(() => artifacts.put(input, 'a/../../x')).toThrow(/must stay inside/);
    expect(() => artifacts.put(input, 'a\\..\\..\\x')).toThrow(/must stay inside/);
    expect(checkRelativePath('a/./b/../c')).toBe('a/c');
    expect(() => artifacts.restore({ path: 'x', size: 1, sha256: '../../etc', mode: 0o644 }, join(scratch.dir(), 'x'))).toThrow(/not a SHA-256/);
    expect(() => artifacts.restore({ path: 'x', size: 1, sha256: '0'.repeat(64), mode: 0o644 }, 'relative')).toThrow(/absolute destination/);
    expect(() => artifacts.restore({ path: 'x', size: 1, sha256: '0'.repeat(64), mode: 0o644 }, join(scratch.dir(), 'x'))).toThrow(/not in the store/);
  });
});
