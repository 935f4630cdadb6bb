import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultWindowState, fitToDisplays, loadWindowState, parseWindowState, rememberProject, saveWindowState } from '../../../electron/window-state';
import type { WindowState } from '../../../electron/window-state';

const dir = mkdtempSync(join(tmpdir(), 'farmhand-window-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const saved: WindowState = { bounds: { x: 120, y: 80, width: 1400, height: 900 }, maximized: true, projects: ['/home/ada/src/app', '/home/ada/src/lib'] };

describe('window state file', () => {
  it('round-trips through the file', () => {
    const file = join(dir, 'round-trip.json');
    saveWindowState(file, saved);
    expect(loadWindowState(file)).toEqual({ state: saved });
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a missing file is the defaults, without a warning', () => {
    expect(loadWindowState(join(dir, 'missing.json'))).toEqual({ state: defaultWindowState });
  });

  it('a broken file gives the defaults and a one-line warning naming the file', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"bounds": {"width": 1400,');
    const result = loadWindowState(file);
    expect(result.state).toEqual(defaultWindowState);
    expect(result.warning).toMatch(new RegExp(`^${file}: not JSON`));
    expect(result.warning).not.toContain('\n');
  });

  it('overwrites the old file whole', () => {
    const file = join(dir, 'overwrite.json');
    saveWindowState(file, saved);
    saveWindowState(file, defaultWindowState);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(defaultWindowState);
  });
});

describe('parseWindowState', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an array', [], /expected an object/],
    ['no bounds', { projects: [] }, /`bounds` must be an object/],
    ['a tiny window', { bounds: { width: 10, height: 900 } }, /bounds.width must be a whole number from 640/],
    ['a string height', { bounds: { width: 1000, height: '900' } }, /bounds.height/],
    ['a fractional x', { bounds: { x: 1.5, y: 0, width: 1000, height: 900 } }, /bounds.x must be a whole number/],
    ['a wrong maximized', { bounds: { width: 1000, height: 900 }, maximized: 'yes' }, /`maximized` must be true or false/],
    ['projects not a list', { bounds: { width: 1000, height: 900 }, projects: '/a' }, /`projects` must be a list/],
    ['a relative project', { bounds: { width: 1000, height: 900 }, projects: ['/a', 'b'] }, /projects\[1\] must be an absolute folder path/],
  ];
  for (const [name, data, message] of cases) {
    it(`refuses ${name}`, () => {
      const result = parseWindowState(JSON.stringify(data), 'state.json');
      expect(result.warning).toMatch(message);
      expect(result.warning).toMatch(/^state.json: /);
      expect(result.state).toEqual(defaultWindowState);
    });
  }

  it('keeps a size without a position, and drops duplicate projects', () => {
    const result = parseWindowState(JSON.stringify({ bounds: { x: 5, width: 1000, height: 700 }, projects: ['/a', '/a', '/b'] }), 'f');
    expect(result).toEqual({ state: { bounds: { width: 1000, height: 700 }, maximized: false, projects: ['/a', '/b'] } });
  });
});

describe('rememberProject', () => {
  it('puts the folder first, once, and keeps at most 20', () => {
    let state = defaultWindowState;
    for (let index = 0; index < 25; index += 1) state = rememberProject(state, `/p/${index}`);
    state = rememberProject(state, '/p/10');
    expect(state.projects[0]).toBe('/p/10');
    expect(state.projects).toHaveLength(20);
    expect(new Set(state.projects).size).toBe(20);
    expect(defaultWindowState.projects).toEqual([]);
  });
});

describe('fitToDisplays', () => {
  const laptop = { x: 0, y: 0, width: 1440, height: 900 };
  const monitor = { x: 1440, y: 0, width: 2560, height: 1440 };

  it('keeps a window that shows on a display', () => {
    expect(fitToDisplays({ x: 1600, y: 100, width: 1400, height: 900 }, [laptop, monitor])).toEqual({ x: 1600, y: 100, width: 1400, height: 900 });
  });

  it('centres a window left on an unplugged monitor', () => {
    expect(fitToDisplays({ x: 1600, y: 100, width: 1400, height: 900 }, [laptop])).toEqual({ width: 1400, height: 900 });
  });

  it('centres a window whose title bar is off screen', () => {
    expect(fitToDisplays({ x: 100, y: -500, width: 1000, height: 800 }, [laptop])).toEqual({ width: 1000, height: 800 });
  });

  it('shrinks a window larger than every display', () => {
    expect(fitToDisplays({ x: 0, y: 0, width: 3000, height: 2000 }, [laptop])).toEqual({ x: 0, y: 0, width: 1440, height: 900 });
  });
});
