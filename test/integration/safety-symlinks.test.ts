// Symbolic links never lead Farmhand's store or restore out of the workspace: a link output inside the
// workspace survives a cache restore as a link; a link to a host file is refused, not stored with the
// host file's content; a link planted in the workspace cannot make a restore write outside the project.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCli, tempProject, type TempProject } from '../helpers/cli';

beforeAll(() => buildCli());

let made: TempProject | undefined;
afterEach(() => {
  made?.close();
  made = undefined;
});

/** Every byte the artifact store holds, as one string (packs and loose blobs). */
function storeContent(stateDir: string): string {
  const parts: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) parts.push(readFileSync(path, 'latin1'));
    }
  };
  walk(join(stateDir, 'cas'));
  return parts.join('\n');
}

const run = (project: TempProject, ...extra: string[]) => runCli(['run', project.dir, '--state-dir', project.stateDir, ...extra]);

describe('symbolic links in outputs', () => {
  it('keeps lib.so -> lib.so.1 a link through store and restore', async () => {
    made = tempProject({
      'src.txt': 'v1\n',
      'farmhand.yml': 'name: p\njobs:\n  lib:\n    inputs: [src.txt]\n    outputs: ["out/**"]\n    run: mkdir -p out && cp src.txt out/lib.so.1 && ln -sf lib.so.1 out/lib.so\n',
    });
    expect((await run(made)).code).toBe(0);
    rmSync(join(made.dir, 'out'), { recursive: true });
    const again = await run(made);
    expect(again.stdout).toContain('1 cached');
    expect(lstatSync(join(made.dir, 'out/lib.so')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(made.dir, 'out/lib.so'))).toBe('lib.so.1');
    expect(readFileSync(join(made.dir, 'out/lib.so'), 'utf8')).toBe('v1\n');
  });

  it('refuses a link to a host file with a clear message, and stores none of its content', async () => {
    made = tempProject({ 'src.txt': 'v1\n' });
    const secret = join(made.dir, '..', 'host-secret.txt');
    const secretText = `host-secret-${process.pid}-${Date.now()}`;
    writeFileSync(secret, secretText);
    made.write('farmhand.yml', `name: p\njobs:\n  leak:\n    inputs: [src.txt]\n    outputs: ["out/**"]\n    run: mkdir -p out && ln -sf ${secret} out/secret\n`);
    const result = await run(made, '--report', join(made.dir, '..', 'report.json'));
    expect(result.code).toBe(1);
    const report = JSON.parse(readFileSync(join(made.dir, '..', 'report.json'), 'utf8')) as { jobs: { status: string; reason: string }[] };
    expect(report.jobs[0]).toMatchObject({ status: 'failed' });
    expect(report.jobs[0]!.reason).toBe(`could not read outputs: output out/secret is a symbolic link to ${secret}, outside the workspace; Farmhand stores only links that stay inside it`);
    expect(storeContent(made.stateDir)).not.toContain(secretText);
  });

  it('refuses a file reached through a linked folder that leaves the workspace', async () => {
    made = tempProject({ 'src.txt': 'v1\n' });
    const outside = join(made.dir, '..', 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'passwd'), 'host file\n');
    made.write('farmhand.yml', `name: p\njobs:\n  leak:\n    inputs: [src.txt]\n    outputs: ["out/**"]\n    run: ln -sfn ${outside} out\n`);
    const result = await run(made);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('output "out/**" is reached through a symbolic link that leads out of the workspace');
  });
});

describe('restores never write through a link', () => {
  // `plant` stands for a job (a container job, say) that plants a link in the workspace before a cached
  // job's outputs are restored; `lib` refuses to run through such a link itself, so only a restore could write there.
  const pipeline = [
    'name: p',
    'jobs:',
    '  plant:',
    '    run: if [ -f ../plant-now ]; then rm -rf out && ln -s "$(cat ../plant-now)" out; fi',
    '  lib:',
    '    needs: [plant]',
    '    inputs: [src.txt]',
    '    outputs: ["out/**"]',
    '    run: test ! -L out && mkdir -p out && cp src.txt out/lib.so',
    '',
  ].join('\n');

  it('a planted parent link to a host folder: the restore is refused with a warning and nothing is written there', async () => {
    made = tempProject({ 'src.txt': 'v1\n', 'farmhand.yml': pipeline });
    expect((await run(made)).code).toBe(0);
    const outside = join(made.dir, '..', 'host-folder');
    mkdirSync(outside);
    writeFileSync(join(made.dir, '..', 'plant-now'), outside);
    const again = await run(made);
    expect(again.stderr).toContain('p/lib: not restoring out/lib.so: out is a symbolic link that leads out of the workspace; running it instead');
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a final link to a host file is replaced by the restored file, the host file untouched', async () => {
    made = tempProject({ 'src.txt': 'v1\n', 'farmhand.yml': pipeline });
    expect((await run(made)).code).toBe(0);
    const victim = join(made.dir, '..', 'victim.txt');
    writeFileSync(victim, 'host content\n');
    rmSync(join(made.dir, 'out/lib.so'));
    symlinkSync(victim, join(made.dir, 'out/lib.so'));
    const again = await run(made);
    expect(again.stdout).toContain('1 cached');
    expect(readFileSync(victim, 'utf8')).toBe('host content\n');
    expect(lstatSync(join(made.dir, 'out/lib.so')).isFile()).toBe(true);
    expect(readFileSync(join(made.dir, 'out/lib.so'), 'utf8')).toBe('v1\n');
    expect(existsSync(join(made.dir, 'out'))).toBe(true);
  });
});
