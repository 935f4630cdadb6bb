import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderFromArgv, handleSecondInstance } from '../../../electron/single-instance';
import type { LaunchContext } from '../../../electron/single-instance';

const root = mkdtempSync(join(tmpdir(), 'farmhand-single-instance-'));
const project = join(root, 'app');
mkdirSync(project);
writeFileSync(join(root, 'notes.txt'), 'not a folder');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};
const packaged: LaunchContext = { isPackaged: true, cwd: root, isDirectory };
const development: LaunchContext = { isPackaged: false, cwd: root, isDirectory };

describe('folderFromArgv', () => {
  it('takes the first argument after the executable of a packaged app', () => {
    expect(folderFromArgv(['/opt/Farmhand/farmhand-desktop', project], packaged)).toBe(project);
  });

  it('skips the app path of `electron .`', () => {
    expect(folderFromArgv(['/usr/bin/electron', '.', project], development)).toBe(project);
    expect(folderFromArgv(['/usr/bin/electron', '.'], development)).toBeNull();
  });

  it('resolves a relative folder against the launch working directory', () => {
    expect(folderFromArgv(['farmhand-desktop', 'app'], packaged)).toBe(project);
    expect(folderFromArgv(['farmhand-desktop', './app/'], packaged)).toBe(project);
  });

  it('skips switches Chromium and macOS add', () => {
    const argv = ['farmhand-desktop', '--allow-file-access-from-files', '--original-process-start-time=13370000', '-psn_0_12345', project];
    expect(folderFromArgv(argv, packaged)).toBe(project);
  });

  it('ignores a missing folder or a file', () => {
    expect(folderFromArgv(['farmhand-desktop', join(root, 'missing')], packaged)).toBeNull();
    expect(folderFromArgv(['farmhand-desktop', join(root, 'notes.txt')], packaged)).toBeNull();
    expect(folderFromArgv(['farmhand-desktop'], packaged)).toBeNull();
  });
});

describe('handleSecondInstance', () => {
  it('focuses the window and opens the second launch folder', () => {
    const calls: string[] = [];
    const folder = handleSecondInstance(['farmhand-desktop', 'app'], packaged, { focusWindow: () => calls.push('focus'), openFolder: (dir) => calls.push(`open ${dir}`) });
    expect(folder).toBe(project);
    expect(calls).toEqual(['focus', `open ${project}`]);
  });

  it('only focuses when the second launch names no folder', () => {
    const calls: string[] = [];
    handleSecondInstance(['farmhand-desktop', '--some-switch'], packaged, { focusWindow: () => calls.push('focus'), openFolder: (dir) => calls.push(`open ${dir}`) });
    expect(calls).toEqual(['focus']);
  });
});
