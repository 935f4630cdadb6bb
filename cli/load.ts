// Loading a project for a command (plan, run): diagnostics printed one a line with paths as the
// user would open them, exit code 2 on bad input.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { MeasuredDurations } from '../core/plan/estimates';
import { selectJobs, unknownSelectors } from '../core/plan/select-jobs';
import type { Plan } from '../core/plan/types';
import { loadProject, type LoadedProject } from '../core/project/load-project';
import { formatDiagnostic, sortDiagnostics } from '../core/spec/diagnostics';
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

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The project at dir and its plan narrowed by --only, or the exit code after printing why not. */
export function loadPlan(dir: string | undefined, only: readonly string[], io: LoadIo): { root: string; project: LoadedProject; plan: Plan } | { exitCode: number } {
  const root = resolve(io.cwd, dir ?? '.');
  if (!isFolder(root)) {
    io.stderr(`farmhand: ${dir ?? root} is not a folder; give the folder that holds farmhand.yml or .farmhand/\n`);
    return { exitCode: exitCodes.badInput };
  }
  let project: LoadedProject;
  try {
    project = loadProject(root, { durations: measuredDurations(io.stateDir, root) });
  } catch (error) {
    // Not a spec mistake but the disk refusing (permissions, a file vanishing mid-read): still one line.
    io.stderr(`farmhand: could not read the project in ${dir ?? root}: ${error instanceof Error ? error.message : String(error)}\n`);
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
  return { root, project, plan: selectJobs(project.plan, only) };
}
