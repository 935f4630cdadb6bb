import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openState, resolveStateDir } from '../../../core/store/state-dir';
import { createScratch } from './store-fixtures';

const scratch = createScratch();
afterEach(() => scratch.cleanup());

describe('resolveStateDir', () => {
  it('prefers the flag, then FARMHAND_STATE_DIR', () => {
    const env = { FARMHAND_STATE_DIR: '/env/state', XDG_DATA_HOME: '/xdg' };
    expect(resolveStateDir('/flag', env, 'linux', '/home/u')).toBe('/flag');
    expect(resolveStateDir(undefined, env, 'linux', '/home/u')).toBe('/env/state');
    expect(resolveStateDir('', { FARMHAND_STATE_DIR: '' }, 'linux', '/home/u')).toBe('/home/u/.local/share/farmhand');
  });

  it('falls back to the user data dir of each platform', () => {
    expect(resolveStateDir(undefined, {}, 'linux', '/home/u')).toBe('/home/u/.local/share/farmhand');
    expect(resolveStateDir(undefined, { XDG_DATA_HOME: '/data' }, 'linux', '/home/u')).toBe('/data/farmhand');
    expect(resolveStateDir(undefined, { XDG_DATA_HOME: 'relative' }, 'freebsd', '/home/u')).toBe('/home/u/.local/share/farmhand');
    expect(resolveStateDir(undefined, { XDG_DATA_HOME: '/data' }, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/farmhand');
    expect(resolveStateDir(undefined, { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\farmhand');
    expect(resolveStateDir(undefined, {}, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\farmhand');
  });
});

describe('openState', () => {
  it('creates the dir with farmhand.db and cas/', () => {
    const dir = join(scratch.dir(), 'nested', 'state');
    const state = openState(dir);
    try {
      expect(state.dir).toBe(dir);
      expect(state.store.nextBuildId()).toBe('b-0001');
      expect(existsSync(join(dir, 'farmhand.db'))).toBe(true);
      expect(existsSync(join(dir, 'cas'))).toBe(true);
      expect(state.artifacts.has('0'.repeat(64))).toBe(false);
    } finally {
      state.close();
    }
  });
});
