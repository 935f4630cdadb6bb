// Packaging inputs: electron-builder.yml passes electron-builder's own schema validation (and a
// broken one does not), and the committed icons are what the builders expect.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error: a plain .mjs script without type declarations
import { checkBuilderConfig } from '../../../scripts/check-builder-config.mjs';

const check = checkBuilderConfig as (file?: string) => Promise<string | null>;
const dir = mkdtempSync(join(tmpdir(), 'farmhand-packaging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('electron-builder.yml', () => {
  it('is valid for electron-builder', async () => {
    expect(await check('electron-builder.yml')).toBeNull();
  });

  it('targets AppImage and deb, a universal dmg and nsis, and rebuilds native modules', () => {
    const config = parse(readFileSync('electron-builder.yml', 'utf8'));
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['universal'] }]);
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
  });

  it('the check fails a configuration with an unknown or mistyped option, in one line', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'appId: x\nbogus: 1\nnsis:\n  oneClick: "no"\n');
    const problem = await check(file);
    expect(problem).toMatch(/unknown property 'bogus'/);
    expect(problem).toMatch(/nsis.oneClick should be a boolean/);
    expect(problem).not.toContain('\n');
  });

  it('the check reports YAML errors with the file name', async () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'appId: [x\n');
    expect(await check(file)).toMatch(new RegExp(`^${file}: .*line 2`));
  });
});

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const data = readFileSync(file);
  expect(data.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [data.readUInt32BE(16), data.readUInt32BE(20)];
}

describe('icons', () => {
  it('has every PNG size from 16 to 1024 px at its size', () => {
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) expect(pngSize(`resources/icons/${size}x${size}.png`)).toEqual([size, size]);
    expect(pngSize('resources/icon.png')).toEqual([1024, 1024]);
    expect(pngSize('resources/tray.png')).toEqual([16, 16]);
    expect(pngSize('resources/tray@2x.png')).toEqual([32, 32]);
  });

  it('has an .icns whose header and length agree, with a 1024 px entry', () => {
    const icns = readFileSync('resources/icon.icns');
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: string[] = [];
    for (let offset = 8; offset < icns.length; offset += icns.readUInt32BE(offset + 4)) types.push(icns.subarray(offset, offset + 4).toString('latin1'));
    expect(types).toContain('ic10'); // 512@2x = 1024 px
    expect(types).toContain('ic07'); // 128 px
  });

  it('has an .ico with 16 to 256 px images', () => {
    const ico = readFileSync('resources/icon.ico');
    expect(ico.readUInt16LE(0)).toBe(0);
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    const sizes = Array.from({ length: count }, (_, index) => ico.readUInt8(6 + index * 16) || 256);
    expect(sizes).toEqual(expect.arrayContaining([16, 32, 48, 256]));
  });

  it('comes from one SVG source', () => {
    expect(readFileSync('resources/icon.svg', 'utf8')).toMatch(/^<svg [^>]*viewBox="0 0 1024 1024"/);
  });
});
