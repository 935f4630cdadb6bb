// Checks electron-builder.yml with electron-builder's own schema validation (app-builder-lib's
// validateConfiguration, the function `electron-builder` runs before packaging), so a typo fails here
// rather than after minutes of packaging. `npm run check:builder`; test/unit/electron uses it too.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);

/** Validates the electron-builder configuration in `file`; resolves to null, or to the problem in words. */
export async function checkBuilderConfig(file = 'electron-builder.yml') {
  let config;
  try {
    config = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return `${file}: ${error.message.split('\n')[0]}`;
  }
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
  const { DebugLogger } = require('builder-util');
  try {
    await validateConfiguration(config, new DebugLogger(false));
    return null;
  } catch (error) {
    return `${file}: ${summarize(error.message)}`;
  }
}

/** One line from electron-builder's long message: each problem with the page that documents it. */
function summarize(message) {
  const problems = [];
  for (const line of message.split('\n')) {
    const problem = /^ - (.*?):?$/.exec(line);
    if (problem) problems.push(problem[1]);
    const page = /Open (https:\S+)/.exec(line);
    if (page && problems.length > 0 && !problems.at(-1).includes('(see ')) problems[problems.length - 1] += ` (see ${page[1]})`;
  }
  return problems.length > 0 ? problems.join('; ') : message.split('\n')[0];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const problem = await checkBuilderConfig(process.argv[2]);
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(2);
  }
  process.stdout.write(`${process.argv[2] ?? 'electron-builder.yml'}: valid for electron-builder ${require('app-builder-lib/package.json').version}\n`);
}
