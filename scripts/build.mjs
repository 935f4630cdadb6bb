// Bundles the command line and the Electron main process with esbuild, so `npx farmhand` starts fast
// without a TypeScript loader. Native and heavy packages stay external and load from node_modules.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const external = ['better-sqlite3', 'dockerode', 'bonjour-service', 'ws', 'electron', 'cpu-features', 'ssh2'];
const common = { bundle: true, platform: 'node', target: 'node20', format: 'esm', sourcemap: true, external, logLevel: 'warning',
  banner: { js: "import { createRequire as __farmhandCreateRequire } from 'node:module'; const require = __farmhandCreateRequire(import.meta.url);" } };

// Code splitting keeps what a command may never need (dockerode and the Docker executor) out of
// start-up: it loads on first use.
await build({ ...common, entryPoints: ['cli/main.ts'], outdir: 'dist/cli', splitting: true, chunkNames: 'chunks/[name]-[hash]' });
if (existsSync('electron/main.ts')) await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.js' });
// A sandboxed preload cannot be an ES module: CommonJS, with only `electron` left external.
if (existsSync('electron/preload.ts')) await build({ bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['electron'], logLevel: 'warning', entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
await import('./build-renderer.mjs');
