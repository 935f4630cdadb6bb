import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRelativePath, openArtifactStore } from '../../../core/store/artifact-store';
import type { OutputFile } from '../../../core/protocol/types';
import type { ArtifactStore } from '../../../core/store/types';
import { createScratch } from './store-fixtures';

const scratch = createScratch();
afterEach(() => scratch.cleanup());

function fileWith(content: string | Buffer, mode = 0o644): string {
  const path = join(scratch.dir(), 'input');
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

/** Stores a file the way the coordinator does: describe it, then put what was described. */
async function put(artifacts: ArtifactStore, path: string, relative: string): Promise<OutputFile> {
  const { file, content } = artifacts.describe(path, relative);
  expect(await artifacts.putDescribed(path, file, content)).toBe(true);
  return file;
}

describe('artifact store', () => {
  it('stores a large file under its SHA-256 and restores it with its mode', async () => {
    const cas = join(scratch.dir(), 'cas');
    const artifacts = openArtifactStore(cas);
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 'farmhand');
    const sha256 = createHash('sha256').update(content).digest('hex');
    const file = await put(artifacts, fileWith(content, 0o755), './bin/tool');
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

  it('keeps one copy of equal content (small files go into a pack)', async () => {
    const cas = join(scratch.dir(), 'cas');
    const artifacts = openArtifactStore(cas);
    const a = await put(artifacts, fileWith('same'), 'a.txt');
    const b = await put(artifacts, fileWith('same', 0o600), 'b/b.txt');
    expect(a.sha256).toBe(b.sha256);
    expect(b.mode).toBe(0o600);
    const pack = readdirSync(join(cas, 'packs')).find((name) => name.endsWith('.pack'))!;
    expect(readFileSync(join(cas, 'packs', pack), 'utf8')).toBe('same');
    expect(readdirSync(join(cas, 'tmp'))).toEqual([]);
    await artifacts.close();
  });

  it('does not store a large file that changed after it was described', async () => {
    const artifacts = openArtifactStore(join(scratch.dir(), 'cas'));
    const path = fileWith(Buffer.alloc(2 * 1024 * 1024, 'a'));
    const { file, content } = artifacts.describe(path, 'big.bin');
    expect(content).toBeUndefined();
    writeFileSync(path, Buffer.alloc(2 * 1024 * 1024, 'b'));
    expect(await artifacts.putDescribed(path, file, content)).toBe(false);
    expect(artifacts.has(file.sha256)).toBe(false);
  });

  it('rejects paths that are absolute or leave the workspace', () => {
    const artifacts = openArtifactStore(join(scratch.dir(), 'cas'));
    const input = fileWith('x');
    expect(() => artifacts.describe(input, '/etc/passwd')).toThrow(/must be relative/);
    expect(() => artifacts.describe(input, 'C:\\x')).toThrow(/must be relative/);
    expect(() => artifacts.describe(input, '../x')).toThrow(/must stay inside/);
    expect(() => artifacts.describe(input, 'a/../../x')).toThrow(/must stay inside/);
    expect(() => artifacts.describe(input, 'a\\..\\..\\x')).toThrow(/must stay inside/);
    expect(checkRelativePath('a/./b/../c')).toBe('a/c');
    expect(() => artifacts.restore({ path: 'x', size: 1, sha256: '../../etc', mode: 0o644 }, join(scratch.dir(), 'x'))).toThrow(/not a SHA-256/);
    expect(() => artifacts.restore({ path: 'x', size: 1, sha256: '0'.repeat(64), mode: 0o644 }, 'relative')).toThrow(/absolute destination/);
    expect(() => artifacts.restore({ path: 'x', size: 1, sha256: '0'.repeat(64), mode: 0o644 }, join(scratch.dir(), 'x'))).toThrow(/not in the store/);
  });
});
