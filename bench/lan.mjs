// `npm run bench:lan`: bundles bench/lan.ts (it reuses the TypeScript helpers of test/helpers) into
// test/.tmp with esbuild and runs it. The bundle sits two folders under the repo root, as the helpers'
// `__dirname` arithmetic expects.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const outfile = join(repoRoot, 'test/.tmp', `bench-lan-${process.pid}.cjs`);
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(repoRoot, 'bench/lan.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs',
  outfile, packages: 'external', logLevel: 'warning',
});
const result = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: repoRoot });
rmSync(outfile, { force: true });
process.exit(result.status ?? 1);
