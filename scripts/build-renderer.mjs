// Bundles the window (renderer/) into dist/renderer/: index.html, app.js, app.css and the layout Web
// Worker (layout-thread.js). `farmhand serve` and the desktop app serve that folder as it is.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const outdir = 'dist/renderer';
mkdirSync(outdir, { recursive: true });
const common = { bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', minify: true, sourcemap: true, logLevel: 'warning',
  jsx: 'automatic', define: { 'process.env.NODE_ENV': '"production"' } };
await build({ ...common, entryPoints: ['renderer/main.tsx'], outfile: `${outdir}/app.js` });
await build({ ...common, entryPoints: ['renderer/dag/layout-thread.ts'], outfile: `${outdir}/layout-thread.js` });
copyFileSync('renderer/index.html', `${outdir}/index.html`);
copyFileSync('renderer/app.css', `${outdir}/app.css`);
