// `farmhand init [DIR]`: writes a commented starter farmhand.yml suited to what the folder holds
// (package.json scripts, Cargo.toml, go.mod, a Makefile; else a generic one). Never overwrites.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { exitCodes } from '../exit-codes';

/** What `init` found in the folder: the files that decide the starter. */
export interface FoundProject {
  /** The folder's name, which becomes the pipeline's name (made lower case and valid). */
  folderName: string;
  /** Text of package.json, if any. */
  packageJson?: string;
  /** Which lockfile sits beside package.json. */
  lockfile?: 'package-lock.json' | 'npm-shrinkwrap.json' | 'yarn.lock' | 'pnpm-lock.yaml';
  /** Text of the Makefile (or makefile, GNUmakefile), if any. */
  makefile?: string;
  cargo: boolean;
  goMod: boolean;
}

/** The starter file, or why none can be written for what was found. */
export type Starter = { kind: string; text: string; jobs: string[] } | { error: string };

interface StarterJob {
  name: string;
  comment?: string;
  run: string;
  needs?: string[];
  inputs?: string[];
}

/** Folders that tools write into: left out of `inputs` so that a build's own output never changes its key. */
const generatedFolders = ['dist', 'build', 'out', 'coverage', 'target'];
const everyInput = ['**', ...generatedFolders.map((folder) => `!${folder}/**`)];

/** npm lifecycle and long-running scripts: not checks to run in a build. */
const skippedScripts = /^(pre|post)|^(prepare|prepublish|install|uninstall|start|dev|serve|watch|preview|clean)$/;
const safeScriptName = /^[A-Za-z0-9][A-Za-z0-9:._-]*$/;

/** A name valid for a pipeline (`[a-z0-9][a-z0-9._-]*`), from any text; `fallback` when nothing is left. */
export function pipelineName(text: string, fallback = 'build'): string {
  const name = text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').replace(/-+$/, '');
  return name === '' ? fallback : name;
}

/** A YAML scalar that reads back as exactly `text` (JSON strings are YAML double-quoted scalars). */
function quote(text: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9 ./_=-]*$/.test(text) && !/^(true|false|null|yes|no|on|off|~)$/i.test(text) && !/^[0-9.]+$/.test(text) ? text : JSON.stringify(text);
}

function list(items: readonly string[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
}

function nodeJobs(found: FoundProject): StarterJob[] | { error: string } {
  let scripts: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(found.packageJson ?? '{}');
    const raw = (parsed as { scripts?: unknown } | null)?.scripts;
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) scripts = raw as Record<string, unknown>;
  } catch (error) {
    return { error: `is not valid JSON (${error instanceof Error ? error.message : String(error)}); fix it, or write farmhand.yml by hand` };
  }
  const install: Record<NonNullable<FoundProject['lockfile']> | 'none', string> = {
    'package-lock.json': 'npm ci', 'npm-shrinkwrap.json': 'npm ci', 'yarn.lock': 'yarn install --frozen-lockfile', 'pnpm-lock.yaml': 'pnpm install --frozen-lockfile', none: 'npm install',
  };
  const runner = found.lockfile === 'yarn.lock' ? 'yarn run' : found.lockfile === 'pnpm-lock.yaml' ? 'pnpm run' : 'npm run';
  const jobs: StarterJob[] = [{
    name: 'install',
    comment: 'No `inputs`, so never cached: node_modules is not part of the project\'s files and could not be restored.',
    run: install[found.lockfile ?? 'none'],
  }];
  const names = new Set(['install']);
  for (const script of Object.keys(scripts)) {
    if (skippedScripts.test(script) || !safeScriptName.test(script) || typeof scripts[script] !== 'string') continue;
    const name = script.replace(/[^A-Za-z0-9._-]/g, '-');
    if (names.has(name)) continue;
    names.add(name);
    jobs.push({ name, run: `${runner} ${script}`, needs: ['install'], inputs: everyInput });
  }
  // Tests usually run against what `build` made.
  const build = jobs.find((job) => job.name === 'build');
  for (const job of jobs) if (build && job !== build && job.name !== 'install' && /test|e2e/.test(job.name)) job.needs = ['build'];
  return jobs;
}

