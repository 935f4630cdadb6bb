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
// A closed stdout or stderr (`farmhand plan | head`, `plan --format dot | dot` without Graphviz, a closed
// terminal) ends the command quietly instead of with an EPIPE stack: later writes go nowhere, and a
// command that listens (`farmhand run`) cancels its jobs first; any other command exits at once.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'EIO' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    stream.write = (_chunk, encoding, callback) => {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') process.nextTick(done);
      return true;
    };
    if (process.listenerCount('farmhand:output-closed') > 0) process.emit('farmhand:output-closed');
    else process.exit(process.exitCode ?? 0);
  });
}
import(pathToFileURL(bundle).href);
