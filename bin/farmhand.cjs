#!/usr/bin/env node
// The `farmhand` command: runs the bundle that `npm ci` (prepare) or `npm run build` wrote.
// CommonJS, so it runs as a plain script whatever the package's module type.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const bundle = join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!existsSync(bundle)) {
  process.stderr.write('farmhand: the command is not built yet; run `npm run build` in the farmhand folder\n');
  process.exit(2);
}
import(pathToFileURL(bundle).href);