function makeJobs(makefile: string): StarterJob[] {
  const targets = new Set([...makefile.matchAll(/^([A-Za-z0-9][A-Za-z0-9._-]*)\s*:(?!=)/gm)].map((match) => match[1] as string));
  const jobs: StarterJob[] = [{ name: 'build', comment: 'The Makefile\'s default target.', run: 'make', inputs: everyInput }];
  for (const target of ['lint', 'check', 'test']) {
    if (targets.has(target)) jobs.push({ name: target, run: `make ${target}`, needs: ['build'], inputs: everyInput });
  }
  return jobs;
}

const cargoJobs: StarterJob[] = [
  { name: 'build', run: 'cargo build', inputs: everyInput },
  { name: 'test', run: 'cargo test', needs: ['build'], inputs: everyInput },
  { name: 'lint', comment: 'Needs the clippy component (`rustup component add clippy`).', run: 'cargo clippy -- -D warnings', inputs: everyInput },
];

const goJobs: StarterJob[] = [
  { name: 'build', run: 'go build ./...', inputs: everyInput },
  { name: 'vet', run: 'go vet ./...', inputs: everyInput },
  { name: 'test', run: 'go test ./...', needs: ['build'], inputs: everyInput },
];

const genericJobs: StarterJob[] = [
  { name: 'hello', comment: 'Replace with your own commands; a list runs in order in one shell, the first failure fails the job.', run: 'echo "hello from ${{ job.name }}"' },
];

/** The starter farmhand.yml for what was found: the first of package.json, Cargo.toml, go.mod, Makefile; else a generic one. */
export function starterFor(found: FoundProject): Starter {
  const others = [found.packageJson !== undefined && 'package.json', found.cargo && 'Cargo.toml', found.goMod && 'go.mod', found.makefile !== undefined && 'Makefile'].filter((name): name is string => name !== false);
  let kind = 'generic';
  let jobs: StarterJob[] = genericJobs;
  if (found.packageJson !== undefined) {
    const node = nodeJobs(found);
    if ('error' in node) return node;
    [kind, jobs] = ['package.json', node];
  } else if (found.cargo) [kind, jobs] = ['Cargo.toml', cargoJobs];
  else if (found.goMod) [kind, jobs] = ['go.mod', goJobs];
  else if (found.makefile !== undefined) [kind, jobs] = ['Makefile', makeJobs(found.makefile)];
  const also = others.filter((name) => name !== kind);
  return { kind, text: render(pipelineName(found.folderName), kind, also, jobs), jobs: jobs.map((job) => job.name) };
}

function render(name: string, kind: string, also: readonly string[], jobs: readonly StarterJob[]): string {
  const lines = [
    `# Farmhand pipelines of this project, written by \`farmhand init\` from ${kind === 'generic' ? 'nothing it recognised' : `its ${kind}`}.`,
    ...(also.length > 0 ? [`# Also found: ${also.join(', ')} (add jobs for it below if it does more).`] : []),
    '# Try it: `farmhand plan` shows the DAG, `farmhand run` runs it; a second run reuses cached results.',
    '# Every key is described in docs/pipeline-format.md of Farmhand\'s repository.',
    'version: 1',
    `name: ${name}                # one pipeline per YAML document; add more after a \`---\` line`,
    '# pool: default             # which agents may run its jobs',
    '# image: debian:12          # run every job in this container (needs Docker); without it jobs are plain processes',
    '# timeout: 30m              # default time limit of each job',
    'jobs:',
  ];
  for (const job of jobs) {
    lines.push(`  ${job.name}:`);
    if (job.comment) lines.push(`    # ${job.comment}`);
    lines.push(`    run: ${quote(job.run)}`);
    if (job.needs) lines.push(`    needs: ${list(job.needs)}`);
    if (job.inputs) lines.push(`    inputs: ${list(job.inputs)}   # files whose content is hashed into the cache key`);
  }
  lines.push(
    '  # A job fans out over a matrix and keeps its outputs in the cache:',
    '  # package:',
    '  #   needs: [...]',
    '  #   matrix: { target: [linux, darwin] }',
    '  #   run: ./package.sh ${{ matrix.target }}',
    '  #   inputs: ["src/**"]',
    '  #   outputs: ["dist/${{ matrix.target }}/**"]',
  );
  return `${lines.join('\n')}\n`;
}

