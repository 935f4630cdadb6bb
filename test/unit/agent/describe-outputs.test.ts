// The agent describes a job's outputs where it ran: matching files and links, hashed in chunks, with
// the safety rules of docs/safety.md (links out of the workspace refused).
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeOutputs } from '../../../agent/describe-outputs';

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

let base: string;
let root: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'farmhand-describe-'));
  root = join(base, 'project');
  mkdirSync(join(root, 'out', 'deep'), { recursive: true });
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('describeOutputs', () => {
  it('describes matching files (sorted, with mode), skips others and .git, and hashes a file larger than one chunk', async () => {
    const big = Buffer.alloc(200_000, 7);
    big.write('end', 199_990);
    writeFileSync(join(root, 'out', 'big.bin'), big);
    writeFileSync(join(root, 'out', 'deep', 'a.txt'), 'a\n');
    chmodSync(join(root, 'out', 'deep', 'a.txt'), 0o755);
    writeFileSync(join(root, 'out', 'skip.log'), 'no\n');
    writeFileSync(join(root, 'top.txt'), 'top\n');
    mkdirSync(join(root, 'out', '.git'));
    writeFileSync(join(root, 'out', '.git', 'HEAD.bin'), 'ref\n');
    const files = await describeOutputs(root, ['out/**/*.bin', 'out/deep', 'top.txt']);
    expect(files).toEqual([
      { path: 'out/big.bin', size: 200_000, sha256: sha(big), mode: expect.any(Number) },
      { path: 'out/deep/a.txt', size: 2, sha256: sha('a\n'), mode: 0o755 },
      { path: 'top.txt', size: 4, sha256: sha('top\n'), mode: expect.any(Number) },
    ]);
  });

  it('sends small files\' bytes along while the budget lasts, never a file over one chunk', async () => {
    writeFileSync(join(root, 'out', 'a.txt'), 'a'.repeat(600));
    writeFileSync(join(root, 'out', 'b.txt'), 'b'.repeat(300));
    writeFileSync(join(root, 'out', 'c.txt'), 'c'.repeat(300));
    writeFileSync(join(root, 'out', 'd.bin'), Buffer.alloc(70_000, 1));
    const files = await describeOutputs(root, ['out/*'], 1000);
    expect(files.map((file) => [file.path, file.content && Buffer.from(file.content).toString()])).toEqual([
      ['out/a.txt', 'a'.repeat(600)],
      ['out/b.txt', 'b'.repeat(300)],
      // 900 of the 1,000 bytes are spent: c.txt is described, and the coordinator reads it.
      ['out/c.txt', undefined],
      ['out/d.bin', undefined],
    ]);
    expect(files[0]!.sha256).toBe(sha('a'.repeat(600)));
    // Without a budget (a LAN agent), no bytes go along.
    expect((await describeOutputs(root, ['out/*'])).some((file) => file.content !== undefined)).toBe(false);
  });

  it('has no outputs without globs, and none for a glob that matches nothing', async () => {
    expect(await describeOutputs(root, [])).toEqual([]);
    expect(await describeOutputs(root, ['missing/**', 'nothing.txt'])).toEqual([]);
  });

  it('describes a link inside the workspace as a link, an absolute one made relative', async () => {
    writeFileSync(join(root, 'out', 'lib.so.1'), 'lib\n');
    symlinkSync('lib.so.1', join(root, 'out', 'lib.so'));
    symlinkSync(join(root, 'out', 'lib.so.1'), join(root, 'out', 'abs.so'));
    const files = await describeOutputs(root, ['out/*.so']);
    expect(files).toEqual([
      { path: 'out/abs.so', size: 8, sha256: sha('lib.so.1'), mode: 0o777, link: 'lib.so.1' },
      { path: 'out/lib.so', size: 8, sha256: sha('lib.so.1'), mode: 0o777, link: 'lib.so.1' },
    ]);
  });

  it('refuses a link to a host file with the user-facing message', async () => {
    writeFileSync(join(base, 'secret.txt'), 'host\n');
    symlinkSync(join(base, 'secret.txt'), join(root, 'out', 'secret'));
    await expect(describeOutputs(root, ['out/**'])).rejects.toThrow(`output out/secret is a symbolic link to ${join(base, 'secret.txt')}, outside the workspace; Farmhand stores only links that stay inside it`);
  });

  it('refuses a glob whose folder is a link leading out of the workspace, and a file below such a folder', async () => {
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'passwd'), 'host\n');
    rmSync(join(root, 'out'), { recursive: true });
    symlinkSync(join(base, 'outside'), join(root, 'out'));
    await expect(describeOutputs(root, ['out/**'])).rejects.toThrow('output "out/**" is reached through a symbolic link that leads out of the workspace');
    mkdirSync(join(root, 'gen'));
    symlinkSync(join(base, 'outside'), join(root, 'gen', 'linked'));
    await expect(describeOutputs(root, ['gen/linked/passwd'])).rejects.toThrow('output "gen/linked/passwd" is reached through a symbolic link that leads out of the workspace');
    // A glob's walk does not enter a linked folder at all.
    expect(await describeOutputs(root, ['gen/**'])).toEqual([]);
  });
});
