import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openArtifactStore } from '../../../core/store/artifact-store';
import { openBlobPacks } from '../../../core/store/blob-packs';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'farmhand-packs-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('blob packs', () => {
  it('finds what another process appended after it opened (the index is read again on a miss)', () => {
    const dir = scratch();
    const reader = openBlobPacks(dir, 0);
    const writer = openBlobPacks(dir, 0);
    expect(reader.has(sha('late'))).toBe(false);
    writer.append(sha('late'), Buffer.from('late'));
    expect(reader.has(sha('late'))).toBe(true);
    expect(reader.read(sha('late'))?.toString()).toBe('late');
    writer.append(sha('later'), Buffer.from('later'));
    expect(reader.read(sha('later'))?.toString()).toBe('later');
    reader.close();
    writer.close();
  });

  it('does not read the indexes again for misses closer together than its refresh interval', () => {
    const dir = scratch();
    const reader = openBlobPacks(dir, 60_000);
    const writer = openBlobPacks(dir, 0);
    expect(reader.has(sha('x'))).toBe(false);
    writer.append(sha('x'), Buffer.from('x'));
    expect(reader.has(sha('x'))).toBe(false);
    reader.close();
    writer.close();
  });

  it('appends blobs once and reads them back, also after reopening', () => {
    const dir = scratch();
    const packs = openBlobPacks(dir);
    packs.append(sha('one'), Buffer.from('one'));
    packs.append(sha('two'), Buffer.from('two'));
    packs.append(sha('one'), Buffer.from('one'));
    expect(packs.read(sha('two'))?.toString()).toBe('two');
    packs.close();
    const again = openBlobPacks(dir);
    expect(again.read(sha('one'))?.toString()).toBe('one');
    expect(again.has(sha('three'))).toBe(false);
    expect(readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('.pack'))!), 'utf8')).toBe('onetwo');
    again.close();
  });

  it('two writers use packs of their own; a reader sees both', () => {
    const dir = scratch();
    const a = openBlobPacks(dir);
    const b = openBlobPacks(dir);
    a.append(sha('from a'), Buffer.from('from a'));
    b.append(sha('from b'), Buffer.from('from b'));
    a.close();
    b.close();
    const reader = openBlobPacks(dir);
    expect([reader.read(sha('from a'))?.toString(), reader.read(sha('from b'))?.toString()]).toEqual(['from a', 'from b']);
    reader.close();
  });

  it('ignores an index entry that reaches past its pack (a torn write)', () => {
    const dir = scratch();
    const packs = openBlobPacks(dir);
    packs.append(sha('kept'), Buffer.from('kept'));
    packs.close();
    const index = readdirSync(dir).find((n) => n.endsWith('.idx'))!;
    appendFileSync(join(dir, index), `${sha('torn')} 4 100\n`);
    const again = openBlobPacks(dir);
    expect(again.has(sha('kept'))).toBe(true);
    expect(again.has(sha('torn'))).toBe(false);
    again.close();
  });

  it('the artifact store restores a packed output and refuses a corrupted one', async () => {
    const dir = scratch();
    const workspace = scratch();
    writeFileSync(join(workspace, 'out.txt'), 'output bytes');
    const store = openArtifactStore(join(dir, 'cas'));
    const { file, content } = store.describe(join(workspace, 'out.txt'), 'out.txt');
    expect(await store.putDescribed(join(workspace, 'out.txt'), file, content)).toBe(true);
    expect(store.has(file.sha256)).toBe(true);
    store.restore(file, join(workspace, 'copy.txt'));
    expect(readFileSync(join(workspace, 'copy.txt'), 'utf8')).toBe('output bytes');
    await store.close();

    const pack = join(dir, 'cas', 'packs', readdirSync(join(dir, 'cas', 'packs')).find((n) => n.endsWith('.pack'))!);
    writeFileSync(pack, 'OUTPUT BYTES');
    const reopened = openArtifactStore(join(dir, 'cas'));
    expect(() => reopened.restore(file, join(workspace, 'bad.txt'))).toThrow(/is corrupt/);
    await reopened.close();
  });
});
