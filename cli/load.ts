// Loading a project for a command: diagnostics printed one a line, exit code 2 on bad input.
import { existsSync, statSync } from 'node:fs';
import { formatDiagnostic } from '../core/spec/diagnostics';
import { selectJobs, unknownSelectors } from '../core/plan/select-jobs';
import type { Plan } from '../core/plan/types';
import { loadProject } from '../core/project/load-project';
import { exitCodes } from './exit-codes';

/** The plan of the project at root (narrowed by --only), or the exit code after printing why not. */
export function loadForCommand(root: string, only: readonly string[]): { plan: Plan } | { exitCode: number } {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    process.stderr.write(`farmhand: ${root}: no such folder\n`);
    return { exitCode: exitCodes.badInput };
  }
  const loaded = loadProject(root);
  if (!loaded.plan || loaded.diagnostics.length > 0) {
    for (const diagnostic of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic)}\n`);
    return { exitCode: exitCodes.badInput };
  }
  if (only.length === 0) return { plan: loaded.plan };
  const unknown = unknownSelectors(loaded.plan, only);
  if (unknown.length > 0) {
    process.stderr.write(`farmhand: --only ${unknown[0]}: no such pipeline or job in this project\n`);
    return { exitCode: exitCodes.badInput };
  }
  return { plan: selectJobs(loaded.plan, only) };
}