function readIfFile(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Looks at the folder's files (no deeper than its top level). */
export function findProject(dir: string): FoundProject {
  const has = (name: string) => existsSync(join(dir, name));
  const lockfiles = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock'] as const;
  const found: FoundProject = { folderName: basename(dir), cargo: has('Cargo.toml'), goMod: has('go.mod') };
  const packageJson = readIfFile(join(dir, 'package.json'));
  if (packageJson !== undefined) found.packageJson = packageJson;
  const lockfile = lockfiles.find(has);
  if (lockfile) found.lockfile = lockfile;
  const makefile = ['GNUmakefile', 'makefile', 'Makefile'].map((name) => readIfFile(join(dir, name))).find((text) => text !== undefined);
  if (makefile !== undefined) found.makefile = makefile;
  return found;
}

/** Why `init` must not write into `dir`, or undefined when it may. */
function existingSpec(dir: string): string | undefined {
  if (existsSync(join(dir, 'farmhand.yml'))) return `${join(dir, 'farmhand.yml')} already exists; edit it, or remove it to start over`;
  const folder = join(dir, '.farmhand');
  const inFolder = existsSync(folder) && statSync(folder).isDirectory() ? readdirSync(folder).filter((name) => /\.ya?ml$/.test(name) && !/^settings\.ya?ml$/.test(name)) : [];
  if (inFolder.length > 0) return `${folder}/ already holds pipelines (${inFolder.join(', ')}); a farmhand.yml beside it would be ambiguous`;
  return undefined;
}

/** Runs `farmhand init`; returns the exit code. */
export function initCommand(dir: string | undefined, io: { stdout: (text: string) => void; stderr: (text: string) => void; cwd: string }): number {
  const root = resolve(io.cwd, dir ?? '.');
  try {
    if (existsSync(root) && !statSync(root).isDirectory()) {
      io.stderr(`farmhand init: ${dir ?? root} is not a folder\n`);
      return exitCodes.badInput;
    }
    const refused = existingSpec(root);
    if (refused) {
      io.stderr(`farmhand init: ${refused}\n`);
      return exitCodes.badInput;
    }
    const starter = starterFor(findProject(root));
    if ('error' in starter) {
      io.stderr(`farmhand init: ${join(root, 'package.json')} ${starter.error}\n`);
      return exitCodes.badInput;
    }
    mkdirSync(root, { recursive: true });
    // `wx`: never replace a file that appeared since the check.
    writeFileSync(join(root, 'farmhand.yml'), starter.text, { flag: 'wx' });
    const from = starter.kind === 'generic' ? 'a generic starter' : `from ${starter.kind}`;
    io.stdout(`wrote ${join(root, 'farmhand.yml')} (${from}; jobs: ${starter.jobs.join(', ')}); next: farmhand plan${dir ? ` ${dir}` : ''}\n`);
    return exitCodes.success;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    io.stderr(`farmhand init: cannot write into ${root}: ${reason}\n`);
    return exitCodes.badInput;
  }
}

/** Registers `farmhand init`. */
export function registerInit(program: Command): void {
  program
    .command('init [dir]')
    .description('write a commented starter farmhand.yml for DIR (default: the current folder); never overwrites')
    .action((dir: string | undefined) => {
      process.exitCode = initCommand(dir, { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), cwd: process.cwd() });
    });
}
