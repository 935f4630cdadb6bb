// Renders the desktop app's icons from the one source, resources/icon.svg: PNGs from 16 to 1024 px
// (resources/icons/NxN.png, Linux and the window), icon.png, tray.png and tray@2x.png, icon.icns
// (macOS) and icon.ico (Windows). The outputs are committed; run this after changing the SVG.
// Needs rsvg-convert (Debian: `apt-get install -y librsvg2-bin`; macOS: `brew install librsvg`).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import png2icons from 'png2icons';

const resources = 'resources';
const source = join(resources, 'icon.svg');
const sizes = [16, 24, 32, 48, 64, 128, 256, 512, 1024];

function render(size, file) {
  const result = spawnSync('rsvg-convert', ['--width', String(size), '--height', String(size), '--format', 'png', '--output', file, source], { encoding: 'utf8' });
  if (result.error) {
    process.stderr.write(`render-icons: cannot run rsvg-convert (${result.error.message}); install it: apt-get install -y librsvg2-bin\n`);
    process.exit(2);
  }
  if (result.status !== 0) {
    process.stderr.write(`render-icons: rsvg-convert failed on ${source}: ${result.stderr.trim().split('\n')[0]}\n`);
    process.exit(2);
  }
}

mkdirSync(join(resources, 'icons'), { recursive: true });
for (const size of sizes) render(size, join(resources, 'icons', `${size}x${size}.png`));
copyFileSync(join(resources, 'icons', '1024x1024.png'), join(resources, 'icon.png'));
copyFileSync(join(resources, 'icons', '16x16.png'), join(resources, 'tray.png'));
copyFileSync(join(resources, 'icons', '32x32.png'), join(resources, 'tray@2x.png'));

const large = readFileSync(join(resources, 'icon.png'));
const icns = png2icons.createICNS(large, png2icons.BICUBIC, 0);
// forWinExe: PNG chunks for the large sizes, BMP below 64 px, as older Windows shell dialogs need.
const ico = png2icons.createICO(large, png2icons.BICUBIC, 0, false, true);
if (!icns || !ico) {
  process.stderr.write('render-icons: png2icons could not convert resources/icon.png\n');
  process.exit(1);
}
writeFileSync(join(resources, 'icon.icns'), icns);
writeFileSync(join(resources, 'icon.ico'), ico);
process.stdout.write(`render-icons: ${sizes.length} PNG sizes, tray icons, icon.icns (${icns.length} bytes), icon.ico (${ico.length} bytes)\n`);
