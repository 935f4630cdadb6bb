// diskFiles on a real temp folder: sorted POSIX paths, skipped folders, safe reads, memoised hashes.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskFiles } from '../../core/project/disk-files';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'farmhand-files-'));
  for (const path of ['b.txt', 'a/z.txt', 'a/b/c.txt', '.git/HEAD', 'node_modules/x/index.js', 'sub/node_modules/y.js', 'B.txt', '.state/farmhand.db', '.state/cas/packs/x.pack']) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), `content of ${path}`);
  }
  symlinkSync(join(root, 'a'), join(root, 'link-to-folder'));
  symlinkSync(join(root, 'b.txt'), join(root, 'link-to-file'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('diskFiles', () => {
  it('lists regular files sorted by code unit, skipping .git, node_modules, state dirs and folder links', () => {
    expect(diskFiles(root).list()).toEqual(['B.txt', 'a/b/c.txt', 'a/z.txt', 'b.txt', 'link-to-file']);
  });

  it('reads text and sizes, and nothing outside the root', () => {
    const files = diskFiles(root);
    expect(files.readText('a/z.txt')).toBe('content of a/z.txt');
    expect(files.size('a/z.txt')).toBe('content of a/z.txt'.length);
    expect(files.readText('missing')).toBeUndefined();
    expect(files.readText('../etc/passwd')).toBeUndefined();
    expect(files.size('a')).toBeUndefined();
  });

  it('hashes contents with SHA-256 once per file', () => {
    const files = diskFiles(root);
    const expected = createHash('sha256').update('content of b.txt').digest('hex');
    expect(files.hash('b.txt')).toBe(expected);
    writeFileSync(join(root, 'b.txt'), 'changed');
    expect(files.hash('b.txt')).toBe(expected);
    expect(diskFiles(root).hash('b.txt')).not.toBe(expected);
  });
});
