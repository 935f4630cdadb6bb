#!/usr/bin/env node
// The `farmhand` command: runs the bundle that `npm ci` (prepare) or `npm run build` wrote.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const bundle = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('farmhand: the command is not built yet; run `npm run build` in the farmhand folder\n');
  process.exit(2);
}
await import(bundle);
