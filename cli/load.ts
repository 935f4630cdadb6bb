// Loading a project for a command (plan, run): diagnostics and warnings printed one a line with
// paths as the user would open them, exit code 2 on bad input (a folder that is missing, a file, or
// holds no pipelines included); and the `--only` selectors both commands take.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { MeasuredDurations } from '../core/plan/estimates';
import { planWarnings } from '../core/plan/plan-warnings';
import { selectJobs, unknownSelectors } from '../core/plan/select-jobs';
import type { Plan } from '../core/plan/types';
import { loadProject, type LoadedProject } from '../core/project/load-project';
import { formatDiagnostic, sortDiagnostics } from '../core/spec/diagnostics';
import { folder, rootFile, workspaceFile } from '../core/spec/project-files';
import { openStore } from '../core/store/sqlite-store';
import type { Diagnostic } from '../core/spec/types';
import { exitCodes } from './exit-codes';

export interface LoadIo {
  stderr: (text: string) => void;
  cwd: string;
  /** The state dir whose earlier builds give job durations for priorities; none: unit weights. */
  stateDir?: string;
}

/**
 * Durations measured in earlier builds of the project at `root`; empty when there is no database yet
 * or it cannot be read. Silent then: they only order jobs, and the command that goes on to use the
 * state dir (run's store, plan's cache view) says what is wrong with it, once.
 */
function measuredDurations(stateDir: string | undefined, root: string): MeasuredDurations {
  const database = stateDir === undefined ? undefined : join(stateDir, 'farmhand.db');
  if (database === undefined || !existsSync(database)) return new Map();
  try {
    const store = openStore(database);
    try {
      return store.jobDurations(root);
    } finally {
      store.close();
    }
  } catch {
    return new Map();
  }
}

/** A diagnostic with its file shown relative to where the user stands, so `file:line:col` can be opened as printed. */
function fromCwd(diagnostic: Diagnostic, root: string, cwd: string): Diagnostic {
  const absolute = isAbsolute(diagnostic.file) ? diagnostic.file : join(root, diagnostic.file);
  const shown = relative(cwd, absolute);
  // Outside the working folder an absolute path reads better than a chain of `../`.
  return { ...diagnostic, file: shown === '' || shown.startsWith('..') ? absolute : shown };
}

/** Why `root` cannot hold a project (missing, a file, unreadable), or undefined when it is a folder. */
function folderProblem(root: string, shown: string): string | undefined {
  try {
    if (statSync(root).isDirectory()) return undefined;
    return `${shown} is a file, not a folder; give the folder that holds farmhand.yml or .farmhand/`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${shown} does not exist; give the folder that holds farmhand.yml or .farmhand/`;
    return `cannot read ${shown}: ${code ?? String(error)}`;
  }
}

/**
 * Says so when the folder has no spec file at all (no farmhand.yml, no .farmhand/*.yml, no
 * workspace): there is no file:line:col to point at, and `farmhand init` makes a start.
 */
function noSpecProblem(root: string, shown: string): string | undefined {
  const has = (name: string) => existsSync(join(root, name));
  if (has(rootFile) || has(workspaceFile)) return undefined;
  try {
    if (readdirSync(join(root, folder)).some((name) => /\.ya?ml$/.test(name))) return undefined;
  } catch {
    // No .farmhand/ folder (or not a readable one): the parser reports what it can.
  }
  const remedy = has('farmhand.yaml') ? `rename farmhand.yaml to ${rootFile}` : `run \`farmhand init\` to create ${rootFile}, or give the folder that holds it`;
  return `no pipelines in ${shown}: there is no ${rootFile} and no ${folder}/*.yml (${remedy})`;
}

/**
 * Collects `--only` values: repeatable, and each may list several selectors separated by commas.
 * A comma inside a matrix job's brackets (`build/compile[cc=gcc,os=debian]`) is part of its name.
 */
export function collectSelectors(value: string, previous: string[]): string[] {
  const selectors: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of value) {
    if (char === '[') depth++;
    if (char === ']') depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) {
      selectors.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  selectors.push(current);
  return [...previous, ...selectors.map((selector) => selector.trim()).filter((selector) => selector !== '')];
}

/** The folder as the user would name it: relative to where they stand, or absolute when outside it. */
function shownFolder(root: string, cwd: string): string {
  const shown = relative(cwd, root);
  if (shown === '') return 'this folder';
  return shown.startsWith('..') || isAbsolute(shown) ? root : shown;
}

/** The project at dir and its plan narrowed by --only, or the exit code after printing why not. */
export function loadPlan(dir: string | undefined, only: readonly string[], io: LoadIo): { root: string; project: LoadedProject; plan: Plan } | { exitCode: number } {
  const root = resolve(io.cwd, dir ?? '.');
  const shown = shownFolder(root, io.cwd);
  const problem = folderProblem(root, shown) ?? noSpecProblem(root, shown);
  if (problem) {
    io.stderr(`farmhand: ${problem}\n`);
    return { exitCode: exitCodes.badInput };
  }
  let project: LoadedProject;
  try {
    project = loadProject(root, { durations: measuredDurations(io.stateDir, root) });
  } catch (error) {
    // Not a spec mistake but the disk refusing (permissions, a file vanishing mid-read): still one line.
    io.stderr(`farmhand: could not read the project in ${shown}: ${error instanceof Error ? error.message : String(error)}\n`);
    return { exitCode: exitCodes.badInput };
  }
  if (!project.plan) {
    for (const diagnostic of sortDiagnostics(project.diagnostics)) io.stderr(`${formatDiagnostic(fromCwd(diagnostic, root, io.cwd))}\n`);
    return { exitCode: exitCodes.badInput };
  }
  const unknown = unknownSelectors(project.plan, only);
  if (unknown.length > 0) {
    const pipelines = project.plan.pipelines.map((pipeline) => pipeline.name).join(', ');
    io.stderr(`farmhand: --only ${unknown.join(', ')} names no pipeline or job of this project (pipelines: ${pipelines})\n`);
    return { exitCode: exitCodes.badInput };
  }
  const plan = selectJobs(project.plan, only);
  if (project.spec) {
    for (const warning of planWarnings(project.spec, plan, project.files)) {
      io.stderr(`${formatDiagnostic(fromCwd({ ...warning, message: `warning: ${warning.message}` }, root, io.cwd))}\n`);
    }
  }
  return { root, project, plan };
}
